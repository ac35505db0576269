"""A backend that answers from a script, for tests of everything above the backend."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

from service.backends.base import ChatRequest, Completion, Usage


class FakeBackend:
    name = "fake"
    model = "fake-model"

    def __init__(self) -> None:
        self.script: deque[Completion | Exception] = deque()
        self.requests: list[ChatRequest] = []
        self.is_ready = True
        self.closed = False
        self.delay = 0.0
        self.cancelled = 0
        # Tokens here are characters, so a test can size chunks exactly.
        self.context = 100_000

    def context_tokens(self) -> int:
        return self.context

    def count_tokens(self, text: str) -> int:
        return len(text)

    def enqueue(self, *replies: Completion | Exception | dict[str, Any] | str) -> FakeBackend:
        """Queue answers: a dict is sent as JSON, a str as is, an exception is raised."""
        for reply in replies:
            if isinstance(reply, dict):
                reply = json.dumps(reply)
            if isinstance(reply, str):
                reply = Completion(text=reply, model=self.model, usage=Usage(10, 5))
            self.script.append(reply)
        return self

    async def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if not self.script:
            raise AssertionError("FakeBackend was called more often than scripted")
        reply = self.script.popleft()
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def ready(self) -> bool:
        return self.is_ready

    async def aclose(self) -> None:
        self.closed = True
