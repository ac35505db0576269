"""The SUMMARIZER_* settings of an environment, so that a test or a benchmark starts from none."""

from __future__ import annotations

import os
from collections.abc import Mapping

PREFIX = "SUMMARIZER_"


def setting_names(environ: Mapping[str, str] | None = None) -> list[str]:
    """The variables of the environment that configure the service (OPENAI_API_KEY among them)."""
    environ = os.environ if environ is None else environ
    return [name for name in environ if name.startswith(PREFIX) or name == "OPENAI_API_KEY"]


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without the service's settings, plus the given ones (timeout="5" is SUMMARIZER_TIMEOUT)."""
    cleared = set(setting_names())
    environment = {name: value for name, value in os.environ.items() if name not in cleared}
    environment.update({PREFIX + name.upper(): value for name, value in settings.items()})
    return environment


def set_environment(**settings: str) -> None:
    """Replace the service's settings in this process's environment with the given ones."""
    for name in setting_names():
        del os.environ[name]
    os.environ.update({PREFIX + name.upper(): value for name, value in settings.items()})
