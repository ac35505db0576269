"""The prompt set and the answer schema, read once from the data files shipped with the package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from ..checks.validate import SchemaValidator

PROMPT_VERSION = "summarize-v1"
SCHEMA_VERSION = "summary-v1"


@dataclass(frozen=True)
class Prompts:
    version: str
    system: str
    user: Template
    reask: Template
    schema_hint: Template


@dataclass(frozen=True)
class AnswerSchema:
    version: str
    document: dict[str, Any]
    validator: SchemaValidator

    @property
    def for_model(self) -> dict[str, Any]:
        """The schema without the meta keywords that strict structured-output servers reject."""
        return {k: v for k, v in self.document.items() if not k.startswith("$")}


def _data_dir(name: str) -> Path:
    package = Path(__file__).parent.parent  # service/
    installed = package / name  # an installed wheel carries the data inside the package
    return installed if installed.is_dir() else package.parent / name


@cache
def load_prompts(version: str = PROMPT_VERSION) -> Prompts:
    folder = _data_dir("prompts") / version

    def read(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    return Prompts(
        version=version,
        system=read("system.txt").strip(),
        user=Template(read("user.txt")),
        reask=Template(read("reask.txt")),
        schema_hint=Template(read("schema_hint.txt")),
    )


@cache
def load_schema(version: str = SCHEMA_VERSION) -> AnswerSchema:
    document = json.loads((_data_dir("schemas") / f"{version}.json").read_text(encoding="utf-8"))
    return AnswerSchema(version=version, document=document, validator=SchemaValidator(document))
