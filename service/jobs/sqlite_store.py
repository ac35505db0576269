"""Jobs in a SQLite file (WAL), run by workers inside the service process: the one-machine store.

A job is claimed by one UPDATE ... RETURNING inside an immediate transaction, so that no two
workers take the same one. On start, jobs left `running` (the process was killed, SIGKILL
included) are queued again and run to completion. A due webhook is claimed the same way,
its next attempt pushed past the attempt's own time-out, so that a process killed in the
middle of a POST tries again later. Commits are synchronous (fsync): a 202 is a promise.

One file serves one service process: the recovery at start would queue again the jobs that
another live process is running. Replicas, or several processes, use redis://.

Calls run in a worker thread, one at a time on one connection, so that a write lock held by
another process never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import IdempotencyKeyReused, store_edge
from .models import (
    IDEMPOTENCY_TTL_SECONDS,
    JOB_TTL_SECONDS,
    Delivery,
    DeliveryAttempt,
    IdempotencyOutcome,
    IdempotencyRecord,
    JobDocument,
    JobOutcome,
    JobRecord,
    KeyIsNew,
    KeyReplay,
    QueueStats,
    Submitted,
    outcome_for,
)
from .store import DeliveryHandler, JobHandler

if TYPE_CHECKING:
    from .sqlite_workers import SQLiteWorkers

log = logging.getLogger("service.jobs")

BUSY_TIMEOUT_SECONDS = 10.0
# A claimed webhook is not claimed again before this: longer than one POST may take.
DELIVERY_LEASE_SECONDS = 120.0
# Idle workers look for work this often; a submission in this process wakes them at once.
POLL_SECONDS = 1.0
PRUNE_EVERY = 200

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, status TEXT NOT NULL, runs INTEGER NOT NULL, body TEXT NOT NULL,
    callback_url TEXT, result TEXT, error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (key TEXT PRIMARY KEY, record TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    webhook_id TEXT PRIMARY KEY, job_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
    next_attempt_at REAL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_at);
"""
COLUMNS = "job_id, status, runs, body, callback_url, result, error, created_at, updated_at"

T = TypeVar("T")


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _record(row: tuple[Any, ...]) -> JobRecord:
    job_id, status, runs, body, callback_url, result, error, created_at, updated_at = row
    return JobRecord(job_id=job_id, status=status, runs=runs, body=json.loads(body), callback_url=callback_url,
                     result=result and json.loads(result), error=error and json.loads(error),
                     created_at=created_at, updated_at=updated_at)


# What SQLite raises for a file it cannot open, lock or write; a client gets a 503 for it.
_unreachable = store_edge(sqlite3.OperationalError)


class SQLiteJobStore:
    def __init__(self, path: Path, *, poll_interval: float = POLL_SECONDS,
                 delivery_lease: float = DELIVERY_LEASE_SECONDS):
        self.path = path
        self.poll_interval = poll_interval
        self.delivery_lease = delivery_lease
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._finished = 0
        self.jobs_waiting = asyncio.Event()
        self.deliveries_waiting = asyncio.Event()

    async def call(self, operation: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self._locked, operation, *args)

    def _locked(self, operation: Callable[..., T], *args: Any) -> T:
        with self._lock:
            return operation(*args)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # What the runner and the routes call.

    @_unreachable
    async def submit(self, body: dict[str, Any], *, callback_url: str | None, idempotency_key: str | None,
                     fingerprint: str) -> Submitted:
        submitted = await self.call(self._submit, JobRecord.new(body, callback_url), idempotency_key, fingerprint)
        self.jobs_waiting.set()
        return submitted

    def _submit(self, record: JobRecord, key: str | None, fingerprint: str) -> Submitted:
        with self._transaction() as db:
            if key is not None:
                known = self._key(key)
                if known is not None:
                    outcome = outcome_for(known, fingerprint)
                    earlier = self._job(outcome.job_id) if isinstance(outcome, KeyReplay) and outcome.job_id else None
                    if earlier is None:
                        raise IdempotencyKeyReused()
                    return Submitted(earlier.document(), replayed=True)
                self._put_key(key, IdempotencyRecord(fingerprint=fingerprint, job_id=record.job_id))
            db.execute(f"INSERT INTO jobs ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (record.job_id, record.status, record.runs, _dumps(record.body), record.callback_url,
                        None, None, record.created_at, record.updated_at))
        return Submitted(record.document(), replayed=False)

    @_unreachable
    async def get(self, job_id: str) -> JobDocument | None:
        record = await self.call(self._job, job_id)
        return record.document() if record else None

    def _job(self, job_id: str) -> JobRecord | None:
        row = self._db.execute(f"SELECT {COLUMNS} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _record(row) if row else None

    @_unreachable
    async def reserve_key(self, key: str, fingerprint: str) -> IdempotencyOutcome:
        return await self.call(self._reserve_key, key, fingerprint)

    def _reserve_key(self, key: str, fingerprint: str) -> IdempotencyOutcome:
        with self._transaction():
            known = self._key(key)
            if known is not None:
                return outcome_for(known, fingerprint)
            self._put_key(key, IdempotencyRecord(fingerprint=fingerprint))
            return KeyIsNew()

    @_unreachable
    async def save_response(self, key: str, fingerprint: str, response: dict[str, Any]) -> None:
        await self.call(self._put_key, key, IdempotencyRecord(fingerprint=fingerprint, response=response))

    @_unreachable
    async def release_key(self, key: str) -> None:
        await self.call(self._db.execute, "DELETE FROM idempotency_keys WHERE key = ?", (key,))

    def _key(self, key: str) -> IdempotencyRecord | None:
        row = self._db.execute("SELECT record FROM idempotency_keys WHERE key = ? AND expires > ?",
                               (key, time.time())).fetchone()
        return IdempotencyRecord.model_validate_json(row[0]) if row else None

    def _put_key(self, key: str, record: IdempotencyRecord) -> None:
        self._db.execute("INSERT OR REPLACE INTO idempotency_keys VALUES (?, ?, ?)",
                         (key, record.model_dump_json(), time.time() + IDEMPOTENCY_TTL_SECONDS))

    async def delivery(self, job_id: str) -> Delivery | None:
        row = await self.call(lambda: self._db.execute(
            "SELECT record FROM deliveries WHERE job_id = ?", (job_id,)).fetchone())
        return Delivery.model_validate_json(row[0]) if row else None

    async def queue_stats(self) -> QueueStats:
        depth, oldest = await self.call(lambda: self._db.execute(
            "SELECT COUNT(*), MIN(created_at) FROM jobs WHERE status = 'queued'").fetchone())
        return QueueStats(depth=depth, oldest_age_seconds=time.time() - oldest if oldest else 0.0)

    def workers(self, run_job: JobHandler, deliver: DeliveryHandler, *, concurrency: int) -> SQLiteWorkers:
        from .sqlite_workers import SQLiteWorkers

        return SQLiteWorkers(self, run_job, deliver, concurrency=concurrency)

    async def aclose(self) -> None:
        await self.call(self._db.close)

    # What the workers call.

    def requeue_interrupted(self, job_ids: list[str] | None = None) -> int:
        """Queue again the jobs left running: all of them (at start), or those named (at a stop)."""
        if job_ids is None:
            cursor = self._db.execute("UPDATE jobs SET status = 'queued' WHERE status = 'running'")
        else:
            marks = ",".join("?" * len(job_ids))
            cursor = self._db.execute(
                f"UPDATE jobs SET status = 'queued' WHERE status = 'running' AND job_id IN ({marks})", job_ids)
        return cursor.rowcount

    def claim_job(self) -> JobRecord | None:
        with self._transaction() as db:
            row = db.execute(
                f"UPDATE jobs SET status = 'running', runs = runs + 1, updated_at = ? WHERE status = 'queued' AND "
                f"job_id = (SELECT job_id FROM jobs WHERE status = 'queued' ORDER BY created_at LIMIT 1) "
                f"RETURNING {COLUMNS}", (time.time(),)).fetchone()
        return _record(row) if row else None

    def finish_job(self, record: JobRecord, outcome: JobOutcome) -> JobRecord:
        """Write how the job ended and, when it has a callback URL, its webhook, in one transaction."""
        ended = record.ended(outcome)
        with self._transaction() as db:
            db.execute("UPDATE jobs SET status = ?, result = ?, error = ?, updated_at = ? WHERE job_id = ?",
                       (ended.status, _dumps(ended.result), _dumps(ended.error), ended.updated_at, ended.job_id))
            if ended.callback_url is not None:
                delivery = Delivery.for_job(ended)
                db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?)",
                           (delivery.webhook_id, delivery.job_id, delivery.state, delivery.created_at,
                            delivery.model_dump_json()))
            self._finished += 1
            if self._finished % PRUNE_EVERY == 0:
                self._prune(db)
        return ended

    def _prune(self, db: sqlite3.Connection) -> None:
        """Jobs ended more than the kept time ago go, with their webhooks; so do expired keys."""
        now = time.time()
        expired = "SELECT job_id FROM jobs WHERE status IN ('done', 'failed') AND updated_at < ?"
        db.execute(f"DELETE FROM deliveries WHERE job_id IN ({expired})", (now - JOB_TTL_SECONDS,))
        db.execute(f"DELETE FROM jobs WHERE job_id IN ({expired})", (now - JOB_TTL_SECONDS,))
        db.execute("DELETE FROM idempotency_keys WHERE expires <= ?", (now,))

    def claim_delivery(self) -> Delivery | None:
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT webhook_id, record FROM deliveries WHERE state = 'pending' AND "
                             "next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1", (now,)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE deliveries SET next_attempt_at = ? WHERE webhook_id = ?",
                       (now + self.delivery_lease, row[0]))
        return Delivery.model_validate_json(row[1])

    def record_attempt(self, delivery: Delivery, attempt: DeliveryAttempt) -> None:
        after = delivery.after(attempt)
        self._db.execute("UPDATE deliveries SET state = ?, next_attempt_at = ?, record = ? WHERE webhook_id = ?",
                         (after.state, attempt.next_attempt_at, after.model_dump_json(), after.webhook_id))
