"""Fault tolerance of the service against a chat model that fails in every way at once.

The local chat server (tests/support/chat_server.py, with the scenario of
tests/support/faults.py) answers each model call with a
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

    python -m bench.faults [--requests 1000] [--concurrency 20] [--seed 7] [--timeout 0.5]
                           [--deadline 4] [--slow-delay 1] [--max-seconds 300] [--no-check]
"""

from __future__ import annotations

import argparse
import sys

from bench.checks import print_checks
from tests.support.faults import BAD_REPLIES, DEADLINE_SLACK, MIN_OK_SHARE, Report, Setup, run


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
