"""What a job store offers, and `open_store`, which picks one from SUMMARIZER_JOBS_URL.

A store keeps job records, idempotency records and webhook deliveries, and runs workers
that take queued jobs and due deliveries and hand them to the runner's two handlers:

- `sqlite:///PATH`: SQLiteJobStore, one machine, one service process (sqlite_store.py);
- `redis://`, `rediss://`, `unix://`: RedisJobStore, shared by replicas (redis_store.py).

Idempotency-Key on the synchronous path, with `fp = fingerprint(body, asynchronous=False)`:
`reserve_key(key, fp)` answers KeyIsNew (summarize, then `save_response`, or `release_key`
if it failed), KeyReplay (answer its `response`, no model call), KeyInFlight (409) or
KeyConflict (422). On the asynchronous path `JobRunner.submit` does all of it. Scope the key
by client (say, prefix it with the API key's id) where several clients share the service.

The store, not the handler, writes what a handler answered, so that the record of a run
and the scheduling of its webhook happen together (one transaction, or in an order that a
re-run repairs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from .models import (
    Delivery,
    DeliveryAttempt,
    IdempotencyOutcome,
    JobDocument,
    JobOutcome,
    JobRecord,
    QueueStats,
    Submitted,
)

# A job, its run number set (1 on the first run), in; how it ended, out.
JobHandler = Callable[[JobRecord], Awaitable[JobOutcome]]
# A due webhook in; the attempt just made, with what follows it, out.
DeliveryHandler = Callable[[Delivery], Awaitable[DeliveryAttempt]]


class Workers(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class JobStore(Protocol):
    async def submit(
        self, body: dict[str, Any], *, callback_url: str | None, idempotency_key: str | None, fingerprint: str
    ) -> Submitted:
        """Queue a job. With a key: the job that key named before (replayed), or IdempotencyKeyReused."""
        ...

    async def get(self, job_id: str) -> JobDocument | None: ...

    async def reserve_key(self, key: str, fingerprint: str) -> IdempotencyOutcome:
        """Atomically take a key for a synchronous request, or say what it already stands for."""
        ...

    async def save_response(self, key: str, fingerprint: str, response: dict[str, Any]) -> None:
        """The synchronous response a reserved key answers from now on, for 24 hours."""
        ...

    async def release_key(self, key: str) -> None:
        """Free a reserved key whose request failed, so that a retry is served anew."""
        ...

    async def delivery(self, job_id: str) -> Delivery | None:
        """The webhook of a job, with every attempt made so far."""
        ...

    async def queue_stats(self) -> QueueStats: ...

    def workers(self, run_job: JobHandler, deliver: DeliveryHandler, *, concurrency: int) -> Workers: ...

    async def aclose(self) -> None: ...


def open_store(url: str | Path) -> JobStore:
    """The store SUMMARIZER_JOBS_URL names: `sqlite:///PATH`, `redis://...`, or a Path (a SQLite file)."""
    if isinstance(url, str) and url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisJobStore

        return RedisJobStore(url)
    if isinstance(url, str) and not url.startswith("sqlite:///"):
        raise ValueError("SUMMARIZER_JOBS_URL must be sqlite:///PATH or redis://HOST:PORT/DB")
    from .sqlite_store import SQLiteJobStore

    path = url if isinstance(url, Path) else Path(url.removeprefix("sqlite:///")).expanduser()
    return SQLiteJobStore(path)
