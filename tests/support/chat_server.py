"""A scriptable OpenAI-compatible chat server on 127.0.0.1, run in a thread.

Tests queue replies with `enqueue(...)`; benchmarks set `fallback` to answer
every request without a script. Each request's JSON body is kept in `received`.
With an `upstream` base URL it stands in front of a real model server: what is
not scripted is passed on, and each status and body that server answered is kept
in `forwarded`, so a test sees what was asked and what the real server said.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .serving import serve_in_thread


@dataclass
class Reply:
    """One scripted answer of the server."""

    content: str | None = None
    status: int = 200
    finish_reason: str = "stop"
    refusal: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    error_body: Any = None
    usage: tuple[int, int] = (120, 60)

    @classmethod
    def json(cls, answer: Any, **options: Any) -> Reply:
        return cls(content=json.dumps(answer, ensure_ascii=False), **options)

    @classmethod
    def error(cls, status: int, message: str = "scripted failure", **options: Any) -> Reply:
        body = {"error": {"message": message, "type": "server_error", "code": None}}
        return cls(status=status, error_body=body, **options)


class MixedReplies:
    """A fallback that draws each reply's kind from a seeded mix, and counts what it drew.

    `mix` gives the probability of each bad kind; "good" takes the rest.
    """

    def __init__(self, mix: Sequence[tuple[str, float]], replies: Mapping[str, Callable[[random.Random], Reply]], seed: int):
        self.mix = mix
        self.replies = replies
        self.rng = random.Random(seed)
        self.drawn: Counter[str] = Counter()

    @property
    def calls(self) -> int:
        return self.drawn.total()

    def __call__(self, body: dict[str, Any]) -> Reply:
        kind = self._draw()
        self.drawn[kind] += 1
        return self.replies[kind](self.rng)

    def _draw(self) -> str:
        point = self.rng.random()
        for kind, probability in self.mix:
            if point < probability:
                return kind
            point -= probability
        return "good"


@dataclass(frozen=True)
class Forwarded:
    """One answer of the upstream server, as it came."""

    status: int
    text: str


class ChatServer:
    def __init__(self, fallback: Callable[[dict[str, Any]], Reply] | None = None, upstream: str | None = None) -> None:
        self.script: deque[Reply] = deque()
        self.received: list[dict[str, Any]] = []
        self.fallback = fallback
        self.upstream = upstream
        self.forwarded: list[Forwarded] = []
        self._lock = threading.Lock()
        self._running = ExitStack()
        self.base_url = ""

    def enqueue(self, *replies: Reply | dict[str, Any]) -> ChatServer:
        with self._lock:
            self.script.extend(r if isinstance(r, Reply) else Reply.json(r) for r in replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.received.clear()
            self.forwarded.clear()
            self.fallback = None

    def start(self) -> ChatServer:
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off", backlog=4096, timeout_keep_alive=30)
        self.base_url = self._running.enter_context(serve_in_thread(config)) + "/v1"
        return self

    def stop(self) -> None:
        self._running.close()

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "test-model", "object": "model", "owned_by": "tests"}]})

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.received.append(body)
            reply = self.script.popleft() if self.script else None
        if reply is None and self.fallback is not None:
            reply = self.fallback(body)
        if reply is None and self.upstream is not None:
            return await self._forward(body)
        if reply is None:
            reply = Reply.error(500, "no scripted reply left")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            return JSONResponse(reply.error_body, status_code=reply.status, headers=reply.headers)
        return JSONResponse(_completion(body, reply), headers=reply.headers)


    async def _forward(self, body: dict[str, Any]) -> Response:
        async with httpx.AsyncClient(timeout=None) as client:
            answer = await client.post(f"{self.upstream}/chat/completions", json=body)
        with self._lock:
            self.forwarded.append(Forwarded(answer.status_code, answer.text))
        return Response(answer.content, status_code=answer.status_code, media_type="application/json")


def serve_chat_for_parent(conn: Connection, fallback: Callable[[dict[str, Any]], Reply]) -> None:
    """In a child process (serving.child_server): a chat server answering every call with `fallback`,
    until the parent closes its end of the pipe."""
    server = ChatServer(fallback=fallback).start()
    conn.send(server.base_url)
    with contextlib.suppress(EOFError):
        conn.recv()
    server.stop()


def _completion(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    prompt_tokens, completion_tokens = reply.usage
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "test-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": reply.refusal},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
