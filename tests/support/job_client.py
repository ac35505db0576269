"""A client's side of asynchronous summaries: submit with `Prefer: respond-async`, then poll the job
until it ends, as the contract describes (bench.jobs, bench.long_article_job)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx

from .jobs import ENDED

PREFER_ASYNC = {"Prefer": "respond-async"}


async def wait_for_job(
    client: httpx.AsyncClient, job: dict[str, Any], *, give_up_at: float, first: float = 1.0, most: float = 5.0
) -> dict[str, Any] | None:
    """Poll GET /v1/jobs/{job_id} until the job ends, at an interval growing from `first` to `most` seconds.

    Its last document; None when the service no longer knows the job (404) or it has not ended by
    `give_up_at` (time.monotonic()): a lost job. A poll that gets no answer, or a 5xx, is tried again.
    """
    interval = first
    while job["status"] not in ENDED:
        if time.monotonic() + interval > give_up_at:
            return None
        await asyncio.sleep(interval)
        interval = min(interval * 1.5, most)
        try:
            response = await client.get(f"/v1/jobs/{job['job_id']}")
        except httpx.TransportError:
            continue
        if response.status_code == 404:
            return None
        if response.status_code == 200:
            job = response.json()
        elif response.status_code < 500:
            response.raise_for_status()
    return job


def stamp(rfc3339: str) -> float:
    """A job document's created_at or updated_at, as seconds since the epoch."""
    return datetime.fromisoformat(rfc3339).timestamp()


def job_seconds(job: dict[str, Any]) -> float:
    """From a job's submission to its last change (its end, once it has ended), by the service's clock."""
    return stamp(job["updated_at"]) - stamp(job["created_at"])
