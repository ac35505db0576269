"""The faulty-model scenario: the service against a chat model that fails in every way at once.

The chat server answers each model call with a draw from a seeded random.Random
(BAD_REPLIES, else the good seed answer); the service runs under uvicorn in a
thread of this process, and an httpx.AsyncClient sends the seed article with
several requests in flight. `run` gives a Report of what was drawn and what came
back. bench/faults.py runs it at full size against its targets, and
tests/test_faults.py runs it bounded.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import uvicorn

from service.config import load_settings
from service.http.app import create_app
from service.http.serving import uvicorn_config

from .articles import SEED_ARTICLE, seed_answer
from .bad_replies import INVENTED_PERSON, INVENTED_QUOTE, malformed, with_invented_person, with_invented_quote
from .chat_server import ChatServer, MixedReplies, Reply
from .contract import failure_problem, json_or_none, ungrounded_items
from .serving import serve_in_thread

MAX_ATTEMPTS = 3
MIN_OK_SHARE = 0.95
DEADLINE_SLACK = 2.0
FAILURE_STATUSES = {502, 503, 504}
STARTUP_SECONDS = 10.0
# Probabilities of each kind of bad reply; the rest are good.
BAD_REPLIES = (("malformed", 0.15), ("ungrounded", 0.05), ("error_500", 0.05), ("rate_limited", 0.05), ("slow", 0.05))

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


# --- the faulty model -------------------------------------------------------------------------


def _ungrounded(rng: random.Random) -> Reply:
    answer = seed_answer()
    (with_invented_person if rng.random() < 0.5 else with_invented_quote)(answer)
    return Reply.json(answer)


def faulty_model(seed: int, slow_delay: float) -> MixedReplies:
    """The chat server's fallback: a seeded draw per call, counted by kind."""
    replies: dict[str, Callable[[random.Random], Reply]] = {
        "malformed": malformed,
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
