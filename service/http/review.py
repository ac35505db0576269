"""The editorial review page: one HTML page, its script and its style, read once from service/http/static/.

The page calls POST /v1/summaries from the browser and shows the answer with every evidence
span highlighted in the article. It is plain HTML, CSS and JavaScript: no build step, no CDN,
nothing fetched at run time but the API. None of its routes is part of the OpenAPI schema.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

_STATIC = Path(__file__).parent / "static"


def _read(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


_PAGE = _read("review.html")
_SCRIPT = _read("review.js")
_STYLE = _read("review.css")

_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}
# The page loads only its own script and style and talks only to its own origin. The article
# is put into the page as text nodes; this policy is a second line of defence.
_PAGE_HEADERS = _HEADERS | {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

review = APIRouter(include_in_schema=False)


@review.get("/")
async def review_page() -> Response:
    """The editorial review page."""
    return Response(_PAGE, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


@review.get("/review/app.js")
async def review_script() -> Response:
    """The review page's script."""
    return Response(_SCRIPT, media_type="text/javascript; charset=utf-8", headers=_HEADERS)


@review.get("/review/app.css")
async def review_style() -> Response:
    """The review page's style sheet."""
    return Response(_STYLE, media_type="text/css; charset=utf-8", headers=_HEADERS)
