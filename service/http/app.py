"""The application factory: settings, backend, pipeline, job runner, routes and the one error handler."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .. import __version__
from ..backends.base import Backend, make_backend
from ..config import Settings, load_settings
from ..errors import ClientGone, InvalidRequest, SummarizerError
from ..jobs import JobMetrics
from ..pipeline.cache import open_cache_or_none
from ..pipeline.summarizer import Summarizer
from .asynchronous import running_jobs
from .intake import field_errors
from .limits import RateLimiter
from .observability import Metrics, Observed
from .review import review
from .routes import probes, v1

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 5


def create_app(settings: Settings | None = None, backend: Backend | None = None) -> FastAPI:
    """Build the service; a given backend is used as is and left open at shutdown."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        active = backend or make_backend(settings)
        cache = open_cache_or_none(settings)
        summarizer = Summarizer.from_settings(active, settings, observer=app.state.metrics, cache=cache)
        app.state.summarizer = summarizer
        try:
            async with running_jobs(settings, summarizer, app.state.job_metrics) as jobs:
                app.state.jobs = jobs
                yield
        finally:
            if cache:
                await cache.aclose()
            if backend is None:
                await active.aclose()

    app = FastAPI(
        title="News summarizer",
        version=__version__,
        summary="Who, what, where and denials of a news article, every item grounded in its text.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    rate = settings.resolved_rate_limit
    app.state.limiter = RateLimiter(rate) if rate else None
    app.state.inflight = 0
    app.state.metrics = Metrics()
    # Registered once per app, beside the request metrics, however often its lifespan runs.
    app.state.job_metrics = JobMetrics(app.state.metrics.registry)
    app.add_middleware(Observed, metrics=app.state.metrics, backend_label=lambda: _backend_label(app))
    app.include_router(v1)
    app.include_router(probes)
    app.include_router(review)
    # Starlette annotates a handler as taking any Exception; each of these takes the class it is added for.
    app.add_exception_handler(SummarizerError, _summarizer_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
    return app



def _backend_label(app: FastAPI) -> dict[str, str]:
    summarizer = getattr(app.state, "summarizer", None)
    return {"backend": summarizer.backend.name, "model": summarizer.backend.model} if summarizer else {}


def error_response(error: SummarizerError) -> JSONResponse:
    headers = {}
    if error.retry_after is not None or error.status in (429, 503):
        seconds = error.retry_after if error.retry_after is not None else DEFAULT_RETRY_AFTER
        headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error.envelope(), status_code=error.status, headers=headers)


async def _summarizer_error(request: Request, error: SummarizerError) -> JSONResponse:
    if error.status >= 500 or isinstance(error, ClientGone):
        log.warning("%s %s -> %d %s: %s", request.method, request.url.path, error.status, error.code, error.message)
    # For the request's log line (observability.Observed), beside its request id.
    request.state.failure = {"error": error.code, **({"upstream": error.upstream} if error.upstream else {})}
    return error_response(error)


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    return error_response(InvalidRequest("the request is not valid", details=field_errors(error.errors())))


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    phrase = HTTPStatus(error.status_code).phrase
    envelope = {"error": {"code": phrase.lower().replace(" ", "_"), "message": str(error.detail), "details": None}}
    return JSONResponse(envelope, status_code=error.status_code, headers=error.headers)


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(SummarizerError("internal error; the request was not completed"))
