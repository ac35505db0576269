"""The article as the service received it; every offset it returns refers to `text`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    text: str
    title: str | None = None
    language: str | None = None
    id: str | None = None
    # The text was extracted from HTML, so the client needs it to place the offsets.
    from_html: bool = False
