"""What the job runner's tests share: stores with short intervals, and the job-running process that
the durability tests kill (`python -m tests.jobs_support STORE_URL LOG_FILE`). The Redis server and
the webhook receiver they use are in tests/support (redis_server.py, webhooks.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from service.jobs import JobRunner, JobStore
from service.jobs.redis_store import RedisJobStore
from service.jobs.sqlite_store import SQLiteJobStore


def quick_store(url: str) -> JobStore:
    """A store whose idle workers look for work every 50 ms and whose dead workers are noticed in seconds."""
    if url.startswith("redis://"):
        return RedisJobStore(url, heartbeat=1, sweep_every=1)
    return SQLiteJobStore(Path(url.removeprefix("sqlite:///")), poll_interval=0.05)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not so after {within} s")
        await asyncio.sleep(0.02)


def logging_summarizer(log: Path, seconds: float) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    """A summarizer that takes `seconds` and writes a line to `log` as each run starts and ends."""

    def note(event: str, article_id: str) -> None:
        with log.open("a") as lines:
            lines.write(json.dumps({"event": event, "id": article_id}) + "\n")

    async def summarize(body: dict[str, Any]) -> dict[str, Any]:
        note("start", body["id"])
        await asyncio.sleep(seconds)
        note("end", body["id"])
        return {"id": body["id"], "summary": body["text"].upper()}

    return summarize


async def run_until_terminated(url: str, log: Path, seconds: float, concurrency: int) -> None:
    store = quick_store(url)
    runner = JobRunner(store, logging_summarizer(log, seconds), concurrency=concurrency)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await runner.start()
    print("ready", flush=True)
    await stopping.wait()
    await runner.stop()
    await store.aclose()


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="Run jobs from a store until SIGTERM (or SIGKILL).")
    arguments.add_argument("url")
    arguments.add_argument("log", type=Path)
    arguments.add_argument("--seconds", type=float, default=1.5)
    arguments.add_argument("--concurrency", type=int, default=2)
    options = arguments.parse_args()
    asyncio.run(run_until_terminated(options.url, options.log, options.seconds, options.concurrency))
