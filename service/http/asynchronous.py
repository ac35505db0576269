"""What the routes need of the jobs package: the Prefer header, the job runner's life, and Idempotency-Key.

A request that prefers `respond-async` (RFC 7240) becomes a job; its article is read from the
stored fields by the same intake and summarized by the same Summarizer as a synchronous
request, under the job deadline instead of the synchronous one. An Idempotency-Key on a
synchronous request is answered through the store's reserve, save and release records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ..config import Settings
from ..jobs import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    JobMetrics,
    JobRunner,
    JobStore,
    KeyInFlight,
    KeyIsNew,
    KeyReplay,
    WebhookSettings,
    fingerprint,
    open_store,
    parse_allowed_hosts,
)
from ..jobs.runner import Summarize
from ..pipeline.cache import default_cache_path
from ..pipeline.summarizer import Summarizer
from .intake import article_from_payload

RESPOND_ASYNC = "respond-async"
# One preference of a Prefer header: commas inside a quoted value do not separate preferences.
_PREFERENCE = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+')


def preferences(headers: Iterable[str]) -> set[str]:
    """The preference names of every Prefer header, lower-cased: `respond-async, wait=10` → {respond-async, wait}."""
    names = set()
    for header in headers:
        for preference in _PREFERENCE.findall(header):
            name = preference.split(";", 1)[0].split("=", 1)[0].strip().lower()
            if name:
                names.add(name)
    return names


def default_jobs_path() -> Path:
    """The jobs' SQLite file when SUMMARIZER_JOBS_URL is unset: beside the default result cache file."""
    return default_cache_path().with_name("jobs.sqlite3")


def webhook_settings(settings: Settings) -> WebhookSettings | None:
    """How callbacks are signed and where they may go; None when no secret is set (no callbacks)."""
    if settings.webhook_secret is None:
        return None
    return WebhookSettings(settings.webhook_secret.get_secret_value(),
                           parse_allowed_hosts(settings.webhook_allowed_hosts))


def summarize_job(summarizer: Summarizer, settings: Settings) -> Summarize:
    """A job's work: its stored fields read as a synchronous request's are, summarized under the job deadline."""

    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        article = article_from_payload(body, settings.max_chars)
        summary = await summarizer.summarize(article, deadline=settings.job_deadline)
        return summary.as_body()

    return summarize


@asynccontextmanager
async def running_jobs(settings: Settings, summarizer: Summarizer, metrics: JobMetrics) -> AsyncIterator[JobRunner]:
    """The job runner with its workers started, for the app's lifespan; stopped and its store closed after."""
    store = open_store(settings.jobs_url or default_jobs_path())
    runner = JobRunner(store, summarize_job(summarizer, settings), concurrency=settings.job_workers,
                       job_deadline=settings.job_deadline, webhooks=webhook_settings(settings), metrics=metrics)
    try:
        await runner.start()
        yield runner
    finally:
        await runner.stop()
        await store.aclose()


def scoped_key(header: str, client_key: str | None) -> str:
    """The record name of an Idempotency-Key: its value (a structured-field string may come quoted),
    prefixed by a digest of the client's API key so that clients cannot answer each other's keys."""
    key = header[1:-1] if len(header) >= 2 and header[0] == header[-1] == '"' else header
    if client_key is None:
        return key
    return hashlib.sha256(client_key.encode("utf-8")).hexdigest()[:16] + ":" + key


async def answered_once(
    store: JobStore, key: str, body: dict[str, Any], make: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """The synchronous response a key stands for: made now and kept for 24 hours if the key is new,
    else the one kept; 409 while the key's first request is still being served, 422 for another request."""
    request_fingerprint = fingerprint(body, asynchronous=False)
    match await store.reserve_key(key, request_fingerprint):
        case KeyReplay(response=dict() as response):
            return response
        case KeyInFlight():
            raise IdempotencyKeyInUse()
        case KeyIsNew():
            pass
        case _:  # a conflict, or the key named a job (whose fingerprint differs)
            raise IdempotencyKeyReused()
    try:
        response = await make()
    except BaseException:
        # The request failed or its client left: a retry with the same key is served anew.
        await store.release_key(key)
        raise
    await store.save_response(key, request_fingerprint, response)
    return response
