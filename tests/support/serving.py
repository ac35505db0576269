"""Serving an app for real on 127.0.0.1: in a thread of the calling process, or in a child process."""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import uvicorn

STARTUP_SECONDS = 10
CHILD_STARTUP_SECONDS = 20.0
CHILD_STOP_SECONDS = 10.0


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
        with suppress(EOFError):
            conn.recv()


@dataclass
class Child:
    url: str
    pid: int
    conn: Connection


@contextmanager
def child_server(target: Callable[..., None], *args: Any) -> Iterator[Child]:
    """Run a server in a spawned process until the block ends; yields its URL, pid and pipe.

    The target is called as target(conn, *args) and sends its URL on conn once it serves
    (serve_for_parent does).
    """
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    process = context.Process(target=target, args=(child_end, *args), daemon=True)
    process.start()
    child_end.close()
    try:
        if not parent_end.poll(CHILD_STARTUP_SECONDS):
            raise RuntimeError(f"{target.__name__} did not report its URL in {CHILD_STARTUP_SECONDS:g} s")
        try:
            url = parent_end.recv()
        except EOFError:
            raise RuntimeError(f"{target.__name__} exited before it started") from None
        yield Child(url, process.pid, parent_end)
    finally:
        parent_end.close()
        process.join(CHILD_STOP_SECONDS)
        if process.is_alive():
            process.terminate()
            process.join()


@contextmanager
def summarizer_serve(environment: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`summarizer serve` on the port, once it answers /healthz; killed at the end if still running."""
    command = [str(Path(sys.executable).with_name("summarizer")), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert server.poll() is None, "summarizer serve exited at start-up"
                assert time.monotonic() < deadline, "summarizer serve did not start"
                time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(10)
