"""A job that got a 202 is never lost: a process running jobs is killed with SIGKILL while jobs run,
a new one is started on the same store, and every job ends done. On a SQLite file and on a real
redis-server; the job-running process is tests/jobs_support.py."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.jobs import JobDocument, JobRunner, JobStatus

from .jobs_support import logging_summarizer, quick_store
from .support.redis_server import running_redis

ROOT = Path(__file__).resolve().parent.parent
JOBS = 5


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/jobs.sqlite3"
        return
    with running_redis(tmp_path) as url:
        yield url


def job_process(url: str, log: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "tests.jobs_support", url, str(log), "--seconds", "1.5",
                                "--concurrency", "2"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def events(log: Path, kind: str) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [entry["id"] for entry in map(json.loads, lines) if entry["event"] == kind]


def wait_until(check, within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not so after {within} s"
        time.sleep(0.05)


async def submit(url: str, log: Path) -> list[str]:
    store = quick_store(url)
    try:
        runner = JobRunner(store, logging_summarizer(log, 0))  # not started: the job process runs the jobs
        return [(await runner.submit({"text": f"article {n}", "id": f"article-{n}"})).job.job_id for n in range(JOBS)]
    finally:
        await store.aclose()


async def documents(url: str, ids: list[str]) -> list[JobDocument]:
    store = quick_store(url)
    try:
        return [await store.get(job_id) for job_id in ids]
    finally:
        await store.aclose()


def test_jobs_running_when_the_process_is_killed_complete_after_a_restart(store_url, tmp_path):
    log = tmp_path / "runs.jsonl"
    ids = asyncio.run(submit(store_url, log))
    first = job_process(store_url, log)
    wait_until(lambda: len(events(log, "start")) >= 2, within=20)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    cut_short = set(events(log, "start")) - set(events(log, "end"))
    assert cut_short, "the process was killed while no job was running"
    assert JobStatus.RUNNING in {job.status for job in asyncio.run(documents(store_url, ids))}

    second = job_process(store_url, log)
    try:
        wait_until(lambda: {job.status for job in asyncio.run(documents(store_url, ids))} == {JobStatus.DONE}, within=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    results = [job.result for job in asyncio.run(documents(store_url, ids))]
    assert results == [{"id": f"article-{n}", "summary": f"ARTICLE {n}"} for n in range(JOBS)]
    assert set(events(log, "end")) == {f"article-{n}" for n in range(JOBS)}
    assert cut_short <= set(events(log, "end"))
