"""The result cache: an article summarized before is answered again without a model call.

A CMS saves the same article many times while it is edited. The key is a hash
of everything the summary depends on: the article (text, title, language and
whether it came as HTML), the backend and model, and the prompt and schema
versions; a new model or prompt therefore never serves an old summary.

- SQLiteCache: a file, the default. No set-up; WAL mode lets several worker
  processes of one machine share it.
- RedisCache: SUMMARIZER_CACHE_URL=redis://host:6379/0, so that many replicas
  share one cache. Entries expire through Redis's own TTL.

A cache that fails (a full disk, Redis down) raises CacheError, which the
pipeline logs and counts and then carries on without: the cache never fails a
request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import redis
import redis.asyncio

from ..article import Article
from ..errors import CacheError
from ..summary import SummaryResponse

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

REDIS_PREFIX = "summarizer:result:"
# Expired rows are deleted now and then, not on every write.
SQLITE_PRUNE_EVERY = 500
SQLITE_BUSY_SECONDS = 0.05
REDIS_TIMEOUT_SECONDS = 1.0


class ResultCache(Protocol):
    async def get(self, key: str) -> SummaryResponse | None: ...

    async def put(self, key: str, value: SummaryResponse) -> None: ...

    async def aclose(self) -> None: ...


def cache_key(article: Article, *, backend: str, model: str, prompt_version: str, schema_version: str) -> str:
    what = [article.text, article.title, article.language, article.from_html, backend, model, prompt_version, schema_version]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode("utf-8")).hexdigest()


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsroom-summarizer" / "results.sqlite3"


def open_cache(settings: Settings) -> ResultCache | None:
    """The cache SUMMARIZER_CACHE_URL names: off, redis://, rediss://, sqlite:///PATH or (unset) the default file."""
    url = settings.cache_url
    if url == "off":
        return None
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisCache(url, ttl=settings.cache_ttl)
    path = Path(url.removeprefix("sqlite:///")).expanduser() if url else default_cache_path()
    return SQLiteCache(path, ttl=settings.cache_ttl)


def open_cache_or_none(settings: Settings) -> ResultCache | None:
    """open_cache, or None (logged) when the cache cannot be opened: a cache never stops the service or a batch."""
    try:
        return open_cache(settings)
    except CacheError as exc:
        log.error("running without the result cache, so every article asks the model: %s", exc)
        return None


class SQLiteCache:
    """A SQLite file, read and written on the event loop: a lookup takes microseconds, less than a
    hop to a worker thread, and a write lock held by another process is waited for only briefly."""

    def __init__(self, path: Path, *, ttl: float):
        self.path = path
        self.ttl = ttl
        self._writes = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the cache file {path}: {exc}") from exc

    async def get(self, key: str) -> SummaryResponse | None:
        try:
            row = self._db.execute("SELECT value FROM results WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        except sqlite3.Error as exc:
            raise CacheError(f"cache read failed: {exc}") from exc
        return SummaryResponse.model_validate_json(row[0]) if row else None

    async def put(self, key: str, value: SummaryResponse) -> None:
        now = time.time()
        try:
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (key, _stored(value), now + self.ttl))
            self._writes += 1
            if self._writes % SQLITE_PRUNE_EVERY == 0:
                self._db.execute("DELETE FROM results WHERE expires <= ?", (now,))
        except sqlite3.Error as exc:
            raise CacheError(f"cache write failed: {exc}") from exc

    async def aclose(self) -> None:
        self._db.close()


class RedisCache:
    def __init__(self, url: str, *, ttl: float):
        self.ttl = ttl
        self._redis = redis.asyncio.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )

    async def get(self, key: str) -> SummaryResponse | None:
        try:
            value = await self._redis.get(REDIS_PREFIX + key)
        except (redis.RedisError, OSError) as exc:
            raise CacheError(f"cache read failed: {exc}") from exc
        return SummaryResponse.model_validate_json(value) if value is not None else None

    async def put(self, key: str, value: SummaryResponse) -> None:
        try:
            await self._redis.set(REDIS_PREFIX + key, _stored(value), px=int(self.ttl * 1000))
        except (redis.RedisError, OSError) as exc:
            raise CacheError(f"cache write failed: {exc}") from exc

    async def aclose(self) -> None:
        await self._redis.aclose()


def _stored(summary: SummaryResponse) -> str:
    """A summary as the cache keeps it: its response body, as JSON."""
    return json.dumps(summary.as_body(), ensure_ascii=False)
