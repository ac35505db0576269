"""Asynchronous summaries: durable jobs, idempotency keys and signed webhooks.

This package owns what happens to a request sent with `Prefer: respond-async`: the job
record and its document (`GET /v1/jobs/{job_id}`), the queue and the workers that run it
against its own deadline, the records behind `Idempotency-Key` (for both paths), and the
webhook sent to `callback_url`, signed and retried. It imports nothing of the service but
`service.errors`; the routes and the app's lifespan call it.

    models.py          the typed records: job, outcome, idempotency outcome, delivery
    errors.py          the errors it raises to the routes (422 and 409 envelopes)
    store.py           the JobStore interface and open_store(SUMMARIZER_JOBS_URL)
    sqlite_store.py    jobs in a SQLite file, one machine
    sqlite_workers.py  the in-process workers of the SQLite store
    redis_store.py     jobs on Redis through saq, shared by replicas
    webhooks.py        callback URL checks, signing, one attempt, the retry schedule
    runner.py          JobRunner: submit, get, and the workers' handlers
    metrics.py         queue depth and age, jobs and webhooks by outcome
"""

from .errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidCallbackUrl
from .metrics import JobMetrics
from .models import (
    Delivery,
    DeliveryAttempt,
    IdempotencyOutcome,
    JobDocument,
    JobStatus,
    KeyConflict,
    KeyInFlight,
    KeyIsNew,
    KeyReplay,
    Submitted,
    fingerprint,
)
from .runner import JobRunner
from .store import JobStore, open_store
from .webhooks import WebhookSettings, parse_allowed_hosts, validate_callback_url

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "IdempotencyOutcome",
    "InvalidCallbackUrl",
    "JobDocument",
    "JobMetrics",
    "JobRunner",
    "JobStatus",
    "JobStore",
    "KeyConflict",
    "KeyInFlight",
    "KeyIsNew",
    "KeyReplay",
    "Submitted",
    "WebhookSettings",
    "fingerprint",
    "open_store",
    "parse_allowed_hosts",
    "validate_callback_url",
]
