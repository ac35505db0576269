"""Jobs on Redis, shared by replicas: the queue is saq's, the records are Redis keys beside it.

Why saq: its workers heartbeat the jobs they run and a sweep by any worker queues again a job
whose heartbeat stopped, so the jobs of a killed replica wait seconds; with arq they wait for
the in-progress key to expire, that is the whole job deadline (30 minutes). saq is asyncio-native,
schedules jobs for later (webhook retries) and needs only redis-py; streaq and taskiq fit too,
taskiq with a broker package beside it. No lease protocol of ours: saq's is used as it is.

Job records (`summarizer:jobs:job:ID`, 7 days), idempotency records (`...:key:KEY`, 24 hours,
taken with SET NX) and webhooks (`...:webhook:ID`, one saq job per attempt) are JSON values.
A run writes its outcome, then queues its webhook; saq marks the job complete only after
both, so a replica killed in between has the job run again, and a run that finds the job
ended only makes sure its webhook is queued. The same holds for each webhook attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

import redis
import redis.asyncio
import saq
from saq.queue.redis import RedisQueue
from saq.types import Context, PartialTimersDict

from .errors import IdempotencyKeyReused, store_edge
from .models import (
    ENDED,
    IDEMPOTENCY_TTL_SECONDS,
    JOB_TTL_SECONDS,
    Delivery,
    DeliveryState,
    IdempotencyOutcome,
    IdempotencyRecord,
    JobDocument,
    JobRecord,
    JobStatus,
    KeyIsNew,
    KeyReplay,
    QueueStats,
    Submitted,
    outcome_for,
)
from .store import DeliveryHandler, JobHandler

log = logging.getLogger("service.jobs")

PREFIX = "summarizer:jobs:"
JOBS_QUEUE = "summarizer-jobs"
WEBHOOKS_QUEUE = "summarizer-webhooks"
RUN_JOB = "run_job"
DELIVER = "deliver_webhook"
# saq re-queues a job whose worker died as often as this; the runner fails it far sooner (MAX_RUNS).
SAQ_RETRIES = 1_000_000
DELIVERY_WORKERS = 4
# Connections per client (the store's own and each queue's), and how long a command waits for one.
REDIS_CONNECTIONS, REDIS_CONNECTION_WAIT_SECONDS = 128, 30


# What Redis raises when it cannot be reached or answer in time; a client gets a 503 for it.
_unreachable = store_edge(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _client(url: str) -> redis.asyncio.Redis:
    """A client whose commands wait for a free connection rather than fail.

    redis-py's default pool refuses a command once 100 are under way (MaxConnectionsError),
    and a CMS backfill submits thousands of jobs at once: 2,000 at once lost 346 that way.
    """
    pool = redis.asyncio.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_CONNECTION_WAIT_SECONDS
    )
    return redis.asyncio.Redis(connection_pool=pool)


class RedisJobStore:
    def __init__(self, url: str, *, heartbeat: int = 15, sweep_every: int = 10):
        """`heartbeat`: seconds without a sign of life after which a running job counts as abandoned;
        `sweep_every`: how often some worker looks for abandoned jobs."""
        self.heartbeat = heartbeat
        self.sweep_every = sweep_every
        self._redis = _client(url)
        self.jobs_queue = RedisQueue(_client(url), name=JOBS_QUEUE)
        self.webhooks_queue = RedisQueue(_client(url), name=WEBHOOKS_QUEUE)

    @_unreachable
    async def submit(self, body: dict[str, Any], *, callback_url: str | None, idempotency_key: str | None,
                     fingerprint: str) -> Submitted:
        record = JobRecord.new(body, callback_url)
        if idempotency_key is not None:
            taken = await self._redis.set(PREFIX + "key:" + idempotency_key, IdempotencyRecord(
                fingerprint=fingerprint, job_id=record.job_id).model_dump_json(), nx=True, ex=IDEMPOTENCY_TTL_SECONDS)
            if not taken:
                return await self._replay(idempotency_key, fingerprint, body, callback_url)
        await self._create(record)
        return Submitted(record.document(), replayed=False)

    async def _replay(self, key: str, fingerprint: str, body: dict[str, Any], callback_url: str | None) -> Submitted:
        known = await self._key(key)
        if known is None:  # it expired between the SET NX and this read
            return await self.submit(body, callback_url=callback_url, idempotency_key=key, fingerprint=fingerprint)
        outcome = outcome_for(known, fingerprint)
        if not isinstance(outcome, KeyReplay) or outcome.job_id is None:
            raise IdempotencyKeyReused()
        record = await self._job(outcome.job_id)
        if record is None:
            # The first request took the key and stopped before writing its job (or is about to):
            # its body is this one, as the fingerprints match, so the job is written here.
            record = JobRecord.new(body, callback_url).model_copy(update={"job_id": outcome.job_id})
            await self._create(record)
        elif record.status == JobStatus.QUEUED:
            await self._enqueue_job(record.job_id)  # saq ignores a job already in its queue
        return Submitted(record.document(), replayed=True)

    async def _create(self, record: JobRecord) -> None:
        if await self._redis.set(PREFIX + "job:" + record.job_id, record.model_dump_json(), nx=True,
                                 ex=JOB_TTL_SECONDS):
            await self._enqueue_job(record.job_id)

    async def _enqueue_job(self, job_id: str) -> None:
        await self.jobs_queue.enqueue(saq.Job(
            function=RUN_JOB, key=job_id, kwargs={"job_id": job_id}, timeout=0, heartbeat=self.heartbeat,
            retries=SAQ_RETRIES))

    @_unreachable
    async def get(self, job_id: str) -> JobDocument | None:
        record = await self._job(job_id)
        return record.document() if record else None

    async def _job(self, job_id: str) -> JobRecord | None:
        value = await self._redis.get(PREFIX + "job:" + job_id)
        return JobRecord.model_validate_json(value) if value else None

    async def _save(self, record: JobRecord) -> None:
        await self._redis.set(PREFIX + "job:" + record.job_id, record.model_dump_json(), ex=JOB_TTL_SECONDS)

    @_unreachable
    async def reserve_key(self, key: str, fingerprint: str) -> IdempotencyOutcome:
        if await self._redis.set(PREFIX + "key:" + key, IdempotencyRecord(fingerprint=fingerprint).model_dump_json(),
                                 nx=True, ex=IDEMPOTENCY_TTL_SECONDS):
            return KeyIsNew()
        known = await self._key(key)
        return outcome_for(known, fingerprint) if known else await self.reserve_key(key, fingerprint)

    @_unreachable
    async def save_response(self, key: str, fingerprint: str, response: dict[str, Any]) -> None:
        record = IdempotencyRecord(fingerprint=fingerprint, response=response)
        await self._redis.set(PREFIX + "key:" + key, record.model_dump_json(), ex=IDEMPOTENCY_TTL_SECONDS)

    @_unreachable
    async def release_key(self, key: str) -> None:
        await self._redis.delete(PREFIX + "key:" + key)

    async def _key(self, key: str) -> IdempotencyRecord | None:
        value = await self._redis.get(PREFIX + "key:" + key)
        return IdempotencyRecord.model_validate_json(value) if value else None

    async def delivery(self, job_id: str) -> Delivery | None:
        value = await self._redis.get(PREFIX + "webhook:" + job_id)
        return Delivery.model_validate_json(value) if value else None

    async def queue_stats(self) -> QueueStats:
        depth = await self.jobs_queue.count("queued")
        head = await self._redis.lindex(self.jobs_queue.namespace("queued"), 0)
        head_id = head.decode() if isinstance(head, bytes) else head
        oldest = await self._job(self.jobs_queue.job_key_from_id(head_id)) if head_id else None
        age = max(0.0, time.time() - oldest.created_at) if oldest else 0.0
        return QueueStats(depth=depth, oldest_age_seconds=age)

    def workers(self, run_job: JobHandler, deliver: DeliveryHandler, *, concurrency: int) -> SaqWorkers:
        return SaqWorkers(self, run_job, deliver, concurrency=concurrency)

    async def aclose(self) -> None:
        # A Redis that went away leaves nothing to close cleanly; the service still shuts down.
        with contextlib.suppress(redis.exceptions.ConnectionError):
            await self.jobs_queue.disconnect()
        with contextlib.suppress(redis.exceptions.ConnectionError):
            await self.webhooks_queue.disconnect()
        await self._redis.aclose()

    # What the saq workers run.

    async def run_job(self, context: Context, run_job: JobHandler, job_id: str) -> None:
        record = await self._job(job_id)
        if record is None:
            log.error("job %s was queued but its record is gone; it is dropped", job_id)
            return
        if record.status not in ENDED:
            record = record.started(run=context["job"].attempts)
            await self._save(record)
            async with self._heartbeat(context["job"]):
                outcome = await run_job(record)
            record = record.ended(outcome)
            await self._save(record)
        if record.callback_url is not None:
            await self._redis.set(PREFIX + "webhook:" + job_id, Delivery.for_job(record).model_dump_json(), nx=True,
                                  ex=JOB_TTL_SECONDS)
            await self._enqueue_attempt(job_id)

    async def deliver(self, context: Context, deliver: DeliveryHandler, job_id: str, number: int) -> None:
        delivery = await self.delivery(job_id)
        if delivery is None:
            return
        if delivery.state == DeliveryState.PENDING and len(delivery.attempts) + 1 == number:
            async with self._heartbeat(context["job"]):
                attempt = await deliver(delivery)
            delivery = delivery.after(attempt)
            await self._redis.set(PREFIX + "webhook:" + job_id, delivery.model_dump_json(), ex=JOB_TTL_SECONDS)
        await self._enqueue_attempt(job_id)

    async def _enqueue_attempt(self, job_id: str) -> None:
        """Queue the next attempt of a pending webhook, at its time; saq ignores one already queued."""
        delivery = await self.delivery(job_id)
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return
        number = len(delivery.attempts) + 1
        due = delivery.attempts[-1].next_attempt_at if delivery.attempts else None
        await self.webhooks_queue.enqueue(saq.Job(
            function=DELIVER, key=f"{delivery.webhook_id}:{number}", kwargs={"job_id": job_id, "number": number},
            scheduled=math.ceil(due) if due else 0, timeout=0, heartbeat=self.heartbeat, retries=SAQ_RETRIES))

    @contextlib.asynccontextmanager
    async def _heartbeat(self, job: saq.Job) -> AsyncIterator[None]:
        """Touch the saq job while it runs: a job left untouched for `heartbeat` seconds is swept."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.heartbeat / 3)
                try:
                    await job.update()
                except (redis.RedisError, OSError):
                    log.warning("job %s: Redis did not take its heartbeat", job.key)

        beating = asyncio.create_task(beat())
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating


class _EmbeddedWorker(saq.Worker[Context]):
    # The service's server owns SIGINT and SIGTERM; a saq worker would take them over.
    SIGNALS: list[Any] = []


class SaqWorkers:
    """Two saq workers in the service's event loop: one for jobs, one for webhook attempts."""

    def __init__(self, store: RedisJobStore, run_job: JobHandler, deliver: DeliveryHandler, *, concurrency: int):
        async def run(context: Context, *, job_id: str) -> None:
            await store.run_job(context, run_job, job_id)

        async def attempt(context: Context, *, job_id: str, number: int) -> None:
            await store.deliver(context, deliver, job_id, number)

        timers: PartialTimersDict = {"sweep": store.sweep_every, "schedule": 1, "abort": 1, "worker_info": 10}
        self.store = store
        self._workers = [
            _EmbeddedWorker(store.jobs_queue, [(RUN_JOB, run)], concurrency=concurrency, timers=timers),
            _EmbeddedWorker(store.webhooks_queue, [(DELIVER, attempt)], concurrency=DELIVERY_WORKERS, timers=timers),
        ]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for queue in (self.store.jobs_queue, self.store.webhooks_queue):
            await queue.connect()
            # A saq sweep at the very start would find the jobs this worker is taking off the queue
            # at that moment not yet marked active, and run them twice (a known race of its sweep);
            # holding the sweep's own lock for one interval moves the first sweep past that.
            await queue.redis.set(queue.namespace("sweep"), 1, ex=self.store.sweep_every, nx=True)
        self._tasks = [asyncio.create_task(worker.start()) for worker in self._workers]

    async def stop(self) -> None:
        """Stop at once: saq queues the jobs cut short again."""
        for worker in self._workers:
            await worker.stop()
        await asyncio.gather(*self._tasks)
        self._tasks = []
