"""Jobs through the runner on a SQLite file and on a real Redis server: the life of a job, its
failures, its deadline, claiming by many workers, idempotency keys and the metrics."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from service.errors import BackendError, BackendUnavailable, CallTimedOut
from service.jobs import (
    IdempotencyKeyReused,
    JobDocument,
    JobMetrics,
    JobRunner,
    JobStatus,
    JobStore,
    KeyConflict,
    KeyInFlight,
    KeyIsNew,
    KeyReplay,
    fingerprint,
    open_store,
)
from service.jobs.redis_store import RedisJobStore
from service.jobs.sqlite_store import SQLiteJobStore

from .jobs_support import eventually, quick_store

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
Summarize = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[JobStore]:
    store = quick_store(url)
    try:
        yield store
    finally:
        await store.aclose()


@asynccontextmanager
async def started(runner: JobRunner) -> AsyncIterator[JobRunner]:
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def echo(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": body.get("id"), "what": {"text": body["text"]}}


def ended(store: JobStore, job_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        job = await store.get(job_id)
        return job is not None and job.status in (JobStatus.DONE, JobStatus.FAILED)

    return check


async def one_job(store_url: str, summarize: Summarize, **runner: Any) -> JobDocument:
    """One article's job, from its submission to its end."""
    async with opened(store_url) as store:
        jobs = JobRunner(store, summarize, **runner)
        async with started(jobs):
            job_id = (await jobs.submit({"text": "An article."})).job.job_id
            await eventually(ended(store, job_id))
        ended_job = await jobs.get(job_id)
    assert ended_job is not None
    return ended_job


async def test_a_job_is_queued_then_running_then_done_with_its_result(store_url):
    gate = asyncio.Event()

    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        await gate.wait()
        return await echo(body)

    async with opened(store_url) as store:
        runner = JobRunner(store, summarize)
        submitted = await runner.submit({"text": "An article.", "id": "cms-1"})
        job_id = submitted.job.job_id
        assert not submitted.replayed
        queued = await runner.get(job_id)
        assert queued.status == JobStatus.QUEUED and queued.id == "cms-1" and queued.result is None
        async with started(runner):
            await eventually(lambda: _status_is(runner, job_id, JobStatus.RUNNING))
            gate.set()
            await eventually(ended(store, job_id))
        done = await runner.get(job_id)
    assert done.status == JobStatus.DONE and done.error is None
    assert done.result == {"id": "cms-1", "what": {"text": "An article."}}
    assert RFC3339_UTC.match(done.created_at) and RFC3339_UTC.match(done.updated_at)
    assert done.updated_at >= done.created_at
    assert set(done.model_dump()) == {"job_id", "status", "id", "created_at", "updated_at", "result", "error"}


async def _status_is(runner: JobRunner, job_id: str, status: JobStatus) -> bool:
    job = await runner.get(job_id)
    return job is not None and job.status == status


async def test_an_unknown_job_id_is_none(store_url):
    async with opened(store_url) as store:
        assert await store.get("no-such-job") is None


async def test_a_summarizer_error_fails_the_job_with_the_envelopes_error_object(store_url):
    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        raise BackendError("The model server refused the call.", upstream="POST 10.0.0.7:8001: 400 bad grammar")

    failed = await one_job(store_url, summarize)
    assert failed.status == JobStatus.FAILED and failed.result is None
    assert failed.error == {"code": "backend_error", "message": "The model server refused the call.",
                            "details": None}
    assert "10.0.0.7" not in failed.model_dump_json()


async def test_a_failure_that_passes_is_asked_again_until_the_job_is_done(store_url):
    failures = [BackendUnavailable("The model server cannot be reached."), CallTimedOut("The model was too slow.")]

    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        if failures:
            raise failures.pop(0)
        return await echo(body)

    done = await one_job(store_url, summarize, retry_first=0.01)
    assert failures == [] and done.status == JobStatus.DONE and done.error is None


async def test_a_job_that_keeps_failing_that_way_ends_at_its_deadline(store_url):
    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        raise BackendUnavailable("The model server cannot be reached.")

    failed = await one_job(store_url, summarize, job_deadline=0.3, retry_first=0.01)
    assert failed.status == JobStatus.FAILED and failed.error["code"] == "deadline_exceeded"


async def test_an_unexpected_exception_fails_the_job_in_the_services_words(store_url, caplog):
    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("/srv/models/secret-path.gguf")

    failed = await one_job(store_url, summarize)
    assert failed.status == JobStatus.FAILED and failed.error["code"] == "internal_error"
    assert "secret-path" not in failed.model_dump_json()
    assert "secret-path" in caplog.text and "Traceback" in caplog.text


async def test_a_job_past_its_deadline_fails_with_deadline_exceeded(store_url):
    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(30)
        return await echo(body)

    async with opened(store_url) as store:
        runner = JobRunner(store, summarize, job_deadline=0.3)
        async with started(runner):
            job_id = (await runner.submit({"text": "A long article."})).job.job_id
            await eventually(ended(store, job_id), within=10)
        failed = await runner.get(job_id)
    assert failed.status == JobStatus.FAILED and failed.error["code"] == "deadline_exceeded"
    assert "0.3 seconds" in failed.error["message"]


async def test_two_runners_of_four_workers_each_run_every_job_exactly_once(store_url):
    """Two stores on one URL, as two replicas (or, for SQLite, two connections to one file) would have."""
    runs: list[str] = []

    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        runs.append(body["id"])
        await asyncio.sleep(0.01)
        return await echo(body)

    # Both runners start before the first job: a SQLite store queues again at its start what it finds running.
    async with (
        opened(store_url) as one,
        opened(store_url) as other,
        started(JobRunner(one, summarize, concurrency=4)),
        started(JobRunner(other, summarize, concurrency=4)),
    ):
        submitter = JobRunner(one, summarize)
        ids = [(await submitter.submit({"text": "x", "id": f"a-{n}"})).job.job_id for n in range(40)]
        for job_id in ids:
            await eventually(ended(one, job_id), within=30)
    assert sorted(runs) == sorted(f"a-{n}" for n in range(40))


async def test_the_same_key_and_body_give_the_same_job_without_a_second_run(store_url):
    runs: list[str] = []

    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        runs.append(body["id"])
        return await echo(body)

    async with opened(store_url) as store:
        runner = JobRunner(store, summarize)
        first = await runner.submit({"text": "x", "id": "cms-7"}, idempotency_key="save-7")
        async with started(runner):
            await eventually(ended(store, first.job.job_id))
        again = await runner.submit({"id": "cms-7", "text": "x"}, idempotency_key="save-7")
        with pytest.raises(IdempotencyKeyReused) as reused:
            await runner.submit({"text": "changed", "id": "cms-7"}, idempotency_key="save-7")
        other = await runner.submit({"text": "x", "id": "cms-7"}, idempotency_key="save-8")
    assert again.replayed and again.job.job_id == first.job.job_id and again.job.status == JobStatus.DONE
    assert reused.value.status == 422 and reused.value.envelope()["error"]["code"] == "idempotency_key_reused"
    assert not other.replayed and other.job.job_id != first.job.job_id
    assert runs == ["cms-7"]


async def test_concurrent_first_uses_of_one_key_make_one_job(store_url):
    async with opened(store_url) as one, opened(store_url) as other:
        body = {"text": "x", "id": "burst"}
        submissions = await asyncio.gather(*(
            JobRunner(store, echo).submit(body, idempotency_key="burst-key") for store in [one, other] * 10))
    assert len({s.job.job_id for s in submissions}) == 1
    assert sum(not s.replayed for s in submissions) == 1


async def test_a_synchronous_key_is_reserved_then_answers_its_response(store_url):
    body = {"text": "x"}
    mine = fingerprint(body, asynchronous=False)
    async with opened(store_url) as store:
        assert await store.reserve_key("k", mine) == KeyIsNew()
        assert await store.reserve_key("k", mine) == KeyInFlight()
        assert await store.reserve_key("k", fingerprint({"text": "y"}, asynchronous=False)) == KeyConflict()
        await store.save_response("k", mine, {"id": None, "what": {"text": "X"}})
        assert await store.reserve_key("k", mine) == KeyReplay(job_id=None, response={"id": None, "what": {"text": "X"}})
        assert await store.reserve_key("k", fingerprint(body, asynchronous=True)) == KeyConflict()
        await store.release_key("k")
        assert await store.reserve_key("k", mine) == KeyIsNew()


async def test_metrics_count_the_queue_and_the_jobs_by_outcome(store_url):
    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        if body["text"] == "fail":
            raise BackendError("The model server refused the call.")
        return await echo(body)

    registry = CollectorRegistry()
    async with opened(store_url) as store:
        runner = JobRunner(store, summarize, metrics=JobMetrics(registry))
        ids = [(await runner.submit({"text": text})).job.job_id for text in ("a", "fail", "b")]
        await asyncio.sleep(0.2)
        await runner.refresh_metrics()
        assert registry.get_sample_value("summarizer_jobs_queued") == 3
        assert 0.2 <= registry.get_sample_value("summarizer_jobs_oldest_queued_seconds") < 10
        async with started(runner):
            for job_id in ids:
                await eventually(ended(store, job_id))
        await runner.refresh_metrics()
    assert registry.get_sample_value("summarizer_jobs_ended_total", {"outcome": "done"}) == 2
    assert registry.get_sample_value("summarizer_jobs_ended_total", {"outcome": "failed"}) == 1
    assert registry.get_sample_value("summarizer_jobs_queued") == 0
    assert registry.get_sample_value("summarizer_jobs_oldest_queued_seconds") == 0


async def test_a_job_interrupted_more_often_than_allowed_is_failed(tmp_path):
    store = SQLiteJobStore(tmp_path / "jobs.sqlite3", poll_interval=0.05)
    runner = JobRunner(store, echo, max_runs=2)
    job_id = (await runner.submit({"text": "x"})).job.job_id
    for _ in range(2):  # two starts, each cut short as a killed process would leave them
        assert (await store.call(store.claim_job)).job_id == job_id
        await store.call(store.requeue_interrupted)
    async with started(runner):
        await eventually(ended(store, job_id))
    failed = await store.get(job_id)
    await store.aclose()
    assert failed.status == JobStatus.FAILED and failed.error["code"] == "internal_error"
    assert "interrupted 2 times" in failed.error["message"]


async def test_the_jobs_url_names_the_store(tmp_path, redis_url):
    by_url = open_store(f"sqlite:///{tmp_path}/a/jobs.sqlite3")
    by_path = open_store(tmp_path / "b" / "jobs.sqlite3")
    on_redis = open_store(redis_url)
    try:
        assert isinstance(by_url, SQLiteJobStore) and by_url.path == tmp_path / "a" / "jobs.sqlite3"
        assert isinstance(by_path, SQLiteJobStore) and (tmp_path / "b" / "jobs.sqlite3").is_file()
        assert isinstance(on_redis, RedisJobStore) and (await on_redis.queue_stats()).depth == 0
    finally:
        for store in (by_url, by_path, on_redis):
            await store.aclose()
    with pytest.raises(ValueError, match="SUMMARIZER_JOBS_URL"):
        open_store("postgres://db/jobs")
