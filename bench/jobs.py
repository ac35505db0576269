"""Thousands of asynchronous summaries submitted at once: every job ends done and none is lost.

The service runs in a process of its own with SUMMARIZER_JOB_WORKERS=--workers and its jobs in
a SQLite file of a temporary folder (or on the Redis server that --jobs-url names). Its model is
a chat server in a third process that answers each call after --answer-seconds, from that call's
own article (tests/support/grounded_model.py). Every job is submitted at once, each from a task
of its own (POST /v1/summaries with Prefer: respond-async, through at most 256 connections); each
task then polls its job (GET /v1/jobs/{id}) every 1 s, then less often, up to every 5 s, until the
job ends (tests/support/job_client.py).

Times are the service's own, from the ended job documents:
    end to end   updated_at - created_at
    queue wait   end to end - the summary's meta.latency_ms: the document does not say when a
                 job started, so this is the time it spent outside the summarizer (waiting for a
                 worker, and the store's bookkeeping)
    throughput   jobs done / (last updated_at - first created_at)
Wall time is the client's: from the first submission to the last job seen ended.

Targets (exit status 1 when one is missed, unless --no-check):
    accepted (202)                                          == --jobs
    done                                                    == --jobs
    failed                                                  0
    lost (404, or not ended within --max-seconds)           0

    python -m bench.jobs [--jobs 2000] [--workers 64] [--answer-seconds 2] [--jobs-url sqlite|redis://HOST:PORT/DB]
                         [--max-seconds 900] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from bench.checks import print_checks
from tests.support.chat_server import serve_chat_for_parent
from tests.support.grounded_model import grounded_reply, numbered_article
from tests.support.job_client import PREFER_ASYNC, job_seconds, stamp, wait_for_job
from tests.support.service_process import rss_mb, serve_service_for_parent
from tests.support.serving import child_server

CONNECTIONS = 256
REQUEST_TIMEOUT = 60.0


class GatedTransport(httpx.AsyncHTTPTransport):
    """At most `connections` requests at a time, the others waiting on a semaphore.

    httpx's own pool, given thousands of waiting requests, spends its event loop's time walking
    them (the client used minutes of CPU for 2,000 jobs, and its connections timed out)."""

    def __init__(self, connections: int):
        super().__init__(limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))
        self._gate = asyncio.Semaphore(connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._gate:
            response = await super().handle_async_request(request)
            await response.aread()  # the connection is free again before the next request takes the gate
            return response


def main() -> int:
    args = _parser().parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder:
        jobs_url = f"sqlite:///{folder}/jobs.sqlite3" if args.jobs_url == "sqlite" else args.jobs_url
        run = asyncio.run(_measure(args, jobs_url))
    _print_report(run, args, jobs_url)
    passed = _print_checks(run, args.jobs)
    return 0 if passed or args.no_check else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000, help="jobs submitted at once (default 2000)")
    parser.add_argument("--workers", type=int, default=64, help="SUMMARIZER_JOB_WORKERS of the service (default 64)")
    parser.add_argument("--answer-seconds", type=float, default=2.0, help="the model's time per answer (default 2)")
    parser.add_argument(
        "--jobs-url", default="sqlite", help="SUMMARIZER_JOBS_URL: sqlite (a file in a temporary folder, the default) or redis://..."
    )
    parser.add_argument("--max-seconds", type=float, default=900.0, help="a job not ended by then is lost (default 900)")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    return parser


@dataclass
class Outcome:
    """One job: the status its submission got and when (seconds from the start), and its last document (None once lost)."""

    submitted: int | str
    answered_after: float
    job: dict[str, Any] | None


@dataclass
class Run:
    outcomes: list[Outcome]
    wall_seconds: float
    rss_mb: tuple[float, float]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.job is not None and o.job["status"] == status)

    @property
    def accepted(self) -> int:
        return sum(1 for o in self.outcomes if o.submitted == 202)

    @property
    def lost(self) -> int:
        return sum(1 for o in self.outcomes if o.submitted == 202 and o.job is None)

    def done_jobs(self) -> list[dict[str, Any]]:
        return [o.job for o in self.outcomes if o.job is not None and o.job["status"] == "done"]


async def _measure(args: argparse.Namespace, jobs_url: str) -> Run:
    settings = {
        "backend": "openai", "model": "test-model", "jobs_url": jobs_url, "job_workers": str(args.workers),
        "cache_url": "off", "rate_limit": "off",
    }
    with (
        child_server(serve_chat_for_parent, partial(grounded_reply, delay=args.answer_seconds)) as chat,
        child_server(serve_service_for_parent, settings | {"base_url": chat.url}) as service,
    ):
        before = rss_mb(service.pid)
        transport = GatedTransport(CONNECTIONS)
        async with httpx.AsyncClient(base_url=service.url, transport=transport, timeout=REQUEST_TIMEOUT) as client:
            started = time.monotonic()
            outcomes = await asyncio.gather(*(_one_job(client, n, started, args.max_seconds) for n in range(args.jobs)))
            wall = time.monotonic() - started
        return Run(list(outcomes), wall, (before, rss_mb(service.pid)))


async def _one_job(client: httpx.AsyncClient, n: int, started: float, max_seconds: float) -> Outcome:
    try:
        response = await client.post(
            "/v1/summaries", json={"id": f"job-{n}", "text": numbered_article(n)}, headers=PREFER_ASYNC
        )
    except httpx.HTTPError as exc:
        return Outcome(type(exc).__name__, time.monotonic() - started, None)
    answered_after = time.monotonic() - started
    if response.status_code != 202:
        return Outcome(response.status_code, answered_after, None)
    job = await wait_for_job(client, response.json(), give_up_at=started + max_seconds)
    return Outcome(202, answered_after, job)


# --- report -------------------------------------------------------------------------------


def _percentile(values: list[float], percent: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)] if ordered else math.nan


def _print_report(run: Run, args: argparse.Namespace, jobs_url: str) -> None:
    done = run.done_jobs()
    end_to_end = [job_seconds(job) for job in done]
    queue_wait = [total - job["result"]["meta"]["latency_ms"] / 1000 for total, job in zip(end_to_end, done, strict=True)]
    span = max((stamp(j["updated_at"]) for j in done), default=0.0) - min((stamp(j["created_at"]) for j in done), default=0.0)
    store = "redis" if jobs_url.startswith(("redis", "unix")) else "sqlite"
    print(f"{args.jobs} jobs at once, {args.workers} workers, {args.answer_seconds:g} s per answer, jobs on {store}")
    submissions = Counter(str(o.submitted) for o in run.outcomes)
    print(f"submissions: {', '.join(f'{status}: {count}' for status, count in submissions.items())}; "
          f"all answered within {max(o.answered_after for o in run.outcomes):.1f} s")
    print(f"accepted {run.accepted}, done {len(done)}, failed {run.count('failed')}, lost {run.lost}")
    print(f"queue wait  p50 {_percentile(queue_wait, 50):.1f} s, p99 {_percentile(queue_wait, 99):.1f} s"
          "  (created_at to start, the start being updated_at at the end minus meta.latency_ms)")
    print(f"end to end  p50 {_percentile(end_to_end, 50):.1f} s, p99 {_percentile(end_to_end, 99):.1f} s"
          "  (created_at to updated_at)")
    if span > 0:
        ideal = args.workers / args.answer_seconds
        print(f"throughput  {len(done) / span:.1f} jobs/s over {span:.1f} s (the workers' bound: {ideal:.1f} jobs/s)")
    print(f"wall time   {run.wall_seconds:.1f} s, first submission to the last job seen ended")
    before, after = run.rss_mb
    print(f"service RSS {before:.1f} MB after start-up, {after:.1f} MB at the end\n")


def _print_checks(run: Run, jobs: int) -> bool:
    checks = [
        ("accepted (202)", str(run.accepted), f"== {jobs}", run.accepted == jobs),
        ("done", str(len(run.done_jobs())), f"== {jobs}", len(run.done_jobs()) == jobs),
        ("failed", str(run.count("failed")), "0", run.count("failed") == 0),
        ("lost", str(run.lost), "0", run.lost == 0),
    ]
    return print_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
