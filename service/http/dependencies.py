"""What the routes depend on: the settings and the summarizer, an admitted client, the article, a slot.

Each is a FastAPI dependency, except `unless_disconnected`, which runs a route's
work and stops it when the client goes away.
"""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import AsyncIterator, Awaitable
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Request

from ..article import Article
from ..config import Settings
from ..errors import ClientGone, Overloaded, RateLimited, Unauthorized
from ..pipeline.summarizer import Summarizer
from .intake import read_article
from .limits import RateLimiter

T = TypeVar("T")


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_summarizer(request: Request) -> Summarizer:
    return cast(Summarizer, request.app.state.summarizer)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SummarizerDep = Annotated[Summarizer, Depends(get_summarizer)]


async def admit_client(request: Request, settings: SettingsDep) -> None:
    """Check the inbound API key, then the client's rate limit."""
    client = _authenticated_key(request, settings) or (request.client.host if request.client else "?")
    limiter: RateLimiter | None = request.app.state.limiter
    if limiter and (wait := limiter.wait_needed(client)):
        raise RateLimited(f"rate limit of {limiter.rate} exceeded; retry in {math.ceil(wait)} s", retry_after=wait)


def _authenticated_key(request: Request, settings: Settings) -> str | None:
    """The caller's key when inbound keys are configured (raising Unauthorized if it is not one)."""
    if not settings.api_keys:
        return None
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    given = bearer.strip() if scheme.lower() == "bearer" else request.headers.get("x-api-key", "")
    matched = False
    for key in settings.api_keys:  # every key is compared, so timing tells nothing of which matched
        matched |= hmac.compare_digest(given.encode(), key.get_secret_value().encode())
    if not matched:
        raise Unauthorized("a valid API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
    return given


async def article_from_body(request: Request, settings: SettingsDep) -> Article:
    return await read_article(request, settings.max_chars)


async def inflight_slot(request: Request, settings: SettingsDep) -> AsyncIterator[None]:
    """Admit the request only while fewer than SUMMARIZER_MAX_INFLIGHT are being served."""
    state = request.app.state
    if state.inflight >= settings.max_inflight:
        raise Overloaded(f"{settings.max_inflight} requests are already in flight; retry shortly", retry_after=1)
    state.inflight += 1
    try:
        yield
    finally:
        state.inflight -= 1


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    """The work's result; if the client goes away first, the work is cancelled and ClientGone raised."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
    if task.cancelled():
        raise ClientGone("the client closed the connection; the request was stopped")
    return task.result()


async def _disconnect(request: Request) -> None:
    # The body has been read, so the next message the server sends is the disconnect.
    while (await request.receive())["type"] != "http.disconnect":
        pass
