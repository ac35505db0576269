"""The service against a chat model that fails in every way at once (bench/faults.py, bounded; the scenario is tests/support/faults.py).

60 requests, 10 in flight, SUMMARIZER_TIMEOUT=0.5, SUMMARIZER_DEADLINE=4, slow
replies 1 s late; the chat server draws malformed JSON 15%, ungrounded 5%,
HTTP 500 5%, 429 with Retry-After: 1 5%, slow 5%, else the good answer.
Targets: >= 95% of requests are 200 within 3 attempts; every failure is a
502/503/504 error envelope; no request outlives the deadline by more than 2 s;
nothing invented is returned. Runs in a few seconds.
"""

from __future__ import annotations

from .support.faults import DEADLINE_SLACK, MIN_OK_SHARE, Setup, run

SETUP = Setup(requests=60, concurrency=10, seed=20240601, timeout=0.5, deadline=4.0, slow_delay=1.0, max_seconds=45.0)


def test_faulty_model_is_survived_within_the_targets() -> None:
    report = run(SETUP)
    assert report.sent == SETUP.requests
    drawn = report.drawn
    assert all(drawn[kind] for kind in ("malformed", "ungrounded", "error_500", "rate_limited", "slow")), drawn
    assert report.ok_share >= MIN_OK_SHARE, (report.statuses, report.attempts)
    assert report.bad_errors == []
    assert max(report.durations) <= SETUP.deadline + DEADLINE_SLACK
    assert report.invented == []
