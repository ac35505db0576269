"""What the routes depend on: the settings, the summarizer and the job runner, an admitted client,
the article, the Prefer and Idempotency-Key headers, a slot.

Each is a FastAPI dependency, except `unless_disconnected`, which runs a route's
work and stops it when the client goes away.
"""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import AsyncIterator, Awaitable
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Header, Request

from ..config import Settings
from ..errors import ClientGone, Overloaded, RateLimited, Unauthorized
from ..jobs import JobRunner
from ..pipeline.summarizer import Summarizer
from .asynchronous import RESPOND_ASYNC, preferences, scoped_key
from .intake import Submission, read_submission
from .limits import RateLimiter

T = TypeVar("T")


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_summarizer(request: Request) -> Summarizer:
    return cast(Summarizer, request.app.state.summarizer)


async def get_jobs(request: Request) -> JobRunner:
    return cast(JobRunner, request.app.state.jobs)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SummarizerDep = Annotated[Summarizer, Depends(get_summarizer)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]


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


async def submission_from_body(request: Request, settings: SettingsDep) -> Submission:
    return await read_submission(request, settings.max_chars)


async def prefers_async(
    request: Request,
    prefer: Annotated[
        str | None,
        Header(description="`respond-async` (RFC 7240): answer 202 at once with a job to poll, "
               "instead of the summary when it is made. Other preferences are ignored."),
    ] = None,
) -> bool:
    # Documented as the string it is on the wire (a list of preferences); a request may repeat the
    # header, and every Prefer header it carries counts.
    return RESPOND_ASYNC in preferences(request.headers.getlist("prefer"))


AsyncDep = Annotated[bool, Depends(prefers_async)]


async def idempotency_key(
    request: Request,
    settings: SettingsDep,
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=255,
               description="Send the same key with the same body again within 24 hours and get the same job "
               "or summary, without a new model call; the same key with another body is refused (422)."),
    ] = None,
) -> str | None:
    """The key's record name, scoped by the client's API key when inbound keys are configured."""
    return None if key is None else scoped_key(key, _authenticated_key(request, settings))


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


async def inflight_slot(request: Request, settings: SettingsDep, asynchronous: AsyncDep) -> AsyncIterator[None]:
    """Admit a synchronous request only while fewer than SUMMARIZER_MAX_INFLIGHT are being served;
    a request for a job is not counted, as jobs wait in their queue."""
    if asynchronous:
        yield
        return
    state = request.app.state
    if state.inflight >= settings.max_inflight:
        raise Overloaded(
            f"{settings.max_inflight} requests are already being summarized; retry shortly, or send the request "
            "with 'Prefer: respond-async' to have it queued as a job and fetch its summary when it is done",
            retry_after=1,
        )
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
