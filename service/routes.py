"""The HTTP routes; each one hands its work to the pipeline or the backend."""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import AsyncIterator, Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from .article import Article
from .config import Settings
from .errors import (
    BackendUnavailable,
    ClientGone,
    Overloaded,
    RateLimited,
    Unauthorized,
)
from .intake import JSON_TYPES, TEXT_TYPES, read_article
from .limits import RateLimiter
from .models import ErrorEnvelope, SummaryRequest, SummaryResponse
from .pipeline import Summarizer

T = TypeVar("T")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_summarizer(request: Request) -> Summarizer:
    return request.app.state.summarizer


SettingsDep = Annotated[Settings, Depends(get_settings)]


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


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in {
        400: "The body is not valid JSON or not valid text in its charset.",
        401: "Inbound API keys are configured and the request has none or a wrong one.",
        413: "The article is over the size limit.",
        415: "Unsupported content type.",
        422: "No text, empty text or wrong field types.",
        429: "Rate limit exceeded (see Retry-After).",
        502: "The model kept answering invalid output; details holds every attempt's errors.",
        503: "The model backend is unreachable or overloaded, or this service is (see Retry-After).",
        504: "The request's deadline passed.",
    }.items()
}

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_TYPES[0]: {"schema": SummaryRequest.model_json_schema()},
            TEXT_TYPES[0]: {"schema": {"type": "string", "pattern": r"\S", "description": "The article body, plain text."}},
        },
    }
}

v1 = APIRouter(prefix="/v1", dependencies=[Depends(admit_client)], responses=_ERRORS)
probes = APIRouter()


# The pipeline builds the response to the SummaryResponse shape itself, so it is sent as
# is rather than validated a second time; the model documents it.
@v1.post(
    "/summaries",
    dependencies=[Depends(inflight_slot)],
    responses={200: {"model": SummaryResponse}},
    openapi_extra=_BODY,
)
async def create_summary(
    request: Request,
    article: Annotated[Article, Depends(article_from_body)],
    summarizer: Annotated[Summarizer, Depends(get_summarizer)],
) -> JSONResponse:
    """Summarize one article into who, what, where and denials, each grounded in its text."""
    directives = {d.strip().lower() for d in request.headers.get("cache-control", "").split(",")}
    no_store = "no-store" in directives
    work = summarizer.summarize(article, read_cache=not (no_store or "no-cache" in directives), write_cache=not no_store)
    summary = await unless_disconnected(request, work)
    meta = summary["meta"]
    request.state.summary = {"attempts": meta["attempts"], "dropped": len(meta["dropped"]), "cached": meta["cached"]}
    return JSONResponse(summary)


@v1.get("/schema")
async def answer_schema(summarizer: Annotated[Summarizer, Depends(get_summarizer)]) -> dict[str, Any]:
    """The JSON Schema that the model's answer is validated against."""
    return summarizer.schema.document


@probes.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@probes.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, model calls by outcome, attempts, latency and tokens."""
    return Response(request.app.state.metrics.exposition(), media_type=request.app.state.metrics.content_type)


@probes.get("/readyz", responses={503: {"model": ErrorEnvelope}})
async def readyz(summarizer: Annotated[Summarizer, Depends(get_summarizer)]) -> JSONResponse:
    """The service can summarize: the model is loaded or its server answers, and the proposer has loaded."""
    backend = summarizer.backend
    if not await summarizer.ready():
        raise BackendUnavailable(f"the {backend.name} backend is not ready", retry_after=5)
    return JSONResponse({"status": "ready", "backend": backend.name, "model": backend.model})
