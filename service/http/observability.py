"""What operators see: Prometheus metrics, and one JSON log line per request with its request id.

The request id is the client's X-Request-ID when it sends a sane one, else a new one; it
is returned in X-Request-ID and written in the log line, so that a CMS's own logs and
ours can be joined. The log line never holds the article, the answer or any key. A failed
request's line holds its error code and, when a model server caused it, what that server
said: the one place where that text goes, as error envelopes carry only the service's words.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any, TextIO

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from ..backends.base import Usage

request_log = logging.getLogger("service.requests")

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    """The service's metrics, in a registry of their own so that several apps can share a process."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "summarizer_requests", "HTTP requests by route and status.", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "summarizer_request_seconds", "HTTP request latency.", ["route"], buckets=_SECONDS, registry=self.registry
        )
        self.model_calls = Counter(
            "summarizer_model_calls",
            "Model calls by outcome: ok, a rejected answer's code, or transport_error.",
            ["outcome"],
            registry=self.registry,
        )
        self.attempts = Histogram(
            "summarizer_attempts_per_request", "Model answers per summarized article.",
            buckets=(1, 2, 3, 4, 5, 10), registry=self.registry,
        )
        self.tokens = Counter("summarizer_tokens", "Model tokens, by kind.", ["kind"], registry=self.registry)
        self.cache = Counter(
            "summarizer_cache_lookups", "Result cache lookups: hit, miss, or error (the cache was bypassed).",
            ["result"], registry=self.registry,
        )

    def model_call(self, outcome: str, usage: Usage) -> None:
        self.model_calls.labels(outcome).inc()
        self.tokens.labels("prompt").inc(usage.prompt_tokens)
        self.tokens.labels("completion").inc(usage.completion_tokens)

    def request_done(self, attempts: int) -> None:
        self.attempts.observe(attempts)

    def cache_lookup(self, result: str) -> None:
        self.cache.labels(result).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class Observed:
    """ASGI middleware: request id, request metrics and the request's log line."""

    def __init__(self, app: Any, metrics: Metrics, backend_label: Any) -> None:
        self.app = app
        self.metrics = metrics
        self.backend_label = backend_label

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: dict[str, Any], status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.requests.labels(route, str(status)).inc()
        self.metrics.latency.labels(route).observe(seconds)
        if request_log.isEnabledFor(logging.INFO):
            fields = {
                "request_id": scope["state"]["request_id"],
                "method": scope["method"],
                "path": route,
                "status": status,
                "latency_ms": round(seconds * 1000, 1),
                **self.backend_label(),
                **scope["state"].get("summary", {}),
                **scope["state"].get("failure", {}),
            }
            request_log.info("%s %s %d", scope["method"], route, status, extra={"fields": fields})


def log_requests_as_json_lines(stream: TextIO | None = None) -> None:
    """Send the request log to the stream (standard error by default), one JSON object a line, with its time."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False


class JsonLines(logging.Formatter):
    """A record as one JSON object: its time (UTC) and its fields."""

    def format(self, record: logging.LogRecord) -> str:
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        return json.dumps({"time": moment, **getattr(record, "fields", {"message": record.getMessage()})})


def _request_id(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given: str = value.decode("latin-1")
            if _SANE_ID.match(given):
                return given
    return uuid.uuid4().hex
