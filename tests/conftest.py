"""The suite's fixtures; what tests import lives in tests/support."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from service.config import load_settings
from service.http.app import create_app
from service.nlp import Proposer

from .support.chat_server import ChatServer
from .support.environment import setting_names
from .support.fakes import FakeBackend
from .support.redis_server import running_redis


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
    for name in setting_names():
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def service_on(chat: ChatServer, settings_env: pytest.MonkeyPatch) -> Callable[..., TestClient]:
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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One redis-server on loopback for the session; each test that uses it empties it first."""
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A job store's URL, once for a SQLite file and once for the session's Redis."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        return url
    return f"sqlite:///{tmp_path}/jobs.sqlite3"
