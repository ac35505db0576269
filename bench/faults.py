"""Fault tolerance of the service against a chat model that fails in every way at once.

The local chat server (tests/chat_server.py) answers each model call with a
draw from a seeded random.Random:

    15%  malformed JSON text (a Python repr, a missing comma, or prose)
     5%  ungrounded: the seed answer plus an invented person or quote
     5%  HTTP 500
     5%  HTTP 429 with Retry-After: 1
     5%  the good answer, but slower than SUMMARIZER_TIMEOUT
    65%  the good seed answer

The service (SUMMARIZER_MAX_ATTEMPTS=3, small SUMMARIZER_TIMEOUT and
SUMMARIZER_DEADLINE) runs under uvicorn in a thread of this process, and an
httpx.AsyncClient sends the seed article N times with C requests in flight.
It reports the replies drawn, the status counts, the attempts (meta.attempts)
of the successes and the longest request against the deadline.

Targets (exit status 1 when one is missed, unless --no-check):
    share of 200 responses (each within 3 attempts)                >= 95%
    non-200 responses that are 502/503/504 with the error envelope
        {"error": {"code", "message", "details"}}                   all
    longest request                                    <= deadline + 2 s
    invented text returned: a 200 whose who/where name or denial
        party is not in the article, whose evidence quote is not
        article[start:end], or that contains an invented string     0

    python bench/faults.py [--requests 1000] [--concurrency 20] [--seed 7] [--timeout 0.5]
                           [--deadline 4] [--slow-delay 1] [--max-seconds 300] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench.checks import print_checks  # noqa: E402
from service.app import create_app  # noqa: E402
from service.config import load_settings  # noqa: E402
from service.serving import uvicorn_config  # noqa: E402
from tests.chat_server import ChatServer, MixedReplies, Reply  # noqa: E402
from tests.conftest import SEED_ARTICLE, seed_answer  # noqa: E402
from tests.contract import failure_problem, json_or_none, ungrounded_items  # noqa: E402
from tests.serving import serve_in_thread  # noqa: E402

MAX_ATTEMPTS = 3
MIN_OK_SHARE = 0.95
DEADLINE_SLACK = 2.0
FAILURE_STATUSES = {502, 503, 504}
STARTUP_SECONDS = 10.0
# Probabilities of each kind of bad reply; the rest are good.
BAD_REPLIES = (("malformed", 0.15), ("ungrounded", 0.05), ("error_500", 0.05), ("rate_limited", 0.05), ("slow", 0.05))

INVENTED_PERSON = "Viktor Halloran"
INVENTED_QUOTE = "Israel confirmed that it carried out the strike"
INVENTED_TEXT = (INVENTED_PERSON, INVENTED_QUOTE)


@dataclass(frozen=True)
class Setup:
    requests: int = 1000
    concurrency: int = 20
    seed: int = 7
    timeout: float = 0.5
    deadline: float = 4.0
    slow_delay: float = 1.0
    max_seconds: float = 300.0


def main() -> int:
    args = _parser().parse_args()
    setup = Setup(args.requests, args.concurrency, args.seed, args.timeout, args.deadline, args.slow_delay, args.max_seconds)
    report = run(setup)
    print_report(report)
    passed = check_targets(report, setup)
    return 0 if passed or args.no_check else 1


def _parser() -> argparse.ArgumentParser:
    defaults = Setup()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=defaults.requests, help="articles to send")
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency, help="requests in flight")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the chat server's draws")
    parser.add_argument("--timeout", type=float, default=defaults.timeout, help="SUMMARIZER_TIMEOUT, seconds")
    parser.add_argument("--deadline", type=float, default=defaults.deadline, help="SUMMARIZER_DEADLINE, seconds")
    parser.add_argument("--slow-delay", type=float, default=defaults.slow_delay, help="delay of a slow reply, seconds")
    parser.add_argument("--max-seconds", type=float, default=defaults.max_seconds, help="stop sending after this long")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    return parser


# --- the faulty model -------------------------------------------------------------------------


def _malformed(rng: random.Random) -> Reply:
    variants = (
        repr(seed_answer()),
        json.dumps(seed_answer()).replace('", "', '" "', 1),
        "I am sorry, but I cannot summarize this article as JSON.",
    )
    return Reply(content=rng.choice(variants))


def _ungrounded(rng: random.Random) -> Reply:
    answer = seed_answer()
    if rng.random() < 0.5:
        quote = f"{INVENTED_PERSON} said the strike was a warning"
        answer["who"].append({"name": INVENTED_PERSON, "role": "militia commander", "quote": quote})
    else:
        answer["who"][0]["quote"] = INVENTED_QUOTE
    return Reply.json(answer)


def faulty_model(seed: int, slow_delay: float) -> MixedReplies:
    """The chat server's fallback: a seeded draw per call, counted by kind."""
    replies: dict[str, Callable[[random.Random], Reply]] = {
        "malformed": _malformed,
        "ungrounded": _ungrounded,
        "error_500": lambda rng: Reply.error(500),
        "rate_limited": lambda rng: Reply.error(429, "slow down", headers={"Retry-After": "1"}),
        "slow": lambda rng: Reply.json(seed_answer(), delay=slow_delay),
        "good": lambda rng: Reply.json(seed_answer()),
    }
    return MixedReplies(BAD_REPLIES, replies, seed)


# --- the service, served in a thread --------------------------------------------------------


def _service(chat_url: str, setup: Setup) -> uvicorn.Config:
    settings = load_settings(
        backend="openai", base_url=chat_url, model="test-model", api_keys=(), rate_limit="off",
        max_attempts=MAX_ATTEMPTS, timeout=setup.timeout, deadline=setup.deadline,
        cache_url="off",  # every request must meet the faulty model, not an earlier answer
    )
    return uvicorn_config(create_app(settings), settings, log_level="warning")


# --- sending and judging --------------------------------------------------------------------


@dataclass
class Report:
    drawn: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    attempts: Counter[int] = field(default_factory=Counter)  # meta.attempts of the 200s
    durations: list[float] = field(default_factory=list)
    bad_errors: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return self.statuses.total()

    @property
    def ok_share(self) -> float:
        ok = sum(count for attempts, count in self.attempts.items() if attempts <= MAX_ATTEMPTS)
        return ok / max(self.sent, 1)

    def judge(self, status: int, text: str, seconds: float) -> None:
        self.statuses[status] += 1
        self.durations.append(seconds)
        body = json_or_none(text)
        if status == 200:
            self.attempts[body["meta"]["attempts"]] += 1
            self.invented.extend(ungrounded_items(body, SEED_ARTICLE))
            self.invented.extend(f"{s!r} in a 200 body" for s in INVENTED_TEXT if s.casefold() in text.casefold())
        elif problem := failure_problem(status, body, FAILURE_STATUSES):
            self.bad_errors.append(problem)


def run(setup: Setup) -> Report:
    """Send setup.requests articles through the service against the faulty model."""
    logging.getLogger("service").setLevel(logging.ERROR)  # 5xx are expected here; do not log each one
    model = faulty_model(setup.seed, setup.slow_delay)
    chat = ChatServer(fallback=model).start()
    report = Report()
    started = time.monotonic()
    try:
        with serve_in_thread(_service(chat.base_url, setup)) as url:
            asyncio.run(_send_all(url, setup, report))
    finally:
        chat.stop()
    report.drawn = model.drawn
    report.seconds = time.monotonic() - started
    return report


async def _send_all(url: str, setup: Setup, report: Report) -> None:
    pending = iter(range(setup.requests))
    stop_at = time.monotonic() + setup.max_seconds
    limits = httpx.Limits(max_connections=setup.concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=setup.deadline + 30) as client:

        async def worker() -> None:
            for _ in pending:
                if time.monotonic() > stop_at:
                    return
                sent = time.monotonic()
                response = await client.post("/v1/summaries", json={"text": SEED_ARTICLE})
                report.judge(response.status_code, response.text, time.monotonic() - sent)

        await asyncio.gather(*(worker() for _ in range(setup.concurrency)))


# --- report -------------------------------------------------------------------------------


def print_report(report: Report) -> None:
    calls = report.drawn.total()
    print(f"{report.sent} requests in {report.seconds:.1f} s; {calls} model calls\n")
    print(f"{'model reply':<14}{'calls':>7}{'share':>8}")
    for kind in ("good", *(kind for kind, _ in BAD_REPLIES)):
        print(f"{kind:<14}{report.drawn[kind]:>7}{report.drawn[kind] / max(calls, 1):>8.1%}")
    print("\nstatus counts: " + ", ".join(f"{status}: {count}" for status, count in sorted(report.statuses.items())))
    print("attempts of the 200s: " + ", ".join(f"{a}: {count}" for a, count in sorted(report.attempts.items())))
    print()
    for problem in (report.bad_errors + report.invented)[:10]:
        print(f"  ! {problem}")


def check_targets(report: Report, setup: Setup) -> bool:
    """Print each target with its figure; True when all are met."""
    longest = max(report.durations, default=0.0)
    limit = setup.deadline + DEADLINE_SLACK
    failed = report.sent - report.statuses[200]
    checks = [
        ("requests sent", f"{report.sent}", f"== {setup.requests}", report.sent == setup.requests),
        ("share of 200 within 3 attempts", f"{report.ok_share:.1%}", f">= {MIN_OK_SHARE:.0%}", report.ok_share >= MIN_OK_SHARE),
        ("failures that are 5xx + envelope", f"{failed - len(report.bad_errors)}/{failed}", "all", not report.bad_errors),
        ("longest request", f"{longest:.2f} s", f"<= {limit:g} s", longest <= limit),
        ("invented text returned", str(len(report.invented)), "0", not report.invented),
    ]
    return print_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
