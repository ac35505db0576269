"""The jobs' Prometheus metrics, registered on the registry given (the service's, or a test's own).

The queue gauges are set from the store by the runner every few seconds: on Redis every
replica reports the same shared queue, so a dashboard takes their max, not their sum.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge

from .models import JobStatus, QueueStats

WEBHOOK_OUTCOMES = ("delivered", "retried", "given_up")


class JobMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.queue_depth = Gauge("summarizer_jobs_queued", "Jobs waiting for a worker.", registry=registry)
        self.oldest_queued = Gauge("summarizer_jobs_oldest_queued_seconds",
                                   "How long the oldest job waiting for a worker has waited.", registry=registry)
        self.jobs = Counter("summarizer_jobs_ended", "Jobs ended, by outcome: done or failed.", ["outcome"],
                            registry=registry)
        self.webhooks = Counter("summarizer_webhook_deliveries",
                                "Webhook attempts by outcome: delivered, retried (a later attempt follows), "
                                "or given_up.", ["outcome"], registry=registry)
        for outcome in (JobStatus.DONE, JobStatus.FAILED):
            self.jobs.labels(outcome.value)
        for webhook_outcome in WEBHOOK_OUTCOMES:
            self.webhooks.labels(webhook_outcome)

    def queue(self, stats: QueueStats) -> None:
        self.queue_depth.set(stats.depth)
        self.oldest_queued.set(stats.oldest_age_seconds)

    def job_ended(self, status: JobStatus) -> None:
        self.jobs.labels(status.value).inc()

    def webhook_attempted(self, outcome: Literal["delivered", "retry", "given_up"]) -> None:
        self.webhooks.labels("retried" if outcome == "retry" else outcome).inc()
