"""Per-client request rate limits (SUMMARIZER_RATE_LIMIT), as a generic cell rate algorithm (GCRA).

A client may send `count` requests at once and then one every
`seconds / count` seconds; the limiter keeps one timestamp per client.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..config import Rate


class RateLimiter:
    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self._interval = rate.seconds / rate.count
        self._clock = clock
        self._next_free: dict[str, float] = {}

    def wait_needed(self, client: str) -> float:
        """0 and the request is counted, or the seconds until this client may send again."""
        now = self._clock()
        if len(self._next_free) > 10_000:
            self._forget_idle(now)
        theoretical = max(self._next_free.get(client, now), now)
        allowed_from = theoretical - self.rate.seconds + self._interval
        if now < allowed_from:
            return allowed_from - now
        self._next_free[client] = theoretical + self._interval
        return 0.0

    def _forget_idle(self, now: float) -> None:
        self._next_free = {client: t for client, t in self._next_free.items() if t > now}
