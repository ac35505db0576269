"""Correctness and memory under load: many concurrent requests, each with its own article.

Request n sends {"id": "load-n", "text": article_n}, where article_n is the
seed article opened by a sentence naming a unique token ("Officer Zq<n> ...").
The chat server (tests/support/grounded_model.py, in its own process) answers every call
at once, FROM THAT CALL'S ARTICLE: it reads the text between <article> and
</article> of the user message and quotes its first sentence, naming a
capitalised word of it (the unique token when the sentence has one). The
service runs under uvicorn in a third process, as in bench/throughput.py, so
that a mix-up between concurrent requests (an answer, an offset or an id
given to the wrong request) shows as a wrong id, a quote that is not
article_n[start:end], or another request's token in a response. The service's
SUMMARIZER_MAX_INFLIGHT is set to the concurrency (or --max-inflight), so
that its back-pressure (503 overloaded) is measured only when asked for.

It prints the status counts, the latency p50/p99 and the service process's
RSS (VmRSS, /proc) after start-up and after the load.

Targets (exit status 1 when one is missed, unless --no-check):
    requests answered                                          == --requests
    errors (non-200, or a failed or timed-out call)            0
    responses whose id is not their own                        0
    evidence quotes that are not article_n[start:end]          0
    responses naming another request's token                   0

    python -m bench.load [--requests 5000] [--concurrency 200] [--max-inflight N] [--max-seconds 300] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import httpx

from bench.checks import print_checks
from service.config import load_settings
from service.http.app import create_app
from service.http.serving import uvicorn_config
from tests.support.chat_server import serve_chat_for_parent
from tests.support.grounded_model import TOKEN, grounded_reply, numbered_article
from tests.support.service_process import rss_mb
from tests.support.serving import child_server, serve_for_parent

REQUEST_TIMEOUT = 30.0


def main() -> int:
    args = _parser().parse_args()
    args.max_inflight = args.max_inflight or args.concurrency
    try:
        run = asyncio.run(_measure(args))
    except TimeoutError:
        print(f"load: the run did not finish within {args.max_seconds:g} s", file=sys.stderr)
        return 1
    _print_report(run)
    passed = _print_checks(run, args.requests)
    return 0 if passed or args.no_check else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests to send (default 5000)")
    parser.add_argument("--concurrency", type=int, default=200, help="requests in flight (default 200)")
    parser.add_argument(
        "--max-inflight", type=int, help="SUMMARIZER_MAX_INFLIGHT of the service (default: --concurrency, so none is shed)"
    )
    parser.add_argument("--max-seconds", type=float, default=300.0, help="time limit of the load (default 300)")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    return parser


def _service_child(conn: Connection, chat_url: str, max_inflight: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            backend="openai", base_url=chat_url, model="test-model", api_keys=(), rate_limit="off",
            max_inflight=max_inflight, cache_url=f"sqlite:///{folder}/results.sqlite3",
        )
        serve_for_parent(conn, uvicorn_config(create_app(settings), settings, log_level="warning"))


# --- load and judging -----------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int | str, int] = field(default_factory=dict)
    wrong_ids: list[str] = field(default_factory=list)
    bad_quotes: list[str] = field(default_factory=list)
    crossed: list[str] = field(default_factory=list)
    rss_mb: tuple[float, float] = (0.0, 0.0)
    seconds: float = 0.0

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return self.answered - self.statuses.get(200, 0)

    def p(self, percent: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in ms."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)] * 1000 if ordered else math.nan

    def count(self, status: int | str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def judge(self, n: int, body: dict[str, Any], text: str) -> None:
        own = numbered_article(n)
        if body["id"] != f"load-{n}":
            self.wrong_ids.append(f"load-{n} answered as {body['id']!r}")
        items = [*body["who"], *body["where"], *body["denials"], *([body["what"]] if body["what"] else [])]
        for evidence in (e for item in items for e in item["evidence"]):
            if own[evidence["start"] : evidence["end"]] != evidence["quote"]:
                where = f"article[{evidence['start']}:{evidence['end']}]"
                self.bad_quotes.append(f"load-{n}: {evidence['quote'][:80]!r} is not its {where}")
        if others := set(TOKEN.findall(text)) - {f"Zq{n}"}:
            self.crossed.append(f"load-{n} names {sorted(others)}")


async def _send_all(url: str, args: argparse.Namespace, run: Run) -> None:
    pending = iter(range(args.requests))
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT) as client:

        async def worker() -> None:
            for n in pending:
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/summaries", json={"id": f"load-{n}", "text": numbered_article(n)})
                except httpx.HTTPError as exc:
                    run.count(type(exc).__name__)
                    continue
                run.count(response.status_code)
                if response.status_code == 200:
                    run.latencies.append(time.perf_counter() - started)
                    run.judge(n, response.json(), response.text)

        async with asyncio.timeout(args.max_seconds):
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))


async def _measure(args: argparse.Namespace) -> Run:
    run = Run()
    with (
        child_server(serve_chat_for_parent, grounded_reply) as chat,
        child_server(_service_child, chat.url, args.max_inflight) as service,
    ):
        before = rss_mb(service.pid)
        started = time.perf_counter()
        await _send_all(service.url, args, run)
        run.seconds = time.perf_counter() - started
        run.rss_mb = (before, rss_mb(service.pid))
    return run


# --- report -------------------------------------------------------------------------------


def _print_report(run: Run) -> None:
    print(f"{run.answered} requests in {run.seconds:.1f} s ({run.answered / run.seconds:.0f} req/s)")
    print("statuses: " + ", ".join(f"{status}: {count}" for status, count in run.statuses.items()))
    print(f"latency p50 {run.p(50):.1f} ms, p99 {run.p(99):.1f} ms")
    before, after = run.rss_mb
    print(f"service RSS: {before:.1f} MB after start-up, {after:.1f} MB after the load ({after - before:+.1f} MB)\n")
    for problem in (run.wrong_ids + run.bad_quotes + run.crossed)[:10]:
        print(f"  ! {problem}")


def _print_checks(run: Run, requested: int) -> bool:
    """Print each target with its figure; True when all are met."""
    checks = [
        ("requests answered", str(run.answered), f"== {requested}", run.answered == requested),
        ("errors", str(run.errors), "0", run.errors == 0),
        ("responses with another id", str(len(run.wrong_ids)), "0", not run.wrong_ids),
        ("quotes not article_n[start:end]", str(len(run.bad_quotes)), "0", not run.bad_quotes),
        ("responses naming another token", str(len(run.crossed)), "0", not run.crossed),
    ]
    return print_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
