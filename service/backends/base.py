"""What every model backend takes and gives back, and the factory that makes the configured one.

A backend is one small class with one job, `complete(request) -> Completion`.
It turns its SDK's failures into BackendError / BackendUnavailable at its edge
and retries only transport failures; judging the answer is the pipeline's job.
A backend is transport only: how a model is asked (its strategy, how many
chunks at once) is its profile, in service.backends.profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config import Settings

Message = Mapping[str, str]


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    schema: Mapping[str, Any]
    schema_name: str
    # Added to the system message by a backend that cannot enforce the schema itself.
    schema_hint: str
    # Event-loop time (asyncio.get_running_loop().time()) by which the answer is needed.
    deadline: float
    # Tokens the answer may take at most; an answer cut there is reported as truncated.
    max_tokens: int


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False
    refusal: str | None = None


class Backend(Protocol):
    name: str
    model: str

    async def complete(self, request: ChatRequest) -> Completion: ...

    # Both wait for an embedded model to load, so the first call belongs off the event loop;
    # once it has loaded they are quick.
    def context_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    async def ready(self) -> bool: ...

    async def aclose(self) -> None: ...


def make_backend(settings: Settings) -> Backend:
    """The backend the settings ask for."""
    if settings.resolved_backend == "openai":
        from .openai_compatible import OpenAIBackend

        return OpenAIBackend.from_settings(settings)
    from .llama import LlamaBackend

    return LlamaBackend.from_settings(settings)
