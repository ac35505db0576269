"""The errors the jobs package raises to the routes, each a SummarizerError with its own status and code."""

from __future__ import annotations

from service.errors import InvalidRequest, RequestError


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
