"""Turning an HTTP request body into an Article: content type, size, encoding and fields.

A body is read into a Submission: the request's checked fields and the Article made from them.
The fields, not the raw body, are what a job keeps and what an Idempotency-Key fingerprints,
so that a job re-run after a restart reads its article exactly as the first request did.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from ..article import Article
from ..errors import ArticleTooLarge, InvalidBody, InvalidRequest, UnsupportedMediaType
from .extract import text_from_html
from .models import SummaryRequest

JSON_TYPES = ("application/json",)
TEXT_TYPES = ("text/plain",)
# UTF-8 takes at most four bytes a character; the rest is room for the JSON around the text.
_BYTES_PER_CHAR = 4
_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Submission:
    """A request body that passed every check: its fields and the article they give."""

    fields: SummaryRequest
    article: Article

    @property
    def body(self) -> dict[str, Any]:
        """The article's fields as JSON, without callback_url: what a job runs and a key fingerprints."""
        return self.fields.model_dump(exclude_none=True, exclude={"callback_url"})


async def read_submission(request: Request, max_chars: int) -> Submission:
    media_type, charset = _content_type(request.headers.get("content-type", ""))
    if media_type not in JSON_TYPES + TEXT_TYPES:
        raise UnsupportedMediaType(
            f"unsupported content type {media_type or '(none)'!r}; send application/json or text/plain",
            details={"supported": list(JSON_TYPES + TEXT_TYPES)},
        )
    body = await _read_body(request, max_chars * _BYTES_PER_CHAR + _ENVELOPE_BYTES, max_chars)
    text = _decode(body, charset)
    payload = {"text": text} if media_type in TEXT_TYPES else _parse_json(text)
    fields = _checked_fields(payload, max_chars)
    return Submission(fields, _article(fields))


def article_from_payload(payload: Any, max_chars: int) -> Article:
    """Check the request's fields and the article's size."""
    return _article(_checked_fields(payload, max_chars))


def _checked_fields(payload: Any, max_chars: int) -> SummaryRequest:
    try:
        fields = SummaryRequest.model_validate(payload)
    except ValidationError as exc:
        raise InvalidRequest("the request is not a valid article", details=field_errors(exc.errors())) from None
    body = fields.text if fields.text is not None else fields.html or ""  # SummaryRequest holds one of the two
    if len(body) > max_chars:
        raise _too_large(len(body), max_chars)
    return fields


def _article(fields: SummaryRequest) -> Article:
    if fields.text is not None:
        return Article(text=fields.text, title=fields.title, language=fields.language, id=fields.id)
    text = text_from_html(fields.html or "")
    if not text:
        raise InvalidRequest("no article text was found in the HTML", details=[{"path": "/html", "message": "no text"}])
    return Article(text=text, title=fields.title, language=fields.language, id=fields.id, from_html=True)


def _content_type(header: str) -> tuple[str, str]:
    media_type, _, parameters = header.partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    return media_type.strip().lower(), charset


async def _read_body(request: Request, limit: int, max_chars: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(None, max_chars)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(None, max_chars)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(codecs.lookup(charset).name)
    except LookupError:
        raise InvalidBody(f"unknown charset {charset!r}") from None
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"the body is not valid {charset}: {exc.reason} at byte {exc.start}") from None
    except UnicodeError as exc:  # some codecs (idna, punycode) raise the general kind
        raise InvalidBody(f"the body is not valid {charset}: {exc}") from None


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidBody(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as path-addressed messages, without echoing the input."""
    return [
        {"path": "/" + "/".join(map(str, error["loc"])), "message": error["msg"], "type": error["type"]}
        for error in errors
    ]


def _too_large(length: int | None, max_chars: int) -> ArticleTooLarge:
    return ArticleTooLarge(
        f"the article is over the limit of {max_chars} characters",
        details={"limit_chars": max_chars, "length_chars": length},
    )
