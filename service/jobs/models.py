"""The typed records that cross the edges of the jobs package.

A job is kept as a JobRecord (the request body, its callback URL, how often a worker
started it) and shown to clients as a JobDocument, the contract's
`{"job_id", "status", "id", "created_at", "updated_at", "result", "error"}`. A worker's
answer is a JobOutcome. Idempotency-Key look-ups answer one of four outcomes. A webhook
is a Delivery with the list of its DeliveryAttempts.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel

# The contract keeps jobs at least 7 days and idempotency records 24 hours.
JOB_TTL_SECONDS = 7 * 24 * 3600
IDEMPOTENCY_TTL_SECONDS = 24 * 3600


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ENDED = frozenset({JobStatus.DONE, JobStatus.FAILED})


def rfc3339(epoch: float) -> str:
    """A moment as RFC 3339 in UTC, to the millisecond: 2025-05-04T10:11:12.345Z."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(body: dict[str, Any], *, asynchronous: bool) -> str:
    """SHA-256 of the canonical JSON body. Whether the request asked for a job is part of it, so that a
    key first used for a synchronous summary and then for a job counts as reused for another request."""
    return hashlib.sha256(canonical_json({"async": asynchronous, "body": body}).encode("utf-8")).hexdigest()


class JobDocument(BaseModel):
    """What `GET /v1/jobs/{job_id}` answers and what a webhook carries."""

    job_id: str
    status: JobStatus
    id: str | None
    created_at: str
    updated_at: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class JobOutcome(BaseModel):
    """How one run of a job ended: the 200 response JSON, or the error envelope's `error` object."""

    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @property
    def status(self) -> JobStatus:
        return JobStatus.FAILED if self.error is not None else JobStatus.DONE


class JobRecord(BaseModel):
    """A job as the store keeps it."""

    job_id: str
    status: JobStatus
    body: dict[str, Any]
    callback_url: str | None = None
    created_at: float
    updated_at: float
    runs: int = 0
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @classmethod
    def new(cls, body: dict[str, Any], callback_url: str | None) -> JobRecord:
        now = time.time()
        return cls(job_id=uuid.uuid4().hex, status=JobStatus.QUEUED, body=body, callback_url=callback_url,
                   created_at=now, updated_at=now)

    @property
    def article_id(self) -> str | None:
        given = self.body.get("id")
        return given if isinstance(given, str) else None

    def started(self, run: int) -> JobRecord:
        return self.model_copy(update={"status": JobStatus.RUNNING, "runs": run, "updated_at": time.time()})

    def ended(self, outcome: JobOutcome) -> JobRecord:
        return self.model_copy(update={"status": outcome.status, "result": outcome.result, "error": outcome.error,
                                       "updated_at": time.time()})

    def document(self) -> JobDocument:
        return JobDocument(job_id=self.job_id, status=self.status, id=self.article_id,
                           created_at=rfc3339(self.created_at), updated_at=rfc3339(self.updated_at),
                           result=self.result, error=self.error)


@dataclass(frozen=True)
class Submitted:
    """A job accepted by `submit`; `replayed` when an Idempotency-Key named one accepted before."""

    job: JobDocument
    replayed: bool


class IdempotencyRecord(BaseModel):
    """What an Idempotency-Key stands for: the request's fingerprint and, once known, its job or response."""

    fingerprint: str
    job_id: str | None = None
    response: dict[str, Any] | None = None


@dataclass(frozen=True)
class KeyIsNew:
    """The key was not in use: it is now reserved for this request, which goes ahead."""


@dataclass(frozen=True)
class KeyReplay:
    """The same request was made with this key before: answer what it got (a job id or a response)."""

    job_id: str | None
    response: dict[str, Any] | None


@dataclass(frozen=True)
class KeyInFlight:
    """The same request with this key is being served right now (409 in the IETF draft)."""


@dataclass(frozen=True)
class KeyConflict:
    """The key was used for a different request (422 in the contract)."""


IdempotencyOutcome = KeyIsNew | KeyReplay | KeyInFlight | KeyConflict


def outcome_for(record: IdempotencyRecord, fingerprint_of_request: str) -> IdempotencyOutcome:
    """What a key already in use means for a request with this fingerprint."""
    if record.fingerprint != fingerprint_of_request:
        return KeyConflict()
    if record.job_id is None and record.response is None:
        return KeyInFlight()
    return KeyReplay(job_id=record.job_id, response=record.response)


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GIVEN_UP = "given_up"


class DeliveryAttempt(BaseModel):
    """One POST of a webhook: when, what came back (a status code or an error class), and what follows."""

    number: int
    at: float
    status_code: int | None = None
    error: str | None = None
    outcome: Literal["delivered", "retry", "given_up"]
    next_attempt_at: float | None = None


class Delivery(BaseModel):
    """The webhook for one ended job. Its id is the `webhook-id` of every attempt."""

    webhook_id: str
    job_id: str
    url: str
    payload: str
    state: DeliveryState = DeliveryState.PENDING
    created_at: float
    attempts: list[DeliveryAttempt] = []

    @classmethod
    def for_job(cls, record: JobRecord) -> Delivery:
        return cls(webhook_id=f"msg_{record.job_id}", job_id=record.job_id, url=str(record.callback_url),
                   payload=canonical_json(record.document().model_dump(mode="json")), created_at=time.time())

    def after(self, attempt: DeliveryAttempt) -> Delivery:
        state = {"delivered": DeliveryState.DELIVERED, "retry": DeliveryState.PENDING,
                 "given_up": DeliveryState.GIVEN_UP}[attempt.outcome]
        return self.model_copy(update={"state": state, "attempts": [*self.attempts, attempt]})


@dataclass(frozen=True)
class QueueStats:
    depth: int
    oldest_age_seconds: float
