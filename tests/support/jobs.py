"""Waiting for a job of the HTTP API to end, through any client that GETs (TestClient or httpx.Client)."""

from __future__ import annotations

import time
from typing import Any, Protocol

ENDED = ("done", "failed")


class Getter(Protocol):
    def get(self, url: str) -> Any: ...


def ended_job(client: Getter, location: str, *, within: float = 20.0) -> dict[str, Any]:
    """The job document once the job is done or failed; AssertionError if it is not after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        document: dict[str, Any] = client.get(location).json()
        if document["status"] in ENDED:
            return document
        if time.monotonic() > deadline:
            raise AssertionError(f"the job at {location} is still {document['status']} after {within:g} s")
        time.sleep(0.05)
