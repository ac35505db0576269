"""Serving an app for real, on 127.0.0.1, in a thread of the calling process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

import uvicorn

STARTUP_SECONDS = 10


@contextmanager
def serve_in_thread(config: uvicorn.Config) -> Iterator[str]:
    """Run uvicorn with this configuration on a free port until the block ends; yields the base URL."""
    # Marked as TCP so that asyncio sets TCP_NODELAY on its connections; otherwise every
    # answer on a kept-alive connection waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = time.monotonic()
    while not server.started:
        if not thread.is_alive() or time.monotonic() - started > STARTUP_SECONDS:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)


def serve_for_parent(conn: Connection, config: uvicorn.Config) -> None:
    """In a child process: serve, send the base URL to the parent, and stop once the parent closes its end."""
    with serve_in_thread(config) as url:
        conn.send(url)
        try:
            conn.recv()
        except EOFError:
            pass
