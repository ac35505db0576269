"""What the job tests share: a Redis server of their own, a webhook receiver on loopback that
checks every signature, stores with short intervals, and the job-running process that the
durability tests kill (`python -m tests.jobs_support STORE_URL LOG_FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
from standardwebhooks import Webhook, WebhookVerificationError

from service.jobs import JobRunner, JobStore
from service.jobs.redis_store import RedisJobStore
from service.jobs.sqlite_store import SQLiteJobStore

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis server on loopback (Debian's redis-server package), without persistence; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: `make test` installs Debian's redis-server package")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 5
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)


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


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """A webhook receiver on loopback: it verifies each POST with standardwebhooks and answers the
    scripted statuses in turn (a status, or a status and a Retry-After), then 204. A 3xx
    answer points back at the receiver itself."""

    script: list[int | tuple[int, str]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        receiver = self
        verifier = Webhook(SECRET)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    verifier.verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                receiver.received.append(Received(headers, body, verified))
                answer = receiver.script.pop(0) if receiver.script else 204
                status, retry_after = answer if isinstance(answer, tuple) else (answer, None)
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                if 300 <= status < 400:  # a sender that followed it would POST here a second time
                    self.send_header("Location", self.path + "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_port}/hooks/summaries"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


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
