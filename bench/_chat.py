"""The test chat server for benchmarks, with TCP_NODELAY on its connections.

tests/chat_server.py binds `socket.socket()`, whose proto is 0. asyncio sets
TCP_NODELAY only on accepted sockets whose proto is IPPROTO_TCP, so without it
every response on a kept-alive connection waits about 40 ms for a delayed ACK
(Nagle's algorithm) and latency figures measure that instead of the code.
Until ChatServer binds `socket.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)`
itself, it is given such a socket here.
"""

from __future__ import annotations

import functools
import socket
import types
from typing import Any, Callable
from unittest import mock

import tests.chat_server as chat_server
from tests.chat_server import ChatServer, Reply

_tcp_socket = functools.partial(socket.socket, socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)


def start_chat_server(fallback: Callable[[dict[str, Any]], Reply]) -> ChatServer:
    """A started ChatServer answering every request with `fallback(body)`."""
    server = ChatServer()
    server.fallback = fallback
    with mock.patch.object(chat_server, "socket", types.SimpleNamespace(socket=_tcp_socket)):
        server.start()
    return server
