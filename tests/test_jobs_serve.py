"""A job accepted is never lost: `summarizer serve` killed with SIGKILL while its jobs run, started
again, finishes every one; with the jobs in a SQLite file, and on a real redis-server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from .support.articles import SEED_ARTICLE, seed_answer
from .support.chat_server import ChatServer, Reply
from .support.contract import ungrounded_items
from .support.environment import clean_environment
from .support.jobs import ended_job
from .support.redis_server import running_redis
from .support.serving import free_port, summarizer_serve

JOBS = 5
MODEL_SECONDS = 2.0


def article(number: int) -> str:
    # Each job its own article, so that none is answered from the result cache or another's model call.
    return f"{SEED_ARTICLE}\n\nUpdate {number}."


def kill_while_running_then_restart(chat: ChatServer, jobs_url: str, within: float) -> list[dict[str, Any]]:
    """Submit the jobs, SIGKILL the service while its workers are in model calls, start it again; the ended jobs."""
    chat.fallback = lambda body: Reply.json(seed_answer(), delay=MODEL_SECONDS)
    environment = clean_environment(base_url=chat.base_url, model="test-model", jobs_url=jobs_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with summarizer_serve(environment, port) as server:
        locations = [
            httpx.post(f"{url}/v1/summaries", headers={"Prefer": "respond-async"},
                       json={"text": article(n), "id": f"cms-{n}"}).headers["location"]
            for n in range(JOBS)
        ]
        deadline = time.monotonic() + 10
        while not chat.received:
            assert time.monotonic() < deadline, "no job reached the model"
            time.sleep(0.05)
        running = [httpx.get(url + location).json()["status"] for location in locations]
        server.kill()
        server.wait(10)
    assert "done" not in running and "running" in running, f"not killed in flight: {running}"
    with summarizer_serve(environment, port), httpx.Client(base_url=url) as client:
        return [ended_job(client, location, within=within) for location in locations]


def test_jobs_in_a_sqlite_file_survive_a_sigkill(chat: ChatServer, tmp_path: Path):
    ended = kill_while_running_then_restart(chat, f"sqlite:///{tmp_path / 'jobs.sqlite3'}", within=60)
    assert [job["status"] for job in ended] == ["done"] * JOBS
    assert [job["id"] for job in ended] == [f"cms-{n}" for n in range(JOBS)]
    assert all(ungrounded_items(job["result"], article(n)) == [] for n, job in enumerate(ended))


def test_jobs_on_redis_survive_a_sigkill(chat: ChatServer, tmp_path: Path):
    # A killed worker's jobs wait for their heartbeat to lapse (15 s) and the next sweep (10 s).
    with running_redis(tmp_path) as redis_url:
        ended = kill_while_running_then_restart(chat, redis_url, within=90)
    assert [job["status"] for job in ended] == ["done"] * JOBS
    assert [job["id"] for job in ended] == [f"cms-{n}" for n in range(JOBS)]
    assert all(ungrounded_items(job["result"], article(n)) == [] for n, job in enumerate(ended))
