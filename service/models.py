"""The HTTP API's request and response bodies, as published in the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    field_validator,
    model_validator,
)


class SummaryRequest(BaseModel):
    # The schema says what the validator below enforces: one of text or html, not blank.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "html")
            ]
        },
    )

    text: StrictStr | None = Field(
        default=None, description="The article body, plain text.", json_schema_extra={"pattern": r"\S"}
    )
    html: StrictStr | None = Field(
        default=None, description="The article as HTML; the text is extracted.", json_schema_extra={"pattern": r"\S"}
    )
    title: StrictStr | None = Field(default=None, max_length=2000, description="The headline, given as context.")
    language: StrictStr | None = Field(default=None, max_length=35, description="BCP-47 hint such as en or de.")
    id: StrictStr | None = Field(default=None, max_length=512, description="Your own reference, echoed back.")

    @field_validator("text", "html", "title", "id")
    @classmethod
    def _encodable(cls, value: str | None) -> str | None:
        # JSON can carry a lone surrogate (\ud800), which is no character and cannot be sent on.
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("contains a lone surrogate, which is not valid Unicode text") from None
        return value

    @field_validator("text", "html")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("the article is empty")
        return value

    @model_validator(mode="after")
    def _has_article(self) -> SummaryRequest:
        if self.text is None and self.html is None:
            raise ValueError("give the article as 'text' or 'html'")
        return self


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
    cached_at: str | None = Field(default=None, description="When a cached summary was made (ISO 8601, UTC).")
    language: str | None = Field(
        default=None,
        description="The language the proposer read the article as (the request's `language`, else detected); "
        "only with the choosing strategy.",
    )
    warnings: list[SummaryWarning] = Field(default_factory=list, description="What limited this summary, if anything.")


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


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody
