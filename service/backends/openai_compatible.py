"""Any OpenAI-compatible chat server (OpenAI, vLLM, Ollama, llama.cpp's servers) through the openai SDK.

Transport failures (connection errors, 408, 409, 429 and 5xx) are retried here
with exponential backoff and jitter, honouring Retry-After, and never past the
request's deadline. The SDK's own retries are switched off so that this is the
only transport retry layer. An error that rejects the way JSON was asked for is
not a transport failure, whatever its status: the next way is tried
(response_formats.py). Every answer is capped at the request's max_tokens.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Required, TypedDict

import openai
from openai.types.chat import ChatCompletion
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    wait_random_exponential,
)

from ..errors import BackendError, BackendUnavailable, CallTimedOut
from .base import ChatRequest, Completion, Usage
from .openai_errors import rejected, translate, what_the_server_said
from .response_formats import (
    ENFORCED,
    Negotiation,
    ResponseFormat,
    ResponseFormatField,
    ResponseFormatSetting,
    rejects_response_format,
    response_format_field,
)

if TYPE_CHECKING:
    from ..config import Settings

TRANSPORT_ATTEMPTS = 4
OPENAI_API_CONTEXT_TOKENS = 128_000
# A self-hosted server's context unless SUMMARIZER_CONTEXT_TOKENS says otherwise (vLLM's
# --max-model-len, Ollama's num_ctx).
SERVER_CONTEXT_TOKENS = 8192
# The server's tokenizer is not at hand; a token is rarely less than three bytes of UTF-8.
BYTES_PER_TOKEN = 3

# The answer's token cap: OpenAI's API wants max_completion_tokens (its reasoning models refuse
# max_tokens); every other server knows max_tokens, and some ignore the newer name.
TokenCap = Literal["max_tokens", "max_completion_tokens"]


class ChatBody(TypedDict, total=False):
    model: Required[str]
    messages: Required[list[dict[str, str]]]
    temperature: Required[float]
    response_format: ResponseFormatField
    max_tokens: int
    max_completion_tokens: int


class OpenAIBackend:
    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key: str | None,
        timeout: float,
        context_tokens: int | None = None,
        response_format: ResponseFormatSetting = "auto",
    ):
        self.model = model
        self.timeout = timeout
        self._context_tokens = context_tokens or (SERVER_CONTEXT_TOKENS if base_url else OPENAI_API_CONTEXT_TOKENS)
        self.formats = Negotiation(response_format, server=base_url or "api.openai.com")
        self._token_cap: TokenCap = "max_tokens" if base_url else "max_completion_tokens"
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
            response_format=settings.response_format,
        )

    def context_tokens(self) -> int:
        return self._context_tokens

    def count_tokens(self, text: str) -> int:
        """An upper estimate of the tokens of a text."""
        return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)

    async def complete(self, request: ChatRequest) -> Completion:
        """The server's answer, transport failures retried within the request's deadline.

        A call that timed out while the server was answering is asked again only when a
        whole call's time-out still fits before the deadline. The server has the request
        and is still generating (a llama.cpp-family server goes on for a closed connection
        until its next token check), so a new call queues behind that work, and at
        temperature 0 the same prompt takes as long again: a retry that the deadline would
        cut short only spends the rest of the deadline for nothing. With the defaults (60 s
        calls, 120 s deadline) a timed-out call is therefore not repeated: the request ends
        with 504 at once. A deadline that holds several time-outs still gets a retry of a
        call that stalled. A connection that could not be made in time is retried: nothing
        was asked.
        """
        retrying = AsyncRetrying(
            retry=_worth_retrying(request.deadline, self.timeout),
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
            response_format, token_cap = self.formats.current, self._token_cap
            try:
                # The SDK's documented way to send a body as it is: chat.completions.create()
                # would walk every message and the schema, key by key, through its typed-parameter
                # transform on every call, a tenth of the service's CPU time.
                response = await self._client.post(
                    "/chat/completions",
                    cast_to=ChatCompletion,
                    body=self._body(request, response_format, token_cap),
                    options={"timeout": _remaining(request.deadline, self.timeout)},
                )
            except openai.APIStatusError as exc:
                said = what_the_server_said(exc)
                if response_format != "prompt" and rejects_response_format(said):
                    if self.formats.give_up(response_format, exc.status_code):
                        continue
                    raise rejected(exc) from exc
                if token_cap == "max_tokens" and "max_completion_tokens" in said:
                    self._token_cap = "max_completion_tokens"
                    continue
                raise translate(exc) from exc
            except openai.OpenAIError as exc:
                raise translate(exc) from exc
            return _completion(response, self.model)

    def _body(self, request: ChatRequest, response_format: ResponseFormat, token_cap: TokenCap) -> ChatBody:
        messages = [dict(message) for message in request.messages]
        if response_format not in ENFORCED:
            messages[0] = {**messages[0], "content": messages[0]["content"] + request.schema_hint}
        body = ChatBody(model=self.model, messages=messages, temperature=0)
        body[token_cap] = request.max_tokens
        if field := response_format_field(response_format, request):
            body["response_format"] = field
        return body


def _completion(response: ChatCompletion, model: str) -> Completion:
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


_backoff = wait_random_exponential(multiplier=0.25, max=8.0)


def _wait_retry_after_or_backoff(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, BackendUnavailable) and error.retry_after is not None:
        return error.retry_after
    return _backoff(state)


def _worth_retrying(deadline: float, timeout: float) -> Callable[[RetryCallState], bool]:
    def retry(state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, CallTimedOut):
            return asyncio.get_running_loop().time() + timeout <= deadline
        return isinstance(error, BackendUnavailable)

    return retry


def _stop_at(deadline: float) -> Callable[[RetryCallState], bool]:
    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= TRANSPORT_ATTEMPTS:
            return True
        # Waiting past the deadline helps nobody: give the caller the Retry-After instead.
        return asyncio.get_running_loop().time() + state.upcoming_sleep >= deadline

    return stop


def _remaining(deadline: float, timeout: float) -> float:
    return max(min(timeout, deadline - asyncio.get_running_loop().time()), 0.001)
