"""The HTTP routes; each one hands its work to the pipeline or the backend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..errors import BackendUnavailable, NotFound
from ..jobs import JobDocument, JobRunner
from ..pipeline.summarizer import Summarizer
from ..summary import SummaryResponse
from .asynchronous import RESPOND_ASYNC, answered_once
from .dependencies import (
    AsyncDep,
    IdempotencyKeyDep,
    JobsDep,
    SummarizerDep,
    admit_client,
    inflight_slot,
    submission_from_body,
    unless_disconnected,
)
from .intake import JSON_TYPES, TEXT_TYPES, Submission
from .models import ErrorEnvelope, SummaryRequest

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in {
        400: "The body is not valid JSON or not valid text in its charset.",
        401: "Inbound API keys are configured and the request has none or a wrong one.",
        413: "The article is over the size limit.",
        415: "Unsupported content type.",
        422: "No text, empty text or wrong field types; a refused callback_url; an Idempotency-Key used "
        "for another request.",
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

_ACCEPTED = {
    "model": JobDocument,
    "description": "With `Prefer: respond-async`: the job, queued. Poll its Location until it is done or failed.",
    "headers": {
        "Location": {"description": "The job: /v1/jobs/{job_id}.", "schema": {"type": "string"}},
        "Preference-Applied": {"description": "respond-async", "schema": {"type": "string"}},
    },
}
_IN_USE = {"model": ErrorEnvelope, "description": "The Idempotency-Key's first request is still being served."}

v1 = APIRouter(prefix="/v1", dependencies=[Depends(admit_client)], responses=_ERRORS)
probes = APIRouter()


# The pipeline's SummaryResponse is sent as its body, not validated a second time.
@v1.post(
    "/summaries",
    dependencies=[Depends(inflight_slot)],
    responses={200: {"model": SummaryResponse}, 202: _ACCEPTED, 409: _IN_USE},
    openapi_extra=_BODY,
)
async def create_summary(
    request: Request,
    submission: Annotated[Submission, Depends(submission_from_body)],
    asynchronous: AsyncDep,
    idempotency_key: IdempotencyKeyDep,
    summarizer: SummarizerDep,
    jobs: JobsDep,
) -> JSONResponse:
    """Summarize one article into who, what, where and denials, each grounded in its text; or queue it as a job."""
    if asynchronous:
        return await _queue_job(jobs, submission, idempotency_key)
    if idempotency_key is None:
        return JSONResponse(await _summary_body(request, summarizer, submission))
    body = await answered_once(jobs.store, idempotency_key, submission.body,
                               lambda: _summary_body(request, summarizer, submission))
    return JSONResponse(body)


async def _summary_body(request: Request, summarizer: Summarizer, submission: Submission) -> dict[str, Any]:
    directives = {d.strip().lower() for d in request.headers.get("cache-control", "").split(",")}
    no_store = "no-store" in directives
    work = summarizer.summarize(submission.article, read_cache=not (no_store or "no-cache" in directives),
                                write_cache=not no_store)
    summary = await unless_disconnected(request, work)
    meta = summary.meta
    request.state.summary = {"attempts": meta.attempts, "dropped": len(meta.dropped), "cached": meta.cached}
    return summary.as_body()


async def _queue_job(jobs: JobRunner, submission: Submission, idempotency_key: str | None) -> JSONResponse:
    callback = submission.fields.callback_url
    body = submission.body | ({"callback_url": callback} if callback is not None else {})
    job = (await jobs.submit(body, idempotency_key=idempotency_key)).job
    headers = {"Location": f"/v1/jobs/{job.job_id}", "Preference-Applied": RESPOND_ASYNC}
    return JSONResponse(job.model_dump(mode="json"), status_code=202, headers=headers)


@v1.get("/jobs/{job_id}", responses={404: {"model": ErrorEnvelope, "description": "No job with this id."}})
async def get_job(job_id: str, jobs: JobsDep) -> JobDocument:
    """A job: queued, running, done with its summary, or failed with its error."""
    document = await jobs.get(job_id)
    if document is None:
        raise NotFound("There is no job with this id: it was never accepted here, or it ended over 7 days ago.")
    return document


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
    """Prometheus metrics: requests, model calls by outcome, attempts, latency, tokens, jobs and webhooks."""
    return Response(request.app.state.metrics.exposition(), media_type=request.app.state.metrics.content_type)


@probes.get("/readyz", responses={503: {"model": ErrorEnvelope}})
async def readyz(summarizer: SummarizerDep) -> JSONResponse:
    """The service can summarize: the model is loaded or its server answers, and the proposer has loaded."""
    backend = summarizer.backend
    if not await summarizer.ready():
        raise BackendUnavailable(f"the {backend.name} backend is not ready", retry_after=5)
    return JSONResponse({"status": "ready", "backend": backend.name, "model": backend.model})
