"""Any OpenAI-compatible chat server (OpenAI, vLLM, Ollama, llama.cpp server) through the openai SDK.

Transport failures (connection errors, time-outs, 408, 409, 429 and 5xx) are
retried here with exponential backoff and jitter, honouring Retry-After, and
never past the request's deadline. The SDK's own retries are switched off so
that this is the only transport retry layer.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import re
import time
from typing import TYPE_CHECKING, Any

import openai
from openai.types.chat import ChatCompletion
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_random_exponential,
)

from ..errors import BackendError, BackendUnavailable, ContextTooLong
from . import ChatRequest, Completion, Usage

if TYPE_CHECKING:
    from ..config import Settings

TRANSPORT_ATTEMPTS = 4
# Tried in order; the first one the server accepts is remembered for the backend's life.
RESPONSE_FORMATS = ("json_schema", "json_object", "none")
_RETRYABLE_STATUS = {408, 409, 429}
# How OpenAI, vLLM and llama.cpp's server word a prompt over the context.
_CONTEXT_TOO_LONG = re.compile(r"context[ _](length|size|window)|maximum.{0,40}tokens|too many tokens", re.IGNORECASE)
OPENAI_API_CONTEXT_TOKENS = 128_000
# A self-hosted server's context unless SUMMARIZER_CONTEXT_TOKENS says otherwise (vLLM's
# --max-model-len, Ollama's num_ctx).
SERVER_CONTEXT_TOKENS = 8192
# The server's tokenizer is not at hand; a token is rarely less than three bytes of UTF-8.
BYTES_PER_TOKEN = 3


class OpenAIBackend:
    name = "openai"
    chooses_from_candidates = False
    # The chunks of a long article are asked this many at a time.
    parallel_calls = 4
    chunk_tokens = None

    def __init__(
        self, *, model: str, base_url: str | None, api_key: str | None, timeout: float, context_tokens: int | None = None
    ):
        self.model = model
        self.timeout = timeout
        self._context_tokens = context_tokens or (SERVER_CONTEXT_TOKENS if base_url else OPENAI_API_CONTEXT_TOKENS)
        self.response_format = RESPONSE_FORMATS[0]
        # A local server needs no key, but the SDK insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "unused", max_retries=0, timeout=timeout
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBackend:
        from ..config import DEFAULT_OPENAI_MODEL

        key = settings.api_key.get_secret_value() if settings.api_key else None
        return cls(
            model=settings.model or DEFAULT_OPENAI_MODEL,
            base_url=settings.base_url,
            api_key=key,
            timeout=settings.timeout,
            context_tokens=settings.context_tokens,
        )

    def context_tokens(self) -> int:
        return self._context_tokens

    def count_tokens(self, text: str) -> int:
        """An upper estimate of the tokens of a text."""
        return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)

    async def complete(self, request: ChatRequest) -> Completion:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(BackendUnavailable),
            wait=_wait_retry_after_or_backoff,
            stop=_stop_at(request.deadline),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._complete_once(request)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def ready(self) -> bool:
        try:
            await self._client.models.list(timeout=min(self.timeout, 5.0))
        except openai.NotFoundError:
            return True  # some compatible servers do not list models, but they answered
        except openai.OpenAIError:
            return False
        return True

    async def aclose(self) -> None:
        await self._client.close()

    async def _complete_once(self, request: ChatRequest) -> Completion:
        while True:
            response_format = self.response_format
            try:
                # The SDK's documented way to send a body as it is: chat.completions.create()
                # would walk every message and the schema, key by key, through its typed-parameter
                # transform on every call, a tenth of the service's CPU time.
                response = await self._client.post(
                    "/chat/completions",
                    cast_to=ChatCompletion,
                    body=self._body(request, response_format),
                    options={"timeout": _remaining(request.deadline, self.timeout)},
                )
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if _rejects_response_format(exc) and response_format != RESPONSE_FORMATS[-1]:
                    self._fall_back_from(response_format)
                    continue
                raise _translate(exc) from exc
            except openai.OpenAIError as exc:
                raise _translate(exc) from exc
            return _completion(response, self.model)

    def _fall_back_from(self, rejected: str) -> None:
        following = RESPONSE_FORMATS[RESPONSE_FORMATS.index(rejected) + 1]
        # Concurrent requests may both see the rejection; never move back up the list.
        if RESPONSE_FORMATS.index(following) > RESPONSE_FORMATS.index(self.response_format):
            self.response_format = following

    def _body(self, request: ChatRequest, response_format: str) -> dict[str, Any]:
        messages = [dict(message) for message in request.messages]
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
        if response_format == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
            }
            return body
        if response_format == "json_object":
            body["response_format"] = {"type": "json_object"}
        messages[0] = {**messages[0], "content": messages[0]["content"] + request.schema_hint}
        return body


def _completion(response: Any, model: str) -> Completion:
    if not response.choices:
        raise BackendError("the model server answered with no choices")
    choice = response.choices[0]
    usage = response.usage
    return Completion(
        text=choice.message.content or "",
        model=response.model or model,
        usage=Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0) if usage else Usage(),
        truncated=choice.finish_reason == "length",
        refusal=getattr(choice.message, "refusal", None),
    )


def _rejects_response_format(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json schema", "structured output"))


def _translate(exc: openai.OpenAIError) -> BackendError | BackendUnavailable:
    """The SDK's exception as one of ours; nothing of the SDK leaves this module."""
    if isinstance(exc, openai.APITimeoutError):
        return BackendUnavailable("the model call timed out")
    if isinstance(exc, openai.APIConnectionError):
        return BackendUnavailable(f"cannot reach the model server: {exc.message}")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in _RETRYABLE_STATUS or status >= 500:
            return BackendUnavailable(
                f"the model server answered {status}: {exc.message}",
                retry_after=_retry_after(exc.response.headers),
            )
        if status in (400, 413, 422) and _CONTEXT_TOO_LONG.search(exc.message):
            return ContextTooLong(
                f"the prompt is longer than the model server's context ({exc.message}); "
                "set SUMMARIZER_CONTEXT_TOKENS to what the server holds"
            )
        return BackendError(f"the model server refused the call ({status}): {exc.message}")
    return BackendError(f"the model server's answer could not be read: {exc}")


def _retry_after(headers: Any) -> float | None:
    """Seconds from Retry-After-Ms or Retry-After (seconds or an HTTP date)."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(float(value) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if email.utils.parsedate_tz(value) else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


_backoff = wait_random_exponential(multiplier=0.25, max=8.0)


def _wait_retry_after_or_backoff(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, BackendUnavailable) and error.retry_after is not None:
        return error.retry_after
    return _backoff(state)


def _stop_at(deadline: float):
    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= TRANSPORT_ATTEMPTS:
            return True
        # Waiting past the deadline helps nobody: give the caller the Retry-After instead.
        return asyncio.get_running_loop().time() + state.upcoming_sleep >= deadline

    return stop


def _remaining(deadline: float, timeout: float) -> float:
    return max(min(timeout, deadline - asyncio.get_running_loop().time()), 0.001)
