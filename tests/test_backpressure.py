"""Backpressure, client disconnects and graceful shutdown, on a real server."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time

import httpx

from service.config import load_settings
from service.http.app import create_app
from service.http.serving import uvicorn_config

from .support.articles import SEED_ARTICLE, seed_answer
from .support.chat_server import Reply
from .support.environment import clean_environment
from .support.serving import free_port, serve_in_thread, summarizer_serve


def test_requests_over_the_inflight_limit_get_503_at_once(fake, settings_env):
    fake.delay = 1.0
    fake.enqueue(seed_answer(), seed_answer())
    settings = load_settings(backend="openai", max_inflight=1)
    app = create_app(settings, backend=fake)

    async def burst(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            first = asyncio.create_task(client.post("/v1/summaries", json={"text": SEED_ARTICLE}))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            second = await client.post("/v1/summaries", json={"text": SEED_ARTICLE})
            assert time.monotonic() - started < 0.5, "refused at once, not queued"
            return [await first, second]

    with serve_in_thread(uvicorn_config(app, settings, log_level="warning")) as url:
        first, second = asyncio.run(burst(url))
    assert first.status_code == 200
    assert second.status_code == 503
    assert second.json()["error"]["code"] == "overloaded"
    assert second.headers["Retry-After"] == "1"
    assert len(fake.requests) == 1


def test_a_client_that_disconnects_stops_the_model_call(fake, settings_env):
    fake.delay = 10.0
    fake.enqueue(seed_answer())
    settings = load_settings(backend="openai")
    app = create_app(settings, backend=fake)
    with serve_in_thread(uvicorn_config(app, settings, log_level="warning")) as url:
        with contextlib.suppress(httpx.ReadTimeout):
            httpx.post(f"{url}/v1/summaries", json={"text": SEED_ARTICLE}, timeout=0.5)
        deadline = time.monotonic() + 3
        while fake.cancelled == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.cancelled == 1, "the model call was left running after the client left"
        assert app.state.inflight == 0


def test_sigterm_lets_requests_in_flight_finish_and_refuses_new_ones(chat):
    port = free_port()
    environment = clean_environment(base_url=chat.base_url, shutdown_grace="10")
    url = f"http://127.0.0.1:{port}"
    with summarizer_serve(environment, port) as server:
        chat.enqueue(Reply.json(seed_answer(), delay=2.0))
        outcome: dict[str, httpx.Response] = {}
        slow = threading.Thread(
            target=lambda: outcome.update(r=httpx.post(f"{url}/v1/summaries", json={"text": SEED_ARTICLE}, timeout=30))
        )
        slow.start()
        time.sleep(0.7)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            refused = httpx.get(f"{url}/healthz", timeout=2).status_code != 200
        except httpx.TransportError:
            refused = True
        slow.join(timeout=30)
        assert outcome["r"].status_code == 200, "the request in flight was cut off"
        assert refused, "a new request was accepted after SIGTERM"
        # uvicorn re-raises the signal once it has shut down cleanly.
        assert server.wait(timeout=15) in (0, -signal.SIGTERM)

