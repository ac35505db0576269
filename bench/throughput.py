"""Throughput and added latency of the service against an instant local chat server.

Measures, in one run and against the same OpenAI-compatible chat server
(tests/support/chat_server.py, answering every call at once with the seed answer):

* service: POST /v1/summaries {"text": SEED_ARTICLE + a unique reference line}
  through the real service (uvicorn, OpenAI-compatible backend), sent by an
  httpx.AsyncClient, with everything on: metrics, the request log and the
  result cache (a SQLite file in a temporary folder, or --cache-url). Every
  article is new, so every request pays for a cache miss and a cache write;
  a request answered from the cache counts as an error;
* bare:    openai.AsyncOpenAI(...).chat.completions.create(...) replaying the
  exact chat request the service sent during its warm-up (same messages, same
  response_format), as an application would call the SDK. With --bare raw it
  sends the same body through client.post("/chat/completions"), the way the
  service's backend does, which skips the SDK's typed-parameter transform: the
  cheapest way to get the same answer, and the stricter comparison.

After a warm-up, each round runs N requests of each with concurrency C, then
a sequential pass (concurrency 1) of each to measure the latency the service
adds. Rounds alternate bare and service passes, and the checks use the median
over rounds, so that a burst of other work on the machine moves one round's
figures, not the verdict.

Targets (exit status 1 when one is missed, unless --no-check):
    requests/s ratio service/bare at concurrency C   >= 0.5   (median of rounds)
    p50 added latency (service p50 - bare p50, c=1)   <= 3 ms  (median of rounds)
    errors (non-200 or failed calls) in every pass    == 0

Setup, chosen for honest figures on a small (2-core) machine: the chat server
and the service each run in their own process (multiprocessing, spawn) and the
load generator runs in this one. One process has one GIL, so threads would
serialise server, service and client on one core and measure contention. With
processes, the bare pass runs two (client, chat server) and the service pass
three (client, service, chat server) on the same cores, so the service pass
pays for the service's own CPU, which is what it costs. The table gives the CPU
time each process spent per request (from /proc, so Linux only), which shows
how much of each rate is bounded by the machine rather than by the service.

Both servers log at "warning" level (no access log), listen on kernel-chosen
ports of 127.0.0.1 and report their URL over a pipe. Both listening sockets
are IPPROTO_TCP sockets so that connections get TCP_NODELAY; without it every
kept-alive request waits ~40 ms for a delayed ACK.

    python -m bench.throughput [--requests 2000] [--concurrency 16] [--rounds 3] [--bare create|raw]
                               [--cache-url URL] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import openai
from openai.types.chat import ChatCompletion

from bench.checks import print_checks
from tests.support.articles import SEED_ARTICLE, seed_answer
from tests.support.chat_server import ChatServer, Reply
from tests.support.environment import set_environment
from tests.support.serving import child_server, serve_for_parent

MODEL = "test-model"
REQUEST_TIMEOUT = 30.0
MIN_RATIO = 0.5
MAX_ADDED_P50_MS = 3.0
LAST_REQUEST = "last request"
CPU_COLUMNS = ("client", "service", "chat")


def main() -> int:
    args = _parser().parse_args()
    try:
        results = asyncio.run(_measure(args))
    except TimeoutError:
        print(f"throughput: a pass did not finish within {args.max_seconds:g} s", file=sys.stderr)
        return 1
    _print_results(results)
    passed = _print_checks(results)
    return 0 if passed or args.no_check else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per concurrent pass (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--sequential", type=int, default=300, help="requests per sequential pass (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the four passes (default 3)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per client (default 200)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time limit of each pass (default 120)")
    parser.add_argument(
        "--bare", choices=("create", "raw"), default="create",
        help="the bare client's call: chat.completions.create (default), or the raw client.post the service itself uses",
    )
    parser.add_argument("--cache-url", help="the service's SUMMARIZER_CACHE_URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    return parser


# --- the two servers, each in its own process ---------------------------------------------


def _chat_server_child(conn: Connection) -> None:
    """Serve the seed answer; on LAST_REQUEST, send back the last chat request body received."""
    reply = Reply.json(seed_answer())
    server = ChatServer(fallback=lambda body: reply).start()
    conn.send(server.base_url)
    try:
        while conn.recv() == LAST_REQUEST:
            conn.send(server.received[-1])
    except EOFError:
        pass
    server.stop()


def _service_child(conn: Connection, chat_url: str, cache_url: str, folder: str) -> None:
    set_environment(base_url=chat_url, model=MODEL, cache_url=cache_url)
    from service.config import load_settings
    from service.http.app import create_app
    from service.http.observability import log_requests_as_json_lines
    from service.http.serving import uvicorn_config

    # The request log is written as in production, to a file rather than to this terminal.
    log_requests_as_json_lines(open(Path(folder) / "requests.log", "w", encoding="utf-8"))  # noqa: SIM115
    settings = load_settings()
    serve_for_parent(conn, uvicorn_config(create_app(settings), settings, log_level="warning"))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- load ---------------------------------------------------------------------------------


@dataclass
class Result:
    round_no: int
    name: str
    concurrency: int
    latencies: list[float]
    errors: int
    elapsed: float
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def cpu_ms_per_request(self, process: str) -> float:
        return self.cpu[process] * 1000 / (len(self.latencies) + self.errors)

    def p(self, percent: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in ms."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)] * 1000


Call = Callable[[], Awaitable[bool]]


async def _load(round_no: int, name: str, call: Call, total: int, concurrency: int, max_seconds: float) -> Result:
    """Send `total` requests with `concurrency` in flight; a call returns whether it succeeded."""
    latencies: list[float] = []
    errors = 0
    pending = iter(range(total))

    async def worker() -> None:
        nonlocal errors
        for _ in pending:
            started = time.perf_counter()
            try:
                ok = await call()
            except (httpx.HTTPError, openai.OpenAIError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    started = time.perf_counter()
    async with asyncio.timeout(max_seconds):
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(round_no, name, concurrency, latencies, errors, time.perf_counter() - started)


async def _measured(load: Awaitable[Result], pids: dict[str, int]) -> Result:
    """Run one pass and note the CPU time each process spent on it."""

    def clocks() -> dict[str, float]:
        return {"client": time.process_time(), **{name: _cpu_seconds(pid) for name, pid in pids.items()}}

    before = clocks()
    result = await load
    result.cpu = {name: seconds - before[name] for name, seconds in clocks().items()}
    return result


async def _measure(args: argparse.Namespace) -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        return await _measure_in(args, folder)


async def _measure_in(args: argparse.Namespace, folder: str) -> list[Result]:
    cache_url = args.cache_url or f"sqlite:///{folder}/results.sqlite3"
    with child_server(_chat_server_child) as chat, child_server(_service_child, chat.url, cache_url, folder) as service:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        http = httpx.AsyncClient(base_url=service.url, limits=limits, timeout=REQUEST_TIMEOUT)
        bare = openai.AsyncOpenAI(base_url=chat.url, api_key="x", max_retries=0, timeout=REQUEST_TIMEOUT)
        async with http, bare:

            references = itertools.count()

            async def service_call() -> bool:
                article = f"{SEED_ARTICLE}\n\nReference {next(references)}."
                response = await http.post("/v1/summaries", json={"text": article})
                return response.status_code == 200 and response.json()["meta"]["cached"] is False

            warmup = await _load(0, "service", service_call, args.warmup, args.concurrency, args.max_seconds)
            if warmup.errors or not warmup.latencies:
                raise SystemExit(f"throughput: {warmup.errors} of {args.warmup} warm-up requests to the service failed")
            chat.conn.send(LAST_REQUEST)
            chat_request = chat.conn.recv()

            async def bare_call() -> bool:
                if args.bare == "raw":
                    await bare.post("/chat/completions", cast_to=ChatCompletion, body=chat_request)
                else:
                    await bare.chat.completions.create(**chat_request)
                return True

            await _load(0, "bare", bare_call, args.warmup, args.concurrency, args.max_seconds)
            pids = {"service": service.pid, "chat": chat.pid}
            results = []
            for round_no in range(1, args.rounds + 1):
                for concurrency, total in ((args.concurrency, args.requests), (1, args.sequential)):
                    for name, call in (("bare", bare_call), ("service", service_call)):
                        load = _load(round_no, name, call, total, concurrency, args.max_seconds)
                        results.append(await _measured(load, pids))
            return results


# --- report -------------------------------------------------------------------------------


def _print_results(results: list[Result]) -> None:
    cpu_heads = "".join(f"{name:>9}" for name in CPU_COLUMNS)
    print(f"{'':<65}{'CPU ms per request':>27}")
    print(f"{'round':<6}{'pass':<10}{'conc':>6}{'ok':>7}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}  {cpu_heads}")
    for r in results:
        cpu = "".join(f"{r.cpu_ms_per_request(name):>9.2f}" for name in CPU_COLUMNS)
        print(
            f"{r.round_no:<6}{r.name:<10}{r.concurrency:>6}{len(r.latencies):>7}{r.errors:>8}"
            f"{r.rps:>9.0f}{r.p(50):>9.2f}{r.p(99):>9.2f}  {cpu}"
        )
    print()


def _print_checks(results: list[Result]) -> bool:
    """Print each target with its figure; True when all are met."""
    rounds = [results[start : start + 4] for start in range(0, len(results), 4)]
    ratio = statistics.median(service_c.rps / bare_c.rps for bare_c, service_c, _, _ in rounds)
    added = statistics.median(service_1.p(50) - bare_1.p(50) for _, _, bare_1, service_1 in rounds)
    errors = sum(r.errors for r in results)
    checks = [
        ("requests/s ratio service/bare", f"{ratio:.2f}", f">= {MIN_RATIO}", ratio >= MIN_RATIO),
        ("p50 added latency (c=1)", f"{added:.2f} ms", f"<= {MAX_ADDED_P50_MS:g} ms", added <= MAX_ADDED_P50_MS),
        ("errors, all passes", str(errors), "== 0", errors == 0),
    ]
    return print_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
