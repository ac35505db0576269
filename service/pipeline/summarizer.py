"""One request's path: cache → chunks → question → backend → validate → ground → merge.

An article longer than the model's context is split into chunks (chunks.py),
each summarized and grounded on its own (reask.py) and then merged. The result
cache answers an article summarized before (cache.py), and a request for an
article whose summary is being made waits for it (single_flight.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from ..article import Article
from ..backends.base import Backend, Usage
from ..backends.profile import ModelProfile, profile_for
from ..checks.ground import ArticleIndex, Grounding
from ..config import Settings
from ..errors import CacheError, ContextTooLong, DeadlineExceeded
from ..nlp import Proposer
from ..nlp.language import language_of
from ..summary import Meta, SummaryResponse, SummaryWarning, TokenUsage
from .cache import ResultCache, cache_key
from .chunks import MIN_CHUNK_TOKENS, Chunk, merge, split
from .questions import ChosenAnswer, WrittenAnswer
from .reask import Observer, Reasker, Run, Unobserved
from .resources import AnswerSchema, load_prompts, load_schema
from .single_flight import SingleFlight

log = logging.getLogger(__name__)
T = TypeVar("T")


class Summarizer:
    def __init__(
        self,
        backend: Backend,
        *,
        max_attempts: int = 3,
        deadline: float = 120.0,
        schema: AnswerSchema | None = None,
        observer: Observer | None = None,
        cache: ResultCache | None = None,
        profile: ModelProfile | None = None,
        min_answer_tokens: int = 0,
        proposer: Proposer | None = None,
    ):
        self.backend = backend
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.schema = schema or load_schema()
        self.observer = observer or Unobserved()
        self.cache = cache
        self.profile = profile or profile_for(backend.name)
        self.reasker = Reasker(backend, max_attempts, self.observer, min_answer_tokens)
        self.proposer: Proposer | None = None
        self.asker: WrittenAnswer | ChosenAnswer
        if self.profile.strategy == "choose":
            self.proposer = proposer or Proposer()
            self.asker = ChosenAnswer(load_prompts("choose-v3"), self.schema, self.proposer)
        else:
            self.asker = WrittenAnswer(load_prompts(), self.schema)
        self._chunk_budget: int | None = None
        self._single_flight = SingleFlight()

    @classmethod
    def from_settings(
        cls, backend: Backend, settings: Settings, observer: Observer | None = None, cache: ResultCache | None = None
    ) -> Summarizer:
        profile = profile_for(backend.name, settings.strategy)
        return cls(
            backend,
            max_attempts=settings.max_attempts,
            deadline=settings.deadline,
            observer=observer,
            cache=cache,
            profile=profile,
            min_answer_tokens=settings.max_answer_tokens or 0,
            proposer=Proposer(settings.nlp_model) if profile.strategy == "choose" else None,
        )

    async def ready(self) -> bool:
        """The backend is usable and, when the strategy needs it, the proposer's pipeline has loaded."""
        return await self.backend.ready() and (self.proposer is None or self.proposer.ready())

    async def summarize(
        self, article: Article, *, read_cache: bool = True, write_cache: bool = True, deadline: float | None = None
    ) -> SummaryResponse:
        """The grounded summary of one article, as the response gives it.

        read_cache=False is a client's `Cache-Control: no-cache` (the summary is made
        afresh and stored); write_cache=False is its `no-store`. `deadline` replaces the
        summarizer's own for this article (a job's is SUMMARIZER_JOB_DEADLINE).
        """
        started = time.perf_counter()
        seconds = self.deadline if deadline is None else deadline
        if self.cache is None:
            return await self._summarize_afresh(article, started, seconds)
        key = cache_key(
            article, backend=self.backend.name, model=self.backend.model,
            prompt_version=self.asker.prompts.version, schema_version=self.schema.version,
        )
        if read_cache and (
            stored := await self._cached(self.cache, key) or await self._single_flight.made_meanwhile(key)
        ):
            return _as_cached(stored, article, started)
        with self._single_flight.making(key) as made:
            summary = await self._summarize_afresh(article, started, seconds)
            stored = summary.model_copy(update={"meta": summary.meta.model_copy(update={"cached_at": _now()})})
            if write_cache:
                await self._store(self.cache, key, stored)
            made.set_result(stored)
            return summary

    async def _summarize_afresh(self, article: Article, started: float, seconds: float) -> SummaryResponse:
        runs: list[Run] = []
        deadline = asyncio.get_running_loop().time() + seconds
        if self.asker.reads_english_only:
            article = replace(article, language=await asyncio.to_thread(language_of, article.text, article.language))
        try:
            async with asyncio.timeout_at(deadline):
                chunks, parts = await self._read_in_chunks(article, runs, deadline)
        except TimeoutError:
            raise DeadlineExceeded(
                f"no usable answer within the {seconds:g} s deadline",
                details={"attempts": sum(run.calls for run in runs)},
            ) from None
        grounding = merge(parts)
        calls = sum(run.calls for run in runs)
        usage = sum((run.usage for run in runs), Usage())
        self.observer.request_done(calls)
        meta = Meta(
            backend=self.backend.name,
            model=next((run.model for run in runs if run.model), self.backend.model),
            prompt_version=self.asker.prompts.version,
            schema_version=self.schema.version,
            attempts=calls,
            usage=TokenUsage(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens),
            latency_ms=round((time.perf_counter() - started) * 1000),
            dropped=grounding.dropped,
            chunks=len(chunks),
            cached=False,
        )
        self._add_language(meta, article)
        summary = SummaryResponse(
            id=article.id, who=grounding.who, what=grounding.what, where=grounding.where, denials=grounding.denials,
            meta=meta,
        )
        if article.from_html:
            summary.article_text = article.text  # the text every offset refers to
        return summary

    def _add_language(self, meta: Meta, article: Article) -> None:
        """The language the proposer read the article as, and a warning when it could not read it."""
        if not self.asker.reads_english_only:
            return
        meta.language = article.language
        if article.language != "en":
            meta.warnings = [SummaryWarning(
                code="language_not_supported",
                message=f"the article's language ({article.language}) is not English: names, places and denials "
                "are proposed for English only, so only the lead sentence is given",
            )]

    async def _read_in_chunks(self, article: Article, runs: list[Run], deadline: float) -> tuple[list[Chunk], list[Grounding]]:
        """The article's chunks and their groundings; in smaller chunks when the model's context turns out smaller."""
        if self._chunk_budget is None:
            # The first count waits for an embedded model to load; later counts are quick.
            self._chunk_budget = await asyncio.to_thread(self._article_budget)
        chunks = split(article.text, self._chunk_budget, self.backend.count_tokens)
        while True:
            try:
                return chunks, await self._in_parallel(
                    [partial(self._summarize_chunk, article, chunk, runs, deadline) for chunk in chunks]
                )
            except ContextTooLong:
                smaller = max(self._chunk_budget // 2, MIN_CHUNK_TOKENS)
                smaller_chunks = split(article.text, smaller, self.backend.count_tokens)
                if len(smaller_chunks) == len(chunks):
                    raise  # smaller chunks would not make the prompt any shorter
                log.warning("the model's context is smaller than configured: chunks of %d tokens from now on", smaller)
                self._chunk_budget, chunks = smaller, smaller_chunks

    def _article_budget(self) -> int:
        """The tokens of article that fit the model's context with the question around them."""
        room = self.backend.context_tokens() - self.asker.reserve_tokens(self.backend.count_tokens)
        return max(min(room, self.profile.chunk_tokens or room), MIN_CHUNK_TOKENS)

    async def _summarize_chunk(self, article: Article, chunk: Chunk, runs: list[Run], deadline: float) -> Grounding:
        run = Run(ArticleIndex(chunk.text, offset=chunk.start))
        runs.append(run)
        question = await self.asker.ask(replace(article, text=chunk.text))
        return await self.reasker.until_accepted(question, run, deadline)

    async def _in_parallel(self, jobs: list[Callable[[], Awaitable[T]]]) -> list[T]:
        """The jobs' results in order, at most profile.parallel_calls at a time; the first failure stops them all."""
        if len(jobs) == 1:
            return [await jobs[0]()]
        slots = asyncio.Semaphore(self.profile.parallel_calls)

        async def limited(job: Callable[[], Awaitable[T]]) -> T:
            async with slots:
                return await job()

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(limited(job)) for job in jobs]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _cached(self, cache: ResultCache, key: str) -> SummaryResponse | None:
        try:
            stored = await cache.get(key)
        except CacheError as exc:
            log.warning("result cache unavailable: %s", exc)
            self.observer.cache_lookup("error")
            return None
        self.observer.cache_lookup("hit" if stored else "miss")
        return stored

    async def _store(self, cache: ResultCache, key: str, stored: SummaryResponse) -> None:
        try:
            await cache.put(key, stored)
        except CacheError as exc:
            log.warning("result cache unavailable: %s", exc)
            self.observer.cache_lookup("error")


def _as_cached(stored: SummaryResponse, article: Article, started: float) -> SummaryResponse:
    """A stored summary as this request's answer: its id, no model call, its own latency."""
    meta = stored.meta.model_copy(update={
        "attempts": 0,
        "usage": TokenUsage(prompt_tokens=0, completion_tokens=0),
        "latency_ms": round((time.perf_counter() - started) * 1000),
        "cached": True,
    })
    return stored.model_copy(update={"id": article.id, "meta": meta})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
