"""Which language an article is in: the request's hint when it gives one, else detected (py3langid)."""

from __future__ import annotations

import py3langid

# Enough text to tell the language; more only costs time.
_SAMPLE_CHARS = 2000


def load() -> None:
    """Read the language model now rather than on the first article."""
    py3langid.classify("warm up")


def language_of(text: str, hint: str | None = None) -> str:
    """The article's primary language subtag: "en", "de", ... ("und" when there is no text)."""
    if hint and hint.strip():
        return hint.strip().replace("_", "-").split("-")[0].lower()
    sample = text[:_SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return "und"
    code, _ = py3langid.classify(sample)
    return str(code)
