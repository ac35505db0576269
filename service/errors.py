"""Errors of the summarizer, each mapped to one HTTP status of the contract.

    SummarizerError                     500 internal_error
    ├── RequestError                    4xx: the caller's request cannot be served
    │   ├── InvalidBody                 400 invalid_body
    │   ├── Unauthorized                401 unauthorized
    │   ├── NotFound                    404 not_found              no job with that id
    │   ├── ArticleTooLarge             413 article_too_large
    │   ├── UnsupportedMediaType        415 unsupported_media_type
    │   ├── InvalidRequest              422 invalid_request
    │   └── RateLimited                 429 rate_limited
    ├── ModelOutputError                502 invalid_model_output   every attempt's answer was rejected
    ├── BackendError                    502 backend_error          the model server refused the call
    │   └── ContextTooLong              502 context_too_long       the prompt is over the model's context
    ├── BackendUnavailable              503 backend_unavailable    unreachable, overloaded or rate-limited
    ├── Overloaded                      503 overloaded             too many requests in flight here
    ├── DeadlineExceeded                504 deadline_exceeded
    │   └── CallTimedOut                504 deadline_exceeded      one model call outlasted SUMMARIZER_TIMEOUT
    └── ClientGone                      499 client_closed_request  the client left; the work was stopped

The jobs package adds errors of its own (service.jobs.errors): a 409
idempotency_key_in_use, two 422s, idempotency_key_reused and invalid_callback_url, and a
503 jobs_unavailable when the job store (its SQLite file, or Redis) cannot be reached.

One attempt's answer can be rejected without the request failing; the re-ask
loop catches these and asks again:

    AnswerRejected
    ├── Refused                         the model refused to answer
    ├── Truncated                       the answer hit the token limit
    ├── MalformedJSON                   not parseable as JSON
    ├── SchemaViolation                 JSON that does not match the schema
    └── Ungrounded                      quotes or names not found in the article

Two errors never reach a client:

    ConfigError                         a setting is malformed: start-up stops, naming the variable
    CacheError                          the result cache failed: logged, counted, and bypassed

Backends raise only BackendError (or ContextTooLong, after which the pipeline reads
the article in smaller chunks), BackendUnavailable, and CallTimedOut for a model
server that did not finish its answer within the call's time-out: an SDK's own
exceptions never cross the backend's edge. A refusal or a truncated
answer is reported in the backend's Completion and rejected by validation, so
that its tokens are still counted.

An error's message is the service's own words, safe for any client. What a model
server said (its body, a traceback, a URL) is kept in `upstream`, which goes to the
request's log line only, never into the envelope.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class SummarizerError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self, message: str, *, details: Any = None, retry_after: float | None = None, upstream: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.details = details
        self.retry_after = retry_after
        self.upstream = upstream

    def envelope(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class RequestError(SummarizerError):
    status = 400
    code = "bad_request"


class InvalidBody(RequestError):
    status = 400
    code = "invalid_body"


class Unauthorized(RequestError):
    status = 401
    code = "unauthorized"


class ArticleTooLarge(RequestError):
    status = 413
    code = "article_too_large"


class NotFound(RequestError):
    status = 404
    code = "not_found"


class UnsupportedMediaType(RequestError):
    status = 415
    code = "unsupported_media_type"


class InvalidRequest(RequestError):
    status = 422
    code = "invalid_request"


class RateLimited(RequestError):
    status = 429
    code = "rate_limited"


class ModelOutputError(SummarizerError):
    status = 502
    code = "invalid_model_output"


class BackendError(SummarizerError):
    status = 502
    code = "backend_error"


class ContextTooLong(BackendError):
    code = "context_too_long"


class BackendUnavailable(SummarizerError):
    status = 503
    code = "backend_unavailable"


class Overloaded(SummarizerError):
    status = 503
    code = "overloaded"


class DeadlineExceeded(SummarizerError):
    status = 504
    code = "deadline_exceeded"


class CallTimedOut(DeadlineExceeded):
    """The model server had the request but did not finish its answer within one call's time-out."""


class ClientGone(SummarizerError):
    status = 499  # nobody reads it; the number is the one proxies log for this
    code = "client_closed_request"


class ConfigError(Exception):
    """A setting is malformed; the message names the environment variable."""


class CacheError(Exception):
    """The cache could not be read or written; the request goes on without it."""


@dataclass(frozen=True)
class Problem:
    """One reason an answer was rejected, addressed by JSON pointer into the answer."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message}"


class AnswerRejected(Exception):
    code = "rejected"

    def __init__(self, problems: list[Problem], *, raw: str | None = None):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
        self.raw = raw


class Refused(AnswerRejected):
    code = "refused"


class Truncated(AnswerRejected):
    code = "truncated"


class MalformedJSON(AnswerRejected):
    code = "malformed_json"


class SchemaViolation(AnswerRejected):
    code = "schema_violation"


class Ungrounded(AnswerRejected):
    code = "ungrounded"
