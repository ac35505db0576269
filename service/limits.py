"""Per-client request rate limits, as a generic cell rate algorithm (GCRA).

A client may send `count` requests at once and then one every
`seconds / count` seconds; the limiter keeps one timestamp per client.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'120/minute' → Rate(120, 60.0)."""
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise ValueError("expected COUNT/UNIT such as 120/minute (units: second, minute, hour, day)")
        return cls(int(match.group(1)), _UNITS[match.group(2).lower()])

    def __str__(self) -> str:
        unit = next(name for name, seconds in _UNITS.items() if seconds == self.seconds)
        return f"{self.count}/{unit}"


class RateLimiter:
    def __init__(self, rate: Rate, clock=time.monotonic):
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
