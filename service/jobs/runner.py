"""JobRunner: accepts jobs, runs them through the summarizer with their own deadline, and
sends their webhooks; the app's lifespan starts and stops it.

    store = open_store(settings.jobs_url)
    runner = JobRunner(store, summarize, concurrency=4, job_deadline=1800,
                       webhooks=WebhookSettings(secret, allowed_hosts), metrics=JobMetrics(registry))
    await runner.start() ... await runner.stop(); await store.aclose()

`summarize(body)` takes the request body (without `callback_url`) and answers the 200
response JSON. A failure that passes (the model unreachable, busy or too slow for one
call) is asked again with backoff until the job's deadline; any other SummarizerError
fails the job with the envelope's `error` object, any
other exception fails it with an `internal_error` in the service's words, its traceback in
the log only. Submissions are never turned away for being many: they wait in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from service.errors import (
    BackendUnavailable,
    CallTimedOut,
    DeadlineExceeded,
    InvalidRequest,
    Overloaded,
    SummarizerError,
)

from .metrics import JobMetrics
from .models import Delivery, DeliveryAttempt, JobDocument, JobOutcome, JobRecord, Submitted, fingerprint
from .store import JobStore, Workers
from .webhooks import WebhookSender, WebhookSettings, validate_callback_url

log = logging.getLogger("service.jobs")

Summarize = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

# A job whose every start ends with its process killed (say, out of memory) would be
# started forever; after this many starts it is failed instead.
MAX_RUNS = 10
METRICS_EVERY_SECONDS = 5.0
# Failures that pass, after which a job asks again: first after this many seconds, doubling up to the most.
TRANSIENT = (BackendUnavailable, CallTimedOut, Overloaded)
RETRY_FIRST_SECONDS, RETRY_MOST_SECONDS = 5.0, 300.0


class JobRunner:
    def __init__(self, store: JobStore, summarize: Summarize, *, concurrency: int = 4, job_deadline: float = 1800.0,
                 webhooks: WebhookSettings | None = None, metrics: JobMetrics | None = None,
                 max_runs: int = MAX_RUNS, metrics_every: float = METRICS_EVERY_SECONDS,
                 retry_first: float = RETRY_FIRST_SECONDS):
        self.store = store
        self.summarize = summarize
        self.concurrency = concurrency
        self.job_deadline = job_deadline
        self.webhooks = webhooks
        self.metrics = metrics
        self.max_runs = max_runs
        self.metrics_every = metrics_every
        self.retry_first = retry_first
        self._sender: WebhookSender | None = None
        self._workers: Workers | None = None
        self._metrics_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.webhooks is not None:
            self._sender = WebhookSender(self.webhooks)
        self._workers = self.store.workers(self._run, self._deliver, concurrency=self.concurrency)
        await self._workers.start()
        if self.metrics is not None:
            self._metrics_task = asyncio.create_task(self._watch_queue(), name="job-queue-metrics")

    async def stop(self) -> None:
        """Stop the workers at once; jobs they were running are queued again and run after the next start."""
        if self._metrics_task is not None:
            self._metrics_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._metrics_task
            self._metrics_task = None
        if self._workers is not None:
            await self._workers.stop()
            self._workers = None
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None

    async def submit(self, body: dict[str, Any], *, idempotency_key: str | None = None) -> Submitted:
        """Queue a job for this request body (with its optional `callback_url`).

        Raises InvalidRequest (422) for a callback URL that is refused or that cannot be signed
        (no webhook secret), and IdempotencyKeyReused (422) for a key used for another request."""
        job_body = dict(body)
        callback_url = job_body.pop("callback_url", None)
        if callback_url is not None:
            if self.webhooks is None:
                raise InvalidRequest("This service sends no webhooks: it has no signing secret "
                                     "(SUMMARIZER_WEBHOOK_SECRET). Poll the job's Location instead.")
            validate_callback_url(callback_url, self.webhooks.allowed_hosts)
        submitted = await self.store.submit(job_body, callback_url=callback_url, idempotency_key=idempotency_key,
                                            fingerprint=fingerprint(body, asynchronous=True))
        if self.metrics is not None and not submitted.replayed:
            await self.refresh_metrics()
        return submitted

    async def get(self, job_id: str) -> JobDocument | None:
        return await self.store.get(job_id)

    async def refresh_metrics(self) -> None:
        if self.metrics is not None:
            self.metrics.queue(await self.store.queue_stats())

    async def _watch_queue(self) -> None:
        while True:
            try:
                await self.refresh_metrics()
            except Exception:
                # The store is unreachable for now: the gauges keep their last value, the workers say more.
                log.exception("the job queue could not be measured")
            await asyncio.sleep(self.metrics_every)

    async def _run(self, job: JobRecord) -> JobOutcome:
        outcome = await self._outcome(job)
        if self.metrics is not None:
            self.metrics.job_ended(outcome.status)
        return outcome

    async def _outcome(self, job: JobRecord) -> JobOutcome:
        if job.runs > self.max_runs:
            log.error("job %s was started %d times without finishing; it is failed", job.job_id, job.runs - 1)
            return _failed(SummarizerError(f"The job was interrupted {job.runs - 1} times before it could finish "
                                           "and is not tried again; submit it anew."))
        deadline = asyncio.timeout(self.job_deadline)
        try:
            async with deadline:
                return JobOutcome(result=await self._summarize_until_reachable(job))
        except SummarizerError as exc:
            log.warning("job %s failed: %s%s", job.job_id, exc.code, f" ({exc.upstream})" if exc.upstream else "")
            return _failed(exc)
        except Exception as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                log.warning("job %s did not finish within its deadline of %g s", job.job_id, self.job_deadline)
                return _failed(DeadlineExceeded(f"The job did not finish within its deadline of "
                                                f"{self.job_deadline:g} seconds."))
            log.exception("job %s failed on an error inside the service", job.job_id)
            return _failed(SummarizerError("The job failed on an error inside the service; "
                                           "the service's log has the details under the job's id."))

    async def _summarize_until_reachable(self, job: JobRecord) -> dict[str, Any]:
        """The summary, asked again after a failure that passes (the model unreachable, busy or slow).

        A synchronous client can retry such a failure itself; a job's client only waits, so the
        job retries with backoff until its own deadline ends it.
        """
        backoff = self.retry_first
        while True:
            try:
                return await self.summarize(dict(job.body))
            except TRANSIENT as exc:
                wait = max(backoff, exc.retry_after or 0)
                log.warning("job %s: %s; asked again in %.0f s", job.job_id, exc.code, wait)
                await asyncio.sleep(wait)
                backoff = min(backoff * 2, RETRY_MOST_SECONDS)

    async def _deliver(self, delivery: Delivery) -> DeliveryAttempt:
        if self._sender is None:
            log.error("webhook %s cannot be signed: the service has no webhook secret now", delivery.webhook_id)
            attempt = DeliveryAttempt(number=len(delivery.attempts) + 1, at=time.time(), error="NoWebhookSecret",
                                      outcome="given_up")
        else:
            attempt = await self._sender.attempt(delivery)
        if self.metrics is not None:
            self.metrics.webhook_attempted(attempt.outcome)
        return attempt


def _failed(error: SummarizerError) -> JobOutcome:
    return JobOutcome(error=error.envelope()["error"])
