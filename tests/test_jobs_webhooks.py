"""Signed webhooks to a real receiver on loopback that verifies every signature with standardwebhooks:
the first delivery, retries with one webhook-id, Retry-After, giving up, a restart in between, and
the callback URLs that are refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from service.errors import InvalidRequest
from service.jobs import (
    Delivery,
    InvalidCallbackUrl,
    JobMetrics,
    JobRunner,
    JobStore,
    WebhookSettings,
    parse_allowed_hosts,
    validate_callback_url,
)

from .jobs_support import eventually, quick_store
from .support.serving import free_port
from .support.webhooks import SECRET, Receiver

QUICK = WebhookSettings(SECRET, timeout=2.0, first_retry=0.05, max_retry=0.2)


async def echo(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": body.get("id"), "what": {"text": body["text"]}}


@asynccontextmanager
async def running(url: str, webhooks: WebhookSettings = QUICK, **options: Any) -> AsyncIterator[JobRunner]:
    store = quick_store(url)
    runner = JobRunner(store, echo, webhooks=webhooks, **options)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
        await store.aclose()


def settled(store: JobStore, job_id: str):
    async def check() -> bool:
        delivery = await store.delivery(job_id)
        return delivery is not None and delivery.state != "pending"

    return check


async def test_an_ended_job_is_posted_to_its_callback_signed(store_url):
    with Receiver().running() as receiver:
        async with running(store_url) as runner:
            job_id = (await runner.submit({"text": "An article.", "id": "cms-1", "callback_url": receiver.url})).job.job_id
            await eventually(settled(runner.store, job_id))
            document = await runner.get(job_id)
            delivery = await runner.store.delivery(job_id)
    [received] = receiver.received
    assert received.verified
    assert json.loads(received.body) == document.model_dump(mode="json")
    assert document.status == "done" and document.result == {"id": "cms-1", "what": {"text": "An article."}}
    assert received.headers["webhook-id"] == delivery.webhook_id
    assert received.headers["webhook-signature"].startswith("v1,")
    assert received.headers["content-type"] == "application/json"
    assert delivery.state == "delivered" and [a.status_code for a in delivery.attempts] == [204]


async def test_a_receiver_that_fails_twice_gets_three_attempts_with_one_webhook_id(store_url):
    registry = CollectorRegistry()
    with Receiver(script=[500, 307]).running() as receiver:
        async with running(store_url, metrics=JobMetrics(registry)) as runner:
            job_id = (await runner.submit({"text": "x", "callback_url": receiver.url})).job.job_id
            await eventually(settled(runner.store, job_id), within=20)
            delivery = await runner.store.delivery(job_id)
    assert len(receiver.received) == 3 and all(r.verified for r in receiver.received)
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery.webhook_id}
    assert delivery.state == "delivered"
    assert [(a.number, a.status_code, a.outcome) for a in delivery.attempts] == [
        (1, 500, "retry"), (2, 307, "retry"), (3, 204, "delivered")]
    first, second, third = delivery.attempts
    assert first.at < first.next_attempt_at <= second.at + 0.01 and second.next_attempt_at <= third.at + 0.01
    assert third.next_attempt_at is None
    for outcome, count in {"delivered": 1, "retried": 2, "given_up": 0}.items():
        assert registry.get_sample_value("summarizer_webhook_deliveries_total", {"outcome": outcome}) == count


async def test_a_numeric_retry_after_is_waited_for(tmp_path):
    with Receiver(script=[(503, "1")]).running() as receiver:
        async with running(f"sqlite:///{tmp_path}/jobs.sqlite3") as runner:
            job_id = (await runner.submit({"text": "x", "callback_url": receiver.url})).job.job_id
            await eventually(settled(runner.store, job_id))
            first, second = (await runner.store.delivery(job_id)).attempts
    assert second.at - first.at >= 1.0


async def test_an_unreachable_receiver_is_recorded_and_given_up_after_the_window(tmp_path):
    registry = CollectorRegistry()
    closed = f"http://127.0.0.1:{free_port()}/hooks"
    webhooks = WebhookSettings(SECRET, timeout=1.0, first_retry=0.05, max_retry=0.1, give_up_after=0.5)
    async with running(f"sqlite:///{tmp_path}/jobs.sqlite3", webhooks, metrics=JobMetrics(registry)) as runner:
        job_id = (await runner.submit({"text": "x", "callback_url": closed})).job.job_id
        await eventually(settled(runner.store, job_id))
        delivery = await runner.store.delivery(job_id)
    assert delivery.state == "given_up" and len(delivery.attempts) >= 2
    assert {a.error for a in delivery.attempts} == {"ConnectError"}
    assert delivery.attempts[-1].outcome == "given_up" and delivery.attempts[-1].next_attempt_at is None
    assert registry.get_sample_value("summarizer_webhook_deliveries_total", {"outcome": "given_up"}) == 1


async def test_a_pending_webhook_is_delivered_after_a_restart_with_the_same_id(tmp_path):
    url = f"sqlite:///{tmp_path}/jobs.sqlite3"
    slow = WebhookSettings(SECRET, timeout=2.0, first_retry=0.5, max_retry=0.5)
    with Receiver(script=[500]).running() as receiver:
        async with running(url, slow) as runner:
            job_id = (await runner.submit({"text": "x", "callback_url": receiver.url})).job.job_id
            await eventually(lambda: _attempts(runner.store, job_id, 1))
        async with running(url, slow) as restarted:
            await eventually(settled(restarted.store, job_id))
            delivery: Delivery = await restarted.store.delivery(job_id)
    assert delivery.state == "delivered" and len(delivery.attempts) == 2
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.webhook_id] * 2


async def _attempts(store: JobStore, job_id: str, count: int) -> bool:
    delivery = await store.delivery(job_id)
    return delivery is not None and len(delivery.attempts) >= count


@pytest.mark.parametrize("url", ["ftp://cms.example.com/hook", "file:///etc/passwd", "javascript:alert(1)",
                                 "http:///no-host", "https://user:pass@cms.example.com/hook", 42,
                                 "http://cms.example.com:99999/hook"])
def test_callback_urls_that_are_not_plain_http_are_refused(url):
    with pytest.raises(InvalidCallbackUrl) as refused:
        validate_callback_url(url, None)
    assert refused.value.status == 422


def test_an_allow_list_admits_its_hosts_and_refuses_the_others():
    allowed = parse_allowed_hosts(" CMS.example.com, .newsroom.example ,")
    assert allowed == {"cms.example.com", ".newsroom.example"}
    assert validate_callback_url("https://cms.example.com/hook", allowed)
    assert validate_callback_url("http://eu.newsroom.example:8080/hook", allowed)
    for refused in ("http://127.0.0.1/hook", "http://169.254.169.254/latest", "https://cms.example.com.evil.test/"):
        with pytest.raises(InvalidCallbackUrl):
            validate_callback_url(refused, allowed)
    assert parse_allowed_hosts("") is None and parse_allowed_hosts(None) is None


async def test_a_job_with_a_refused_callback_is_not_queued(tmp_path):
    store = quick_store(f"sqlite:///{tmp_path}/jobs.sqlite3")
    allowed = WebhookSettings(SECRET, allowed_hosts=frozenset({"cms.example.com"}))
    with pytest.raises(InvalidCallbackUrl):
        await JobRunner(store, echo, webhooks=allowed).submit({"text": "x", "callback_url": "gopher://cms.example.com/"})
    with pytest.raises(InvalidCallbackUrl):
        await JobRunner(store, echo, webhooks=allowed).submit({"text": "x", "callback_url": "http://10.0.0.1/"})
    with pytest.raises(InvalidRequest) as unsigned:
        await JobRunner(store, echo).submit({"text": "x", "callback_url": "https://cms.example.com/"})
    assert unsigned.value.status == 422
    assert (await store.queue_stats()).depth == 0
    await store.aclose()
