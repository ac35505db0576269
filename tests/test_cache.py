"""The result cache, against a SQLite file and a real Redis server: hits, bypass, expiry and failure."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from service.article import Article
from service.config import load_settings
from service.errors import BackendUnavailable
from service.http.app import create_app
from service.pipeline.cache import SQLiteCache, cache_key
from service.pipeline.summarizer import Summarizer

from .support.articles import SEED_ARTICLE, seed_answer
from .support.fakes import FakeBackend
from .support.serving import free_port
from .test_observability import metric


@pytest.fixture(params=["sqlite", "redis"])
def cache_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        return url
    return f"sqlite:///{tmp_path}/results.sqlite3"


def client_for(fake: FakeBackend, **settings: object) -> TestClient:
    return TestClient(create_app(load_settings(backend="openai", **settings), backend=fake))


def summarize(client: TestClient, headers: dict[str, str] | None = None, **fields: str):
    response = client.post("/v1/summaries", json={"text": SEED_ARTICLE, **fields}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_repeated_article_is_a_hit_without_a_model_call(fake, cache_url):
    fake.enqueue(seed_answer())
    with client_for(fake, cache_url=cache_url) as client:
        first = summarize(client, id="save-1")
        again = summarize(client, id="save-2")
    assert len(fake.requests) == 1
    assert first["meta"]["cached"] is False and again["meta"]["cached"] is True
    assert again["id"] == "save-2" and again["meta"]["attempts"] == 0
    assert again["meta"]["usage"] == {"prompt_tokens": 0, "completion_tokens": 0}
    assert again["meta"]["cached_at"].endswith("+00:00")
    assert {k: again[k] for k in ("who", "what", "where", "denials")} == {k: first[k] for k in ("who", "what", "where", "denials")}


def test_replicas_share_one_cache(fake, cache_url):
    fake.enqueue(seed_answer())
    with client_for(fake, cache_url=cache_url) as one:
        summarize(one)
    with client_for(FakeBackend(), cache_url=cache_url) as other:  # a model call here would fail: nothing is scripted
        assert summarize(other)["meta"]["cached"] is True


def test_what_the_summary_depends_on_is_in_the_key():
    article = Article(SEED_ARTICLE, title="T")
    base = {"backend": "openai", "model": "m", "prompt_version": "p1", "schema_version": "s1"}
    keys = {
        cache_key(article, **base),
        cache_key(Article(SEED_ARTICLE, title="Other"), **base),
        cache_key(Article(SEED_ARTICLE, title="T", from_html=True), **base),
        cache_key(Article(SEED_ARTICLE + " ", title="T"), **base),
        cache_key(article, **{**base, "model": "m2"}),
        cache_key(article, **{**base, "backend": "llama"}),
        cache_key(article, **{**base, "prompt_version": "p2"}),
        cache_key(article, **{**base, "schema_version": "s2"}),
    }
    assert len(keys) == 8
    assert cache_key(Article(SEED_ARTICLE, title="T", id="other-id"), **base) == cache_key(article, **base)


def test_no_cache_asks_the_model_and_stores_no_store_leaves_no_trace(fake, cache_url):
    fake.enqueue(seed_answer(), seed_answer(), seed_answer())
    with client_for(fake, cache_url=cache_url) as client:
        assert summarize(client, title="A", headers={"Cache-Control": "no-store"})["meta"]["cached"] is False
        assert summarize(client, title="A")["meta"]["cached"] is False
        assert summarize(client, title="A", headers={"Cache-Control": "max-age=0, no-cache"})["meta"]["cached"] is False
        assert summarize(client, title="A")["meta"]["cached"] is True
    assert len(fake.requests) == 3


def test_entries_expire_after_the_ttl(fake, cache_url):
    fake.enqueue(seed_answer(), seed_answer())
    with client_for(fake, cache_url=cache_url, cache_ttl=0.3) as client:
        summarize(client)
        time.sleep(0.5)
        assert summarize(client)["meta"]["cached"] is False
    assert len(fake.requests) == 2


def test_failed_answers_are_not_cached(fake, cache_url):
    fake.enqueue("not json", seed_answer())
    with client_for(fake, cache_url=cache_url, max_attempts=1) as client:
        assert client.post("/v1/summaries", json={"text": SEED_ARTICLE}).status_code == 502
        assert summarize(client)["meta"]["cached"] is False


def test_an_unreachable_redis_never_fails_a_request(fake):
    fake.enqueue(seed_answer(), seed_answer())
    with client_for(fake, cache_url=f"redis://127.0.0.1:{free_port()}/0") as client:
        assert summarize(client)["meta"]["cached"] is False
        assert summarize(client)["meta"]["cached"] is False
        text = client.get("/metrics").text
    assert metric(text, 'summarizer_cache_lookups_total{result="error"}') == 4  # two reads, two writes


def test_an_unusable_cache_file_leaves_the_service_running_without_it(fake, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    fake.enqueue(seed_answer())
    with client_for(fake, cache_url=f"sqlite:///{blocker}/results.sqlite3") as client:
        assert summarize(client)["meta"]["cached"] is False
    assert "running without the result cache" in caplog.text


def test_the_default_cache_is_a_file_in_the_users_cache_folder(fake, cache_home):
    fake.enqueue(seed_answer())
    with client_for(fake) as client:
        summarize(client)
        assert summarize(client)["meta"]["cached"] is True
    assert (cache_home / "newsroom-summarizer" / "results.sqlite3").is_file()


def test_the_cache_can_be_switched_off(fake, cache_home):
    fake.enqueue(seed_answer(), seed_answer())
    with client_for(fake, cache_url="off") as client:
        summarize(client)
        assert summarize(client)["meta"]["cached"] is False
    # The folder still holds the jobs' file; no result is kept.
    assert not list((cache_home / "newsroom-summarizer").glob("results.sqlite3*"))


async def _two_saves_at_once(fake: FakeBackend, tmp_path: Path) -> list:
    summarizer = Summarizer(fake, cache=SQLiteCache(tmp_path / "results.sqlite3", ttl=60))
    fake.delay = 0.2

    async def save(number: int):
        await asyncio.sleep(0.05 * number)  # the second save comes while the first is being summarized
        return (await summarizer.summarize(Article(SEED_ARTICLE, id=f"save-{number}"))).as_body()

    return await asyncio.gather(save(0), save(1), return_exceptions=True)


async def test_a_save_during_the_summary_of_the_last_one_waits_for_it(fake, tmp_path):
    fake.enqueue(seed_answer())
    first, second = await _two_saves_at_once(fake, tmp_path)
    assert len(fake.requests) == 1
    assert first["meta"]["cached"] is False and second["meta"]["cached"] is True
    assert second["id"] == "save-1" and second["who"] == first["who"]


async def test_when_the_first_save_fails_the_waiting_one_asks_the_model_itself(fake, tmp_path):
    fake.enqueue(BackendUnavailable("the model server is down"), seed_answer())
    first, second = await _two_saves_at_once(fake, tmp_path)
    assert isinstance(first, BackendUnavailable)
    assert second["meta"]["cached"] is False and second["meta"]["attempts"] == 1
    assert len(fake.requests) == 2
