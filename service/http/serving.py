"""How the service is served: one uvicorn configuration for `summarizer serve` and every harness."""

from __future__ import annotations

from typing import Any

import uvicorn

from ..config import Settings

# Longer than clients keep idle pooled connections (httpx: 5 s), so that the client, not
# the server, closes an idle one: a request is never sent on a connection being closed.
KEEP_ALIVE_SECONDS = 75
BACKLOG = 2048


def uvicorn_config(app: Any, settings: Settings, **listen: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app; on SIGTERM it lets requests in flight finish within the grace."""
    return uvicorn.Config(
        app,
        access_log=False,  # the service writes its own line per request (service.http.observability)
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # Any number of seconds works; uvicorn's annotation says int.
        timeout_graceful_shutdown=settings.shutdown_grace,  # type: ignore[arg-type]
        backlog=BACKLOG,
        **listen,
    )
