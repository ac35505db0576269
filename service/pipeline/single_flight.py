"""One summary made at a time per article: a request for an article whose summary is being made waits for it.

A CMS saves an article again while its last save is still being summarized; the
second save waits for the first one's summary rather than asking the model
again. If the first request fails or goes away, the waiting ones make their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from ..summary import SummaryResponse


class SingleFlight:
    """Summaries being made now, by cache key."""

    def __init__(self) -> None:
        self._making: dict[str, asyncio.Future[SummaryResponse]] = {}

    async def made_meanwhile(self, key: str) -> SummaryResponse | None:
        """The summary of the same article that another request is making now, once made; None when there is none."""
        making = self._making.get(key)
        if making is None:
            return None
        try:
            return await asyncio.shield(making)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this request itself was cancelled
            return None  # the other request failed or went away: this one makes its own

    @contextmanager
    def making(self, key: str) -> Iterator[asyncio.Future[SummaryResponse]]:
        """A future for the summary this request makes, which requests of the same article meanwhile wait for."""
        made: asyncio.Future[SummaryResponse] = asyncio.get_running_loop().create_future()
        self._making.setdefault(key, made)  # a no-cache request does not wait for another's summary
        try:
            yield made
        finally:
            if not made.done():
                made.cancel()  # those waiting for it make their own
            if self._making.get(key) is made:
                del self._making[key]
