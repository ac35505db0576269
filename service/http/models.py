"""The HTTP API's request and error bodies, as published in the OpenAPI document.

The response body is the summary itself (service.summary).
"""

from __future__ import annotations

from typing import Any

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
    callback_url: StrictStr | None = Field(
        default=None, max_length=2048,
        description="With `Prefer: respond-async` only: an http(s) URL that is sent the job document, signed, "
        "when the job ends. Ignored by a synchronous request.",
    )

    @field_validator("text", "html", "title", "id", "callback_url")
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


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody
