"""The openai SDK's exceptions as the service's own, in the service's own words.

What the model server said (its body, a traceback, its URL) is kept in the error's
`upstream`, which only the request's log line shows; no client ever sees it.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

import openai

from ..errors import BackendError, BackendUnavailable, CallTimedOut, ContextTooLong, SummarizerError

_RETRYABLE_STATUS = {408, 409, 429}
# How OpenAI, vLLM and llama.cpp's servers word a prompt over the context.
_CONTEXT_TOO_LONG = re.compile(r"context[ _](length|size|window)|maximum.{0,40}tokens|too many tokens", re.IGNORECASE)
# How much of what the server said goes to the request's log line.
UPSTREAM_CHARS = 4000


def what_the_server_said(exc: openai.APIStatusError) -> str:
    """The status error's message and body, as the server sent them."""
    return f"{exc.message} {exc.body}"[:UPSTREAM_CHARS]


def rejected(exc: openai.APIStatusError) -> BackendError:
    """A refusal that asking again would not change."""
    message = f"the model server rejected the request (HTTP {exc.status_code})"
    return BackendError(message, upstream=what_the_server_said(exc))


def translate(exc: openai.OpenAIError) -> SummarizerError:
    """The SDK's exception as one of ours; nothing of the SDK leaves the backend."""
    if isinstance(exc, openai.APITimeoutError):
        if _timed_out_reading(exc):
            return CallTimedOut("the model server did not answer within the time-out of one call", upstream=str(exc))
        return BackendUnavailable("the model server did not take the connection in time", upstream=str(exc))
    if isinstance(exc, openai.APIConnectionError):
        return BackendUnavailable("cannot reach the model server", upstream=f"{exc.message} {exc.__cause__ or ''}")
    if isinstance(exc, openai.APIStatusError):
        status, said = exc.status_code, what_the_server_said(exc)
        if status == 429:
            return BackendUnavailable(
                "the model server is limiting this service's rate (HTTP 429)",
                retry_after=_retry_after(exc.response.headers), upstream=said,
            )
        if status in _RETRYABLE_STATUS or status >= 500:
            return BackendUnavailable(
                f"the model server failed to answer (HTTP {status})",
                retry_after=_retry_after(exc.response.headers), upstream=said,
            )
        if status in (400, 413, 422) and _CONTEXT_TOO_LONG.search(exc.message):
            return ContextTooLong(
                "the prompt is longer than the model server's context; "
                "set SUMMARIZER_CONTEXT_TOKENS to what the server holds",
                upstream=said,
            )
        return rejected(exc)
    return BackendError("the model server's answer could not be read", upstream=str(exc)[:UPSTREAM_CHARS])


def _timed_out_reading(exc: openai.APITimeoutError) -> bool:
    """Whether the server had the request and was still answering when the time-out came."""
    # The SDK sends with httpx2, or with httpx when it is given an httpx client; both name it so.
    return type(exc.__cause__).__name__ == "ReadTimeout"


def _retry_after(headers: Mapping[str, str]) -> float | None:
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
