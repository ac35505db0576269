"""The service in a child process, configured as an operator would (SUMMARIZER_* variables), for
benchmarks that load it from outside and read its memory.

    with child_server(serve_service_for_parent, {"backend": "llama", "jobs_url": "sqlite:///..."}) as service:
        ... service.url ... rss_mb(service.pid)
"""

from __future__ import annotations

import re
from multiprocessing.connection import Connection
from pathlib import Path

from service.config import load_settings
from service.http.app import create_app
from service.http.serving import uvicorn_config

from .environment import set_environment
from .serving import serve_for_parent


def serve_service_for_parent(conn: Connection, settings: dict[str, str]) -> None:
    """In a child process (serving.child_server): the service with exactly these settings ("jobs_url" is SUMMARIZER_JOBS_URL)."""
    set_environment(**settings)
    loaded = load_settings()
    serve_for_parent(conn, uvicorn_config(create_app(loaded), loaded, log_level="warning"))


def rss_mb(pid: int) -> float:
    """A process's resident memory now (VmRSS), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"process {pid} reports no VmRSS")
    return int(match.group(1)) / 1024
