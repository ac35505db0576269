"""Signed webhooks: which callback URLs are accepted, one signed POST, and when to try again.

Each POST carries the job document, signed as the Standard Webhooks specification says
(`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`, by the
`standardwebhooks` package). Every attempt of one delivery keeps its `webhook-id`, so a
receiver can drop repeats; the timestamp and signature are those of the attempt. A 2xx
ends the delivery; anything else (another status, a refused connection, a time-out) is
tried again after an exponential backoff with jitter, or after a numeric Retry-After when
that is longer, until `give_up_after` seconds from the first attempt (25 hours by default:
the contract asks for at least 24). Redirects are never followed.

Keeping a public deployment out of the private network: a callback URL is whatever the
client sent, so a service reachable from outside would POST wherever it is told, to
127.0.0.1, a cloud metadata address or an internal admin port. Give the hosts of the CMSes
it serves in SUMMARIZER_WEBHOOK_ALLOWED_HOSTS (`cms.example.com`, or `.example.com` for every
host under that name): callback URLs naming any other host are refused with 422. Without
the list any http(s) host is accepted, which suits a service that only trusted clients
reach. The list trusts DNS for the names on it; where that is not enough, send the
service's outbound traffic through an egress proxy or firewall that refuses private ranges.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from .errors import InvalidCallbackUrl
from .models import Delivery, DeliveryAttempt

log = logging.getLogger("service.jobs")

USER_AGENT = "newsroom-summarizer-webhooks"


@dataclass(frozen=True)
class WebhookSettings:
    secret: str  # whsec_ + base64, as SUMMARIZER_WEBHOOK_SECRET holds it
    allowed_hosts: frozenset[str] | None = None
    timeout: float = 10.0  # seconds for one POST
    first_retry: float = 5.0
    max_retry: float = 3600.0
    give_up_after: float = 25 * 3600.0


def parse_allowed_hosts(value: str | None) -> frozenset[str] | None:
    """SUMMARIZER_WEBHOOK_ALLOWED_HOSTS as a set: comma-separated names; unset or blank means no list."""
    hosts = frozenset(name.strip().lower() for name in (value or "").split(",") if name.strip())
    return hosts or None


def validate_callback_url(url: object, allowed_hosts: Collection[str] | None) -> str:
    """The callback URL if the service may POST to it, else InvalidCallbackUrl (422)."""
    if not isinstance(url, str):
        raise InvalidCallbackUrl("callback_url must be a string holding an http or https URL.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what rejects "http://host:99999/"
    except ValueError as exc:
        raise InvalidCallbackUrl("callback_url is not a well-formed URL.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidCallbackUrl("callback_url must be an http or https URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidCallbackUrl("callback_url must not hold credentials; the webhook's signature "
                                 "authenticates the service to the receiver.")
    if allowed_hosts is not None and not _allowed(parts.hostname, allowed_hosts):
        raise InvalidCallbackUrl("callback_url names a host that this service does not call back.",
                                 details={"host": parts.hostname})
    return url


def _allowed(host: str, allowed_hosts: Collection[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in allowed_hosts)


def parse_retry_after(value: str | None) -> float | None:
    """A Retry-After in seconds; the HTTP-date form is not honoured and leaves the backoff as it is."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


def retry_delay(attempts_made: int, retry_after: float | None, settings: WebhookSettings) -> float:
    backoff = min(settings.max_retry, settings.first_retry * 2 ** (attempts_made - 1))
    # Half fixed, half random: receivers that were down for many jobs are not hit by all at once.
    delay = backoff / 2 + random.uniform(0, backoff / 2)
    return float(max(delay, retry_after)) if retry_after is not None else delay


class WebhookSender:
    """Makes one attempt of a delivery and says what follows it."""

    def __init__(self, settings: WebhookSettings, client: httpx.AsyncClient | None = None):
        self.settings = settings
        self._signer = Webhook(settings.secret)
        self._client = client or httpx.AsyncClient(timeout=settings.timeout, follow_redirects=False)

    def headers(self, delivery: Delivery, moment: float) -> dict[str, str]:
        signature = self._signer.sign(delivery.webhook_id, datetime.fromtimestamp(moment, UTC),
                                      delivery.payload)
        return {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": delivery.webhook_id,
                "webhook-timestamp": str(int(moment)), "webhook-signature": signature}

    async def attempt(self, delivery: Delivery) -> DeliveryAttempt:
        number = len(delivery.attempts) + 1
        started = time.time()
        status_code: int | None = None
        error: str | None = None
        retry_after: float | None = None
        try:
            response = await self._client.post(delivery.url, content=delivery.payload.encode("utf-8"),
                                               headers=self.headers(delivery, started), follow_redirects=False)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = type(exc).__name__
        else:
            status_code = response.status_code
            if response.is_success:
                return DeliveryAttempt(number=number, at=started, status_code=status_code, outcome="delivered")
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        next_attempt_at = time.time() + retry_delay(number, retry_after, self.settings)
        gave_up = next_attempt_at - delivery.created_at > self.settings.give_up_after
        log.warning("webhook %s for job %s: attempt %d got %s; %s", delivery.webhook_id, delivery.job_id, number,
                    status_code or error, "giving up" if gave_up else "will try again")
        return DeliveryAttempt(number=number, at=started, status_code=status_code, error=error,
                               outcome="given_up" if gave_up else "retry",
                               next_attempt_at=None if gave_up else next_attempt_at)

    async def aclose(self) -> None:
        await self._client.aclose()
