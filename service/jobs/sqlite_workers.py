"""The workers of the SQLite store: N job workers and a few webhook workers, as tasks of the
service's event loop. A worker that finds nothing to do sleeps until this process queues
work, or for the store's poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable

from .sqlite_store import SQLiteJobStore
from .store import DeliveryHandler, JobHandler

log = logging.getLogger("service.jobs")

DELIVERY_WORKERS = 4


class SQLiteWorkers:
    """N job workers and a few webhook workers, as tasks on the service's event loop."""

    def __init__(self, store: SQLiteJobStore, run_job: JobHandler, deliver: DeliveryHandler, *, concurrency: int):
        self.store = store
        self.run_job = run_job
        self.deliver = deliver
        self.concurrency = concurrency
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[str] = set()

    async def start(self) -> None:
        requeued = await self.store.call(self.store.requeue_interrupted)
        if requeued:
            log.warning("%d jobs were running when the service last stopped; they are queued again", requeued)
        self._tasks = [asyncio.create_task(self._work(self._next_job, self.store.jobs_waiting), name=f"job-worker-{n}")
                       for n in range(self.concurrency)]
        self._tasks += [
            asyncio.create_task(self._work(self._next_delivery, self.store.deliveries_waiting), name=f"webhook-worker-{n}")
            for n in range(DELIVERY_WORKERS)
        ]

    async def stop(self) -> None:
        """Stop at once; the jobs cut short are queued again and run from the start later."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._tasks = []
        if self._running:
            await self.store.call(self.store.requeue_interrupted, sorted(self._running))
            self._running.clear()

    async def _work(self, take_one: Callable[[], Awaitable[bool]], waiting: asyncio.Event) -> None:
        while True:
            try:
                if not await take_one():
                    await self._idle(waiting)
            except sqlite3.Error:
                # A full disk or a locked file: the work stays in the file and is taken again later.
                log.exception("the jobs file %s could not be read or written", self.store.path)
                await asyncio.sleep(self.store.poll_interval)

    async def _idle(self, waiting: asyncio.Event) -> None:
        """Until this process queues work or the poll interval passes (another process may have)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.store.poll_interval):
                await waiting.wait()

    async def _next_job(self) -> bool:
        # Cleared before the claim: a job submitted after it sets the event again.
        self.store.jobs_waiting.clear()
        record = await self.store.call(self.store.claim_job)
        if record is None:
            return False
        self._running.add(record.job_id)
        outcome = await self.run_job(record)
        await self.store.call(self.store.finish_job, record, outcome)
        self._running.discard(record.job_id)
        if record.callback_url is not None:
            self.store.deliveries_waiting.set()
        return True

    async def _next_delivery(self) -> bool:
        self.store.deliveries_waiting.clear()
        delivery = await self.store.call(self.store.claim_delivery)
        if delivery is None:
            return False
        attempt = await self.deliver(delivery)
        await self.store.call(self.store.record_attempt, delivery, attempt)
        return True
