from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import load_settings
from service.nlp import Proposer

from .chat_server import ChatServer
from .fakes import FakeBackend

DATA = Path(__file__).parent / "data"
SEED_ARTICLE = (DATA / "seed_article.txt").read_text(encoding="utf-8")

# A correct answer for the seed article, as a careful model would give it.
SEED_ANSWER: dict[str, Any] = {
    "who": [
        {"name": "Israel", "role": "denied involvement in the attack",
         "quote": "Israel has denied any involvement with the attack in Iraq"},
        {"name": "Popular Mobilization Forces", "role": "militia group whose base was hit",
         "quote": "which is used by the Popular Mobilization Forces (PMF)"},
        {"name": "Mohammed Shia al-Sudani", "role": "Iraqi Prime Minister; ordered an investigation",
         "quote": "Iraqi Prime Minister Mohammed Shia al-Sudani ordered an investigation into the explosion."},
    ],
    "what": {"text": "Missiles hit Kalsu Base, a base of a pro-Iranian militia in Iraq, killing two fighters.",
             "quote": "A base of a pro-Iranian militia in Iraq was hit by missiles on Sunday night"},
    "where": [{"name": "Kalsu Base", "quote": "The strike targeted Kalsu Base, south of Baghdad"},
              {"name": "Iraq", "quote": "A base of a pro-Iranian militia in Iraq was hit by missiles"}],
    "denials": [
        {"who": "Israel", "denied": "involvement in the attack in Iraq", "kind": "explicit",
         "quote": "Israel has denied any involvement with the attack in Iraq"},
        {"who": "Popular Mobilization Forces", "denied": "the number of casualties", "kind": "no_comment",
         "quote": "declined to comment on the number of casualties"},
    ],
}


def seed_answer() -> dict[str, Any]:
    return copy.deepcopy(SEED_ANSWER)


@pytest.fixture(scope="session", autouse=True)
def session_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default result cache file lives in this run's temporary folder, never in the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own default result cache, so that no test is answered from another's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer().start()
    yield server
    server.stop()


@pytest.fixture
def chat(chat_server: ChatServer) -> Iterator[ChatServer]:
    chat_server.reset()
    yield chat_server
    chat_server.reset()


@pytest.fixture
def fake() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean SUMMARIZER_* environment for the test."""
    import os

    for name in list(os.environ):
        if name.startswith("SUMMARIZER_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def service_on(chat: ChatServer, settings_env: pytest.MonkeyPatch):
    """Make a TestClient of the real app, configured by SUMMARIZER_* values, against the chat server."""

    def make(**env: str) -> TestClient:
        settings_env.setenv("SUMMARIZER_BASE_URL", chat.base_url)
        settings_env.setenv("SUMMARIZER_MODEL", "test-model")
        for name, value in env.items():
            settings_env.setenv(f"SUMMARIZER_{name.upper()}", value)
        return TestClient(create_app(load_settings()))

    return make


@pytest.fixture
def fake_client(fake: FakeBackend, settings_env: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with TestClient(create_app(load_settings(backend="openai"), backend=fake)) as client:
        yield client


@pytest.fixture(scope="session")
def proposer() -> Proposer:
    """spaCy's pipeline, loaded once for the session."""
    loaded = Proposer()
    loaded.wait()
    return loaded
