"""The grounded summary, as it travels from grounding to the response: the API's response body.

Grounding (service.checks.ground) builds these models, the pipeline merges and
completes them, and the HTTP layer sends them as they are. A field with a
default is optional in the contract: it is in the body only when it was given
(`article_text` for HTML input, `cached_at` for a cached summary, `language` and
`warnings` for the choosing strategy, a dropped item's `chunk` for an article read
in chunks), so the body is always dumped with `exclude_unset` (`as_body`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    quote: str = Field(description="Exactly article[start:end].")
    start: int
    end: int


class Who(BaseModel):
    name: str
    role: str | None
    evidence: list[Evidence]


class What(BaseModel):
    text: str
    evidence: list[Evidence]


class Where(BaseModel):
    name: str
    evidence: list[Evidence]


class Denial(BaseModel):
    who: str
    denied: str
    kind: Literal["explicit", "implicit", "no_comment"]
    evidence: list[Evidence]


class Dropped(BaseModel):
    path: str = Field(description="JSON pointer of the item in the model's answer.")
    field: str
    reasons: list[str]
    chunk: int | None = Field(default=None, description="Which chunk's answer it was in, for an article read in chunks.")


class TokenUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class SummaryWarning(BaseModel):
    code: str = Field(description="`language_not_supported`: names, places and denials are proposed for English only.")
    message: str


class Meta(BaseModel):
    backend: str
    model: str
    prompt_version: str
    schema_version: str
    attempts: int = Field(description="Model calls made for this request.")
    usage: TokenUsage = Field(description="Tokens summed over every attempt.")
    latency_ms: int
    dropped: list[Dropped] = Field(description="Items removed because the article does not support them.")
    chunks: int = Field(description="Parts the article was read in; more than 1 when it is longer than the model's context.")
    cached: bool = Field(description="The summary was served from the result cache, without a model call.")
    language: str | None = Field(
        default=None,
        description="The language the proposer read the article as (the request's `language`, else detected); "
        "only with the choosing strategy.",
    )
    warnings: list[SummaryWarning] = Field(default_factory=list, description="What limited this summary, if anything.")
    cached_at: str | None = Field(default=None, description="When a cached summary was made (ISO 8601, UTC).")


class SummaryResponse(BaseModel):
    id: str | None
    who: list[Who]
    what: What | None = Field(description="null when no summary of the event could be grounded.")
    where: list[Where]
    denials: list[Denial]
    article_text: str | None = Field(
        default=None, description="The text extracted from `html`, which every offset refers to; only for HTML input."
    )
    meta: Meta

    def as_body(self) -> dict[str, Any]:
        """The response body as JSON values, without the optional fields that were never given."""
        return self.model_dump(mode="json", exclude_unset=True)
