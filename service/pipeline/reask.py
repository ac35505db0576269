"""The re-ask loop: one chunk's question asked until an answer is accepted or the attempts run out.

It is the second of the two retry layers: it retries answers the model got
wrong, never transport failures (the backend owns those). Every attempt gets a
fresh message list built from the first one, the rejected answer and what was
wrong with it; nothing is appended to a shared list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from ..backends.base import Backend, ChatRequest, Completion, Message, Usage
from ..checks.ground import ArticleIndex, Grounding, ground
from ..checks.validate import check_completion
from ..errors import AnswerRejected, ModelOutputError, SummarizerError, Ungrounded
from .questions import Question

log = logging.getLogger(__name__)

# A re-ask shows the model at most this much of its failed answer and this many problems.
ECHO_CHARS = 6000
ECHO_PROBLEMS = 20
DETAILS_OUTPUT_CHARS = 2000


class Observer(Protocol):
    """Told of every model call's outcome, every summary's attempts and every cache lookup (metrics)."""

    def model_call(self, outcome: str, usage: Usage) -> None: ...

    def request_done(self, attempts: int) -> None: ...

    def cache_lookup(self, result: str) -> None: ...


class Unobserved:
    def model_call(self, outcome: str, usage: Usage) -> None:
        pass

    def request_done(self, attempts: int) -> None:
        pass

    def cache_lookup(self, result: str) -> None:
        pass


@dataclass
class Run:
    """What the attempts at one chunk have learnt so far."""

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
        """The error envelope's details when no attempt gave a usable answer."""
        return {
            "attempts": [
                {"attempt": number, "code": rejection.code, "errors": [p.as_dict() for p in rejection.problems]}
                for number, rejection in enumerate(self.rejections, start=1)
            ],
            "last_output": (self.rejections[-1].raw or "")[:DETAILS_OUTPUT_CHARS] if self.rejections else None,
        }


@dataclass(frozen=True)
class Reasker:
    backend: Backend
    max_attempts: int
    observer: Observer
    # Every answer may take what its schema needs, or this many tokens when that is more.
    min_answer_tokens: int = 0

    async def until_accepted(self, question: Question, run: Run, deadline: float) -> Grounding:
        """The first accepted answer's grounding; else the best partly grounded one, else ModelOutputError."""
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
                        messages = _reask_messages(question, rejection)
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


def _reask_messages(question: Question, rejection: AnswerRejected) -> tuple[Message, ...]:
    errors = "\n".join(f"- {problem}" for problem in rejection.problems[:ECHO_PROBLEMS])
    return (
        *question.messages,
        {"role": "assistant", "content": (rejection.raw or "")[:ECHO_CHARS]},
        {"role": "user", "content": question.prompts.reask.substitute(errors=errors)},
    )
