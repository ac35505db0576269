"""The HTTP routes; each one hands its work to the pipeline or the backend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..article import Article
from ..errors import BackendUnavailable
from ..summary import SummaryResponse
from .dependencies import SummarizerDep, admit_client, article_from_body, inflight_slot, unless_disconnected
from .intake import JSON_TYPES, TEXT_TYPES
from .models import ErrorEnvelope, SummaryRequest

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


# The pipeline's SummaryResponse is sent as its body, not validated a second time.
@v1.post(
    "/summaries",
    dependencies=[Depends(inflight_slot)],
    responses={200: {"model": SummaryResponse}},
    openapi_extra=_BODY,
)
async def create_summary(
    request: Request,
    article: Annotated[Article, Depends(article_from_body)],
    summarizer: SummarizerDep,
) -> JSONResponse:
    """Summarize one article into who, what, where and denials, each grounded in its text."""
    directives = {d.strip().lower() for d in request.headers.get("cache-control", "").split(",")}
    no_store = "no-store" in directives
    work = summarizer.summarize(article, read_cache=not (no_store or "no-cache" in directives), write_cache=not no_store)
    summary = await unless_disconnected(request, work)
    meta = summary.meta
    request.state.summary = {"attempts": meta.attempts, "dropped": len(meta.dropped), "cached": meta.cached}
    return JSONResponse(summary.as_body())


@v1.get("/schema")
async def answer_schema(summarizer: SummarizerDep) -> dict[str, Any]:
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
async def readyz(summarizer: SummarizerDep) -> JSONResponse:
    """The service can summarize: the model is loaded or its server answers, and the proposer has loaded."""
    backend = summarizer.backend
    if not await summarizer.ready():
        raise BackendUnavailable(f"the {backend.name} backend is not ready", retry_after=5)
    return JSONResponse({"status": "ready", "backend": backend.name, "model": backend.model})
