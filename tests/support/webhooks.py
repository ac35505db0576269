"""A webhook receiver on loopback that verifies every signature with standardwebhooks, and its secret."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """A webhook receiver on loopback: it verifies each POST with standardwebhooks and answers the
    scripted statuses in turn (a status, or a status and a Retry-After), then 204. A 3xx
    answer points back at the receiver itself."""

    script: list[int | tuple[int, str]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        receiver = self
        verifier = Webhook(SECRET)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    verifier.verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                receiver.received.append(Received(headers, body, verified))
                answer = receiver.script.pop(0) if receiver.script else 204
                status, retry_after = answer if isinstance(answer, tuple) else (answer, None)
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                if 300 <= status < 400:  # a sender that followed it would POST here a second time
                    self.send_header("Location", self.path + "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_port}/hooks/summaries"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
