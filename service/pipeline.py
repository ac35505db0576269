"""One request's path: prompt → backend → validate → ground, re-asking while the answer is rejected.

The re-ask loop is the second of the two retry layers: it retries answers the
model got wrong, never transport failures (the backend owns those). Every
attempt gets a fresh message list built from the first one, the rejected
answer and what was wrong with it; nothing is appended to a shared list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from .backends import Backend, ChatRequest, Completion, Message, Usage
from .errors import AnswerRejected, DeadlineExceeded, ModelOutputError, Ungrounded
from .ground import ArticleIndex, Grounding, ground
from .resources import AnswerSchema, Prompts, load_prompts, load_schema
from .validate import check_completion, check_schema, parse_json

log = logging.getLogger(__name__)

# A re-ask shows the model at most this much of its failed answer and this many problems.
ECHO_CHARS = 6000
ECHO_PROBLEMS = 20
DETAILS_OUTPUT_CHARS = 2000


@dataclass(frozen=True)
class Article:
    text: str
    title: str | None = None
    language: str | None = None
    id: str | None = None


@dataclass
class _Run:
    """What one request has learnt so far, across its attempts."""

    index: ArticleIndex
    usage: Usage = field(default_factory=Usage)
    rejections: list[AnswerRejected] = field(default_factory=list)
    best: Grounding | None = None
    model: str | None = None
    calls: int = 0

    def accept(self, completion: Completion, schema: AnswerSchema) -> Grounding:
        self.calls += 1
        self.usage += completion.usage
        self.model = completion.model
        try:
            check_completion(completion)
            answer = parse_json(completion.text)
            check_schema(answer, schema.validator, completion.text)
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


class Summarizer:
    def __init__(
        self,
        backend: Backend,
        *,
        max_attempts: int = 3,
        deadline: float = 120.0,
        prompts: Prompts | None = None,
        schema: AnswerSchema | None = None,
    ):
        self.backend = backend
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.prompts = prompts or load_prompts()
        self.schema = schema or load_schema()
        self._schema_hint = self.prompts.schema_hint.substitute(schema=json.dumps(self.schema.for_model))

    async def summarize(self, article: Article) -> dict[str, Any]:
        """The grounded summary of one article in the contract's response shape."""
        started = time.perf_counter()
        run = _Run(ArticleIndex(article.text))
        deadline = asyncio.get_running_loop().time() + self.deadline
        try:
            async with asyncio.timeout_at(deadline):
                grounding = await self._attempt_until_accepted(article, run, deadline)
        except TimeoutError:
            raise DeadlineExceeded(
                f"no usable answer within the {self.deadline:g} s deadline",
                details={"attempts": run.calls},
            ) from None
        return {
            "id": article.id,
            **grounding.fields(),
            "meta": {
                "backend": self.backend.name,
                "model": run.model or self.backend.model,
                "prompt_version": self.prompts.version,
                "schema_version": self.schema.version,
                "attempts": run.calls,
                "usage": {"prompt_tokens": run.usage.prompt_tokens, "completion_tokens": run.usage.completion_tokens},
                "latency_ms": round((time.perf_counter() - started) * 1000),
                "dropped": grounding.dropped,
            },
        }

    async def _attempt_until_accepted(self, article: Article, run: _Run, deadline: float) -> Grounding:
        first = self._first_messages(article)
        messages = first
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            retry=retry_if_exception_type(AnswerRejected),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    completion = await self.backend.complete(self._request(messages, deadline))
                    try:
                        return run.accept(completion, self.schema)
                    except AnswerRejected as rejection:
                        messages = self._reask_messages(first, rejection)
                        raise
        except AnswerRejected:
            if run.best is not None:
                return run.best  # its ungrounded items are dropped, never returned
            raise ModelOutputError(
                f"the model gave no valid answer in {self.max_attempts} attempt(s)",
                details=run.failure_details(),
            ) from None
        raise AssertionError("unreachable: tenacity either returns or reraises")

    def _request(self, messages: tuple[Message, ...], deadline: float) -> ChatRequest:
        return ChatRequest(
            messages=messages,
            schema=self.schema.for_model,
            schema_name=self.schema.version.replace("-", "_"),
            schema_hint=self._schema_hint,
            deadline=deadline,
        )

    def _first_messages(self, article: Article) -> tuple[Message, ...]:
        # A closing tag inside the article must not end the data block early.
        text = article.text.replace("</article", "<\\/article")
        user = self.prompts.user.substitute(
            title=article.title or "(none)", language=article.language or "not given", article=text
        )
        return ({"role": "system", "content": self.prompts.system}, {"role": "user", "content": user})

    def _reask_messages(self, first: tuple[Message, ...], rejection: AnswerRejected) -> tuple[Message, ...]:
        errors = "\n".join(f"- {problem}" for problem in rejection.problems[:ECHO_PROBLEMS])
        return (
            *first,
            {"role": "assistant", "content": (rejection.raw or "")[:ECHO_CHARS]},
            {"role": "user", "content": self.prompts.reask.substitute(errors=errors)},
        )
