"""One request's path: cache → chunks → question → backend → validate → ground → merge.

An article longer than the model's context is split into chunks (chunks.py),
each summarized and grounded on its own and then merged.

The re-ask loop is the second of the two retry layers: it retries answers the
model got wrong, never transport failures (the backend owns those). Every
attempt gets a fresh message list built from the first one, the rejected
answer and what was wrong with it; nothing is appended to a shared list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Protocol, TypeVar

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from .article import Article
from .backends import Backend, ChatRequest, Completion, Message, Usage
from .cache import CacheError, ResultCache, cache_key
from .chunks import MIN_CHUNK_TOKENS, Chunk, merge, split
from .config import Settings
from .errors import (
    AnswerRejected,
    ContextTooLong,
    DeadlineExceeded,
    ModelOutputError,
    SummarizerError,
    Ungrounded,
)
from .ground import ArticleIndex, Grounding, ground
from .nlp import Proposer
from .nlp.language import language_of
from .profile import ModelProfile, profile_for
from .questions import ChosenAnswer, Question, WrittenAnswer
from .resources import AnswerSchema, load_prompts, load_schema
from .validate import check_completion

log = logging.getLogger(__name__)
T = TypeVar("T")

# A re-ask shows the model at most this much of its failed answer and this many problems.
ECHO_CHARS = 6000
ECHO_PROBLEMS = 20
DETAILS_OUTPUT_CHARS = 2000


@dataclass
class _Run:
    """What one request has learnt so far, across its attempts."""

    index: ArticleIndex
    usage: Usage = field(default_factory=Usage)
    rejections: list[AnswerRejected] = field(default_factory=list)
    best: Grounding | None = None
    model: str | None = None
    calls: int = 0

    def accept(self, completion: Completion, question: Question) -> Grounding:
        self.calls += 1
        self.usage += completion.usage
        self.model = completion.model
        try:
            check_completion(completion)
            answer = question.read(completion.text)
            grounding = ground(answer, self.index)
            if grounding.problems:
                self._keep_if_best(grounding)
                raise Ungrounded(grounding.problems, raw=completion.text)
            return grounding
        except AnswerRejected as rejection:
            self.rejections.append(rejection)
            log.info("attempt %d rejected: %s", len(self.rejections), rejection.code)
            raise

    def _keep_if_best(self, grounding: Grounding) -> None:
        if self.best is None or len(grounding.dropped) <= len(self.best.dropped):
            self.best = grounding

    def failure_details(self) -> dict[str, Any]:
        return {
            "attempts": [
                {"attempt": number, "code": rejection.code, "errors": [p.as_dict() for p in rejection.problems]}
                for number, rejection in enumerate(self.rejections, start=1)
            ],
            "last_output": (self.rejections[-1].raw or "")[:DETAILS_OUTPUT_CHARS] if self.rejections else None,
        }


class Observer(Protocol):
    """Told of every model call's outcome, every summary's attempts and every cache lookup (metrics)."""

    def model_call(self, outcome: str, usage: Usage) -> None: ...

    def request_done(self, attempts: int) -> None: ...

    def cache_lookup(self, result: str) -> None: ...


class _Unobserved:
    def model_call(self, outcome: str, usage: Usage) -> None:
        pass

    def request_done(self, attempts: int) -> None:
        pass

    def cache_lookup(self, result: str) -> None:
        pass


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
        self.observer = observer or _Unobserved()
        self.cache = cache
        self.profile = profile or profile_for(backend.name)
        # Every answer may take what its schema needs, or this many tokens when that is more.
        self.min_answer_tokens = min_answer_tokens
        if self.profile.strategy == "choose":
            self.proposer: Proposer | None = proposer or Proposer()
            self.asker: WrittenAnswer | ChosenAnswer = ChosenAnswer(load_prompts("choose-v1"), self.schema, self.proposer)
        else:
            self.proposer = None
            self.asker = WrittenAnswer(load_prompts(), self.schema)
        self._chunk_budget: int | None = None
        # Summaries being made now, by cache key, for requests of the same article meanwhile.
        self._in_the_making: dict[str, asyncio.Future[dict[str, Any]]] = {}

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

    async def summarize(self, article: Article, *, read_cache: bool = True, write_cache: bool = True) -> dict[str, Any]:
        """The grounded summary of one article in the contract's response shape.

        read_cache=False is a client's `Cache-Control: no-cache` (the summary is made
        afresh and stored); write_cache=False is its `no-store`.
        """
        started = time.perf_counter()
        if self.cache is None:
            return await self._summarize_afresh(article, started)
        key = cache_key(
            article, backend=self.backend.name, model=self.backend.model,
            prompt_version=self.asker.prompts.version, schema_version=self.schema.version,
        )
        if read_cache and (stored := await self._cached(self.cache, key) or await self._made_meanwhile(key)):
            return _as_cached(stored, article, started)
        made: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._in_the_making.setdefault(key, made)  # a no-cache request does not wait for another's summary
        try:
            summary = await self._summarize_afresh(article, started)
            stored = {**summary, "meta": {**summary["meta"], "cached_at": _now()}}
            if write_cache:
                await self._store(self.cache, key, stored)
            made.set_result(stored)
            return summary
        finally:
            if not made.done():
                made.cancel()  # those waiting for it make their own
            if self._in_the_making.get(key) is made:
                del self._in_the_making[key]

    async def _made_meanwhile(self, key: str) -> dict[str, Any] | None:
        """The summary of the same article that another request is making now, once made.

        A CMS saves an article again while its last save is still being summarized; the
        second save waits for the first one's summary rather than asking the model again.
        """
        making = self._in_the_making.get(key)
        if making is None:
            return None
        try:
            return await asyncio.shield(making)
        except asyncio.CancelledError:
            if asyncio.current_task().cancelling():
                raise  # this request itself was cancelled
            return None  # the other request failed or went away: this one makes its own

    async def _summarize_afresh(self, article: Article, started: float) -> dict[str, Any]:
        runs: list[_Run] = []
        deadline = asyncio.get_running_loop().time() + self.deadline
        if self.asker.reads_english_only:
            article = replace(article, language=await asyncio.to_thread(language_of, article.text, article.language))
        try:
            async with asyncio.timeout_at(deadline):
                chunks, parts = await self._read_in_chunks(article, runs, deadline)
        except TimeoutError:
            raise DeadlineExceeded(
                f"no usable answer within the {self.deadline:g} s deadline",
                details={"attempts": sum(run.calls for run in runs)},
            ) from None
        grounding = merge(parts)
        calls = sum(run.calls for run in runs)
        usage = sum((run.usage for run in runs), Usage())
        self.observer.request_done(calls)
        return {
            "id": article.id,
            **grounding.fields(),
            **({"article_text": article.text} if article.from_html else {}),
            "meta": {
                "backend": self.backend.name,
                "model": next((run.model for run in runs if run.model), self.backend.model),
                "prompt_version": self.asker.prompts.version,
                "schema_version": self.schema.version,
                "attempts": calls,
                "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens},
                "latency_ms": round((time.perf_counter() - started) * 1000),
                "dropped": grounding.dropped,
                "chunks": len(chunks),
                "cached": False,
                **self._language_meta(article),
            },
        }

    def _language_meta(self, article: Article) -> dict[str, Any]:
        """The language the proposer read the article as, and a warning when it could not read it."""
        if not self.asker.reads_english_only:
            return {}
        meta: dict[str, Any] = {"language": article.language}
        if article.language != "en":
            meta["warnings"] = [{
                "code": "language_not_supported",
                "message": f"the article's language ({article.language}) is not English: names, places and denials "
                "are proposed for English only, so only the lead sentence is given",
            }]
        return meta

    async def _read_in_chunks(self, article: Article, runs: list[_Run], deadline: float) -> tuple[list[Chunk], list[Grounding]]:
        """The article's chunks and their groundings; in smaller chunks when the model's context turns out smaller."""
        if self._chunk_budget is None:
            # The first count waits for an embedded model to load; later counts are quick.
            self._chunk_budget = await asyncio.to_thread(self._article_budget)
        chunks = split(article.text, self._chunk_budget, self.backend.count_tokens)
        while True:
            try:
                return chunks, await self._in_parallel(
                    [lambda chunk=chunk: self._summarize_chunk(article, chunk, runs, deadline) for chunk in chunks]
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

    async def _summarize_chunk(self, article: Article, chunk: Chunk, runs: list[_Run], deadline: float) -> Grounding:
        run = _Run(ArticleIndex(chunk.text, offset=chunk.start))
        runs.append(run)
        question = await self.asker.ask(replace(article, text=chunk.text))
        return await self._attempt_until_accepted(question, run, deadline)

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

    async def _cached(self, cache: ResultCache, key: str) -> dict[str, Any] | None:
        try:
            stored = await cache.get(key)
        except CacheError as exc:
            log.warning("result cache unavailable: %s", exc)
            self.observer.cache_lookup("error")
            return None
        self.observer.cache_lookup("hit" if stored else "miss")
        return stored

    async def _store(self, cache: ResultCache, key: str, stored: dict[str, Any]) -> None:
        try:
            await cache.put(key, stored)
        except CacheError as exc:
            log.warning("result cache unavailable: %s", exc)
            self.observer.cache_lookup("error")

    async def _attempt_until_accepted(self, question: Question, run: _Run, deadline: float) -> Grounding:
        messages = question.messages
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            retry=retry_if_exception_type(AnswerRejected),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        completion = await self.backend.complete(self._request(question, messages, deadline))
                    except SummarizerError:
                        self.observer.model_call("transport_error", Usage())
                        raise
                    try:
                        grounding = run.accept(completion, question)
                    except AnswerRejected as rejection:
                        self.observer.model_call(rejection.code, completion.usage)
                        messages = self._reask_messages(question, rejection)
                        raise
                    self.observer.model_call("ok", completion.usage)
                    return grounding
        except AnswerRejected:
            if run.best is not None:
                return run.best  # its ungrounded items are dropped, never returned
            raise ModelOutputError(
                f"the model gave no valid answer in {self.max_attempts} attempt(s)",
                details=run.failure_details(),
            ) from None
        raise AssertionError("unreachable: tenacity either returns or reraises")

    def _request(self, question: Question, messages: tuple[Message, ...], deadline: float) -> ChatRequest:
        return ChatRequest(
            messages=messages,
            schema=question.schema,
            schema_name=question.schema_name,
            schema_hint=question.schema_hint,
            deadline=deadline,
            max_tokens=max(question.answer_tokens, self.min_answer_tokens),
        )

    @staticmethod
    def _reask_messages(question: Question, rejection: AnswerRejected) -> tuple[Message, ...]:
        errors = "\n".join(f"- {problem}" for problem in rejection.problems[:ECHO_PROBLEMS])
        return (
            *question.messages,
            {"role": "assistant", "content": (rejection.raw or "")[:ECHO_CHARS]},
            {"role": "user", "content": question.prompts.reask.substitute(errors=errors)},
        )


def _as_cached(stored: dict[str, Any], article: Article, started: float) -> dict[str, Any]:
    """A stored summary as this request's answer: its id, no model call, its own latency."""
    meta = {
        **stored["meta"],
        "attempts": 0,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0},
        "latency_ms": round((time.perf_counter() - started) * 1000),
        "cached": True,
    }
    return {**stored, "id": article.id, "meta": meta}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
