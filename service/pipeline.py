"""One request's path: question → backend → validate → ground, re-asking while the answer is rejected.

The re-ask loop is the second of the two retry layers: it retries answers the
model got wrong, never transport failures (the backend owns those). Every
attempt gets a fresh message list built from the first one, the rejected
answer and what was wrong with it; nothing is appended to a shared list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from .article import Article
from .backends import Backend, ChatRequest, Completion, Message, Usage
from .config import Settings
from .errors import (
    AnswerRejected,
    DeadlineExceeded,
    ModelOutputError,
    SummarizerError,
    Ungrounded,
)
from .ground import ArticleIndex, Grounding, ground
from .questions import ChosenAnswer, Question, WrittenAnswer
from .resources import AnswerSchema, load_prompts, load_schema
from .validate import check_completion

log = logging.getLogger(__name__)

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
    """Told of every model call's outcome and of every summary's attempts (metrics)."""

    def model_call(self, outcome: str, usage: Usage) -> None: ...

    def request_done(self, attempts: int) -> None: ...


class _Unobserved:
    def model_call(self, outcome: str, usage: Usage) -> None:
        pass

    def request_done(self, attempts: int) -> None:
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
    ):
        self.backend = backend
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.schema = schema or load_schema()
        self.observer = observer or _Unobserved()
        if backend.chooses_from_candidates:
            self.asker = ChosenAnswer(
                load_prompts("choose-v1"), self.schema,
                count_tokens=backend.count_tokens, context_tokens=backend.context_tokens,
            )
        else:
            self.asker = WrittenAnswer(load_prompts(), self.schema)

    @classmethod
    def from_settings(cls, backend: Backend, settings: Settings, observer: Observer | None = None) -> Summarizer:
        return cls(backend, max_attempts=settings.max_attempts, deadline=settings.deadline, observer=observer)

    async def summarize(self, article: Article) -> dict[str, Any]:
        """The grounded summary of one article in the contract's response shape."""
        started = time.perf_counter()
        run = _Run(ArticleIndex(article.text))
        deadline = asyncio.get_running_loop().time() + self.deadline
        try:
            async with asyncio.timeout_at(deadline):
                question = await self.asker.ask(article)
                grounding = await self._attempt_until_accepted(question, run, deadline)
        except TimeoutError:
            raise DeadlineExceeded(
                f"no usable answer within the {self.deadline:g} s deadline",
                details={"attempts": run.calls},
            ) from None
        self.observer.request_done(run.calls)
        return {
            "id": article.id,
            **grounding.fields(),
            **({"article_text": article.text} if article.from_html else {}),
            "meta": {
                "backend": self.backend.name,
                "model": run.model or self.backend.model,
                "prompt_version": question.prompts.version,
                "schema_version": self.schema.version,
                "attempts": run.calls,
                "usage": {"prompt_tokens": run.usage.prompt_tokens, "completion_tokens": run.usage.completion_tokens},
                "latency_ms": round((time.perf_counter() - started) * 1000),
                "dropped": grounding.dropped,
                **question.notes,
            },
        }

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

    @staticmethod
    def _request(question: Question, messages: tuple[Message, ...], deadline: float) -> ChatRequest:
        return ChatRequest(
            messages=messages,
            schema=question.schema,
            schema_name=question.schema_name,
            schema_hint=question.schema_hint,
            deadline=deadline,
        )

    @staticmethod
    def _reask_messages(question: Question, rejection: AnswerRejected) -> tuple[Message, ...]:
        errors = "\n".join(f"- {problem}" for problem in rejection.problems[:ECHO_PROBLEMS])
        return (
            *question.messages,
            {"role": "assistant", "content": (rejection.raw or "")[:ECHO_CHARS]},
            {"role": "user", "content": question.prompts.reask.substitute(errors=errors)},
        )
