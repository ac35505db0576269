"""The errors the jobs package raises to the routes, each a SummarizerError with its own status and code."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from service.errors import InvalidRequest, RequestError, SummarizerError

log = logging.getLogger("service.jobs")
P = ParamSpec("P")
R = TypeVar("R")


class IdempotencyKeyReused(InvalidRequest):
    """The Idempotency-Key was used before for a different request (422 in the contract)."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used for a different request within the last 24 hours; "
                         "use a new key for a new request.")


class IdempotencyKeyInUse(RequestError):
    """The same request with the same key is still being served (409 in the IETF idempotency draft)."""

    status = 409
    code = "idempotency_key_in_use"

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being served; retry once it has answered.",
                         retry_after=1)


class InvalidCallbackUrl(InvalidRequest):
    code = "invalid_callback_url"


class JobStoreUnavailable(SummarizerError):
    """The job store cannot be reached now (503, with Retry-After): a client tries again shortly."""

    status = 503
    code = "jobs_unavailable"

    def __init__(self, *, upstream: str) -> None:
        super().__init__("The job store cannot be reached now; try again shortly.", upstream=upstream)


Method = Callable[P, Coroutine[Any, Any, R]]


def store_edge(*causes: type[BaseException]) -> Callable[[Method[P, R]], Method[P, R]]:
    """A store method whose database errors become JobStoreUnavailable; what the database said goes to the log."""

    def wrap(method: Method[P, R]) -> Method[P, R]:
        @functools.wraps(method)
        async def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await method(*args, **kwargs)
            except causes as exc:
                log.warning("the job store failed in %s: %r", method.__name__, exc)
                raise JobStoreUnavailable(upstream=repr(exc)) from exc

        return call

    return wrap
