"""A 31,000-word article through an asynchronous job on the embedded default model.

The synchronous endpoint answers such an article 504 after SUMMARIZER_DEADLINE (120 s); a
job is bound by SUMMARIZER_JOB_DEADLINE (30 min) instead. The service runs in a process of its
own, as `summarizer serve` would with only SUMMARIZER_JOBS_URL (a SQLite file in a temporary
folder) and SUMMARIZER_CACHE_URL=off set: the bundled SmolLM2-135M model on this machine's
cores, no model server. Once it is ready (GET /readyz), the article of
tests/support/long_article.py (real articles in a row, a denial planted past 80 % of it) is
submitted with Prefer: respond-async and its job polled until it ends.

Printed: the time to done (the job document's created_at to updated_at, and the client's
wall time), the model calls (meta.attempts) and chunks, the service's RSS after start-up and
at its peak while the job ran (sampled every second), and the checks of bench.long_article:
the planted denial is found with its evidence past the first 24,000 characters, every quote is
the article's text at its offsets, the what is the article's lead. Exit status 1 when the job
does not end done or a check fails, unless --no-check. It loads both cores for minutes.

    python -m bench.long_article_job [--words 31000] [--max-seconds 1800] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from typing import Any

import httpx

from bench.checks import print_checks
from bench.long_article import checks
from tests.support.job_client import PREFER_ASYNC, job_seconds, wait_for_job
from tests.support.long_article import long_article
from tests.support.service_process import rss_mb, serve_service_for_parent
from tests.support.serving import child_server

READY_SECONDS = 300.0
RSS_EVERY_SECONDS = 1.0


def main() -> int:
    args = _parser().parse_args()
    article = long_article(args.words)
    with tempfile.TemporaryDirectory(prefix="bench-long-job-") as folder:
        settings = {"jobs_url": f"sqlite:///{folder}/jobs.sqlite3", "cache_url": "off"}
        with child_server(serve_service_for_parent, settings) as service:
            job, wall, rss = asyncio.run(_run(service.url, service.pid, article, args.max_seconds))
    if job is None or job["status"] != "done":
        print(f"the job did not end done: {job}", file=sys.stderr)
        return 0 if args.no_check else 1
    result = job["result"]
    seconds = job_seconds(job)
    print(f"time to done: {seconds:.1f} s (created_at to updated_at); {wall:.1f} s seen by the client")
    print(f"service RSS: {rss[0]:.1f} MB once ready, {rss[1]:.1f} MB at its peak during the job")
    rows = checks("job on the embedded model", article, result, seconds)
    print()
    passed = print_checks(rows)
    return 0 if passed or args.no_check else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=31_000)
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="give up on the job after this long (default 1800)")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    return parser


async def _run(url: str, pid: int, article: str, max_seconds: float) -> tuple[dict[str, Any] | None, float, tuple[float, float]]:
    """The job's last document, the client's wall time, and the service's RSS once ready and at its peak."""
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
        await _until_ready(client)
        ready_rss = rss_mb(pid)
        ended = asyncio.Event()
        peak = asyncio.create_task(_peak_rss(pid, ended))
        started = time.monotonic()
        response = await client.post("/v1/summaries", json={"id": "long-article", "text": article}, headers=PREFER_ASYNC)
        response.raise_for_status()
        job = await wait_for_job(client, response.json(), give_up_at=started + max_seconds)
        wall = time.monotonic() - started
        ended.set()
        return job, wall, (ready_rss, await peak)


async def _peak_rss(pid: int, ended: asyncio.Event) -> float:
    """The highest RSS of the process, sampled every second until `ended` is set."""
    peak = rss_mb(pid)
    while not ended.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ended.wait(), RSS_EVERY_SECONDS)
        peak = max(peak, rss_mb(pid))
    return peak


async def _until_ready(client: httpx.AsyncClient) -> None:
    """Until GET /readyz answers 200: the model is loaded before the clock starts."""
    give_up_at = time.monotonic() + READY_SECONDS
    while (await client.get("/readyz")).status_code != 200:
        if time.monotonic() > give_up_at:
            raise RuntimeError(f"the service was not ready within {READY_SECONDS:g} s")
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
