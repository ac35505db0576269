"""Reliability of the service against a chat model that answers badly 40% of the time.

The chat server (tests/chat_server.py) answers each model call, drawn from a
seeded random.Random:

    15%  malformed JSON text (a Python repr, a missing comma, or prose)
    10%  truncated: finish_reason "length" and the JSON cut off
    15%  ungrounded: the seed answer plus an invented person, place, denial
         party or quote that the article does not contain
    60%  the good seed answer

The service runs in process (fastapi TestClient) with SUMMARIZER_MAX_ATTEMPTS=3
and N articles are sent one after another, so the draws and the figures are the
same on every run with the same --seed. It reports the replies drawn, the
model calls per request (counted at the chat server) by HTTP status, and:

Targets (exit status 1 when one is missed, unless --no-check):
    share of 200 responses                                        >= 88%
    non-200 responses that are 502 with the error envelope
        {"error": {"code", "message", "details"}}                 all
    invented text returned: a 200 whose who/where name or denial
        party is not in the article, or whose evidence quote is not
        article[start:end]; or any response containing an invented
        name or quote                                             0

    python -m bench.reliability [--requests 500] [--seed 20240601] [--no-check]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from bench.checks import print_checks
from service.config import load_settings
from service.http.app import create_app
from tests.support.articles import SEED_ARTICLE, seed_answer
from tests.support.bad_replies import (
    INVENTED_PARTY,
    INVENTED_PERSON,
    INVENTED_PLACE,
    INVENTED_QUOTE,
    malformed,
    truncated,
    with_invented_party,
    with_invented_person,
    with_invented_place,
    with_invented_quote,
)
from tests.support.chat_server import ChatServer, MixedReplies, Reply
from tests.support.contract import failure_problem, json_or_none, ungrounded_items
from tests.support.environment import set_environment

MAX_ATTEMPTS = 3
MIN_OK_SHARE = 0.88
# Probabilities of each kind of bad reply; the rest are good.
BAD_REPLIES = (("malformed", 0.15), ("truncated", 0.10), ("ungrounded", 0.15))

INVENTED_TEXT = (INVENTED_PERSON, INVENTED_PLACE, INVENTED_PARTY, INVENTED_QUOTE)


def main() -> int:
    args = _parser().parse_args()
    run = _run(args)
    _print_report(run)
    passed = _print_checks(run, args.requests)
    return 0 if passed or args.no_check else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="articles to send (default 500)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the chat server's draws")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop sending after this long (default 300)")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    return parser


# --- the unreliable model -----------------------------------------------------------------


UNGROUNDED = (with_invented_person, with_invented_place, with_invented_party, with_invented_quote)


def _ungrounded(rng: random.Random) -> Reply:
    answer = seed_answer()
    rng.choice(UNGROUNDED)(answer)
    return Reply.json(answer)


REPLIES: dict[str, Callable[[random.Random], Reply]] = {
    "malformed": malformed,
    "truncated": truncated,
    "ungrounded": _ungrounded,
    "good": lambda rng: Reply.json(seed_answer()),
}


# --- sending and judging --------------------------------------------------------------------


@dataclass
class Run:
    drawn: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    attempts: Counter[tuple[int, int]] = field(default_factory=Counter)  # (model calls, status)
    bad_errors: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return self.statuses.total()


def _run(args: argparse.Namespace) -> Run:
    _set_environment()
    model = MixedReplies(BAD_REPLIES, REPLIES, args.seed)
    chat = ChatServer(fallback=model).start()
    os.environ["SUMMARIZER_BASE_URL"] = chat.base_url
    run = Run()
    started = time.monotonic()
    try:
        # A server exception becomes the 500 a caller would see, and is counted as one.
        with TestClient(create_app(load_settings()), raise_server_exceptions=False) as client:
            for _ in range(args.requests):
                if time.monotonic() - started > args.max_seconds:
                    break
                calls_before = model.calls
                response = client.post("/v1/summaries", json={"text": SEED_ARTICLE})
                _judge(run, response.status_code, response.text, model.calls - calls_before)
    finally:
        chat.stop()
    run.drawn = model.drawn
    run.seconds = time.monotonic() - started
    return run


def _set_environment() -> None:
    # The cache is off: every request must meet the unreliable model, not an earlier answer.
    set_environment(model="test-model", max_attempts=str(MAX_ATTEMPTS), cache_url="off")
    logging.getLogger("service").setLevel(logging.ERROR)  # 502s are expected here; do not log each one


def _judge(run: Run, status: int, text: str, calls: int) -> None:
    run.statuses[status] += 1
    run.attempts[calls, status] += 1
    body = json_or_none(text)
    if status == 200:
        run.invented.extend(ungrounded_items(body, SEED_ARTICLE))
    elif problem := failure_problem(status, body, (502,)):
        run.bad_errors.append(problem)
    folded = text.casefold()
    run.invented.extend(f"{invented!r} in a {status} body" for invented in INVENTED_TEXT if invented.casefold() in folded)


# --- report -------------------------------------------------------------------------------


def _print_report(run: Run) -> None:
    calls = run.drawn.total()
    print(f"{run.sent} requests in {run.seconds:.1f} s; {calls} model calls\n")
    print(f"{'model reply':<14}{'calls':>7}{'share':>8}")
    for kind in REPLIES:
        print(f"{kind:<14}{run.drawn[kind]:>7}{run.drawn[kind] / max(calls, 1):>8.1%}")
    print()
    statuses = sorted(run.statuses)
    print(f"{'model calls':<14}{'requests':>9}" + "".join(f"{status:>7}" for status in statuses))
    for attempts in range(1, max((a for a, _ in run.attempts), default=0) + 1):
        row = [run.attempts[attempts, status] for status in statuses]
        print(f"{attempts:<14}{sum(row):>9}" + "".join(f"{count:>7}" for count in row))
    print()
    for problem in (run.bad_errors + run.invented)[:10]:
        print(f"  ! {problem}")


def _print_checks(run: Run, requested: int) -> bool:
    """Print each target with its figure; True when all are met."""
    ok_share = run.statuses[200] / max(run.sent, 1)
    failed = run.sent - run.statuses[200]
    checks = [
        ("requests sent", f"{run.sent}", f"== {requested}", run.sent == requested),
        ("share of 200", f"{ok_share:.1%}", f">= {MIN_OK_SHARE:.0%}", ok_share >= MIN_OK_SHARE),
        ("non-200 that are 502 + envelope", f"{failed - len(run.bad_errors)}/{failed}", "all", not run.bad_errors),
        ("invented text returned", str(len(run.invented)), "0", not run.invented),
    ]
    return print_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
