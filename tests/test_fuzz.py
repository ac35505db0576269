"""Fuzzing the HTTP layer: the OpenAPI contract (schemathesis) and request parsing (hypothesis).

The app runs in process with a backend that always answers the seed answer, so
any 5xx is the service's own fault, never the model's. Targets:

* schemathesis, against the app's own /openapi.json, positive and negative
  examples (at most MAX_EXAMPLES per operation): no 5xx, every response
  conforms to the documented status codes, content types, headers and schemas,
  and every non-2xx is application/json with exactly
  {"error": {"code", "message", "details"}};
* hypothesis, POST /v1/summaries with arbitrary bytes under an arbitrary or
  absent Content-Type, arbitrary JSON values, JSON objects with fields of any
  type, and huge, unicode and control-character strings: the status is always
  one of 200, 400, 413, 415, 422, and every non-2xx is the error envelope.

The whole file runs in well under 30 s.
"""

from __future__ import annotations

import encodings.aliases
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.backends.base import ChatRequest, Completion, Usage
from service.config import load_settings
from service.http.app import create_app

from .support.articles import seed_answer
from .support.contract import envelope_problem as contract_problem
from .support.fakes import FakeBackend

MAX_EXAMPLES = 40
PARSING_EXAMPLES = 300
# Small, so that a body over the limit (413) is cheap to generate.
MAX_CHARS = 4000
PARSING_STATUSES = {200, 400, 413, 415, 422}
FUZZ_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class SeedBackend(FakeBackend):
    """A model that always gives the good seed answer, and keeps no record of the calls."""

    async def complete(self, request: ChatRequest) -> Completion:
        return Completion(text=json.dumps(seed_answer()), model=self.model, usage=Usage(10, 5))


def _app(**overrides: Any):
    # Inbound keys and rate limit are fixed here, so that the environment cannot change the contract under test.
    return create_app(load_settings(backend="openai", api_keys=(), rate_limit="off", **overrides), backend=SeedBackend())


def envelope_problem(status: int, content_type: str, body: bytes) -> str | None:
    """Why a non-2xx response is not the JSON error envelope, or None when it is."""
    if not content_type.startswith("application/json"):
        return f"{status} with content type {content_type!r}"
    try:
        document = json.loads(body)
    except ValueError:
        return f"{status} with a body that is not JSON: {body[:200]!r}"
    problem = contract_problem(document)
    return f"{status}: {problem}" if problem else None


@pytest.fixture(autouse=True)
def _quiet_service_log() -> Iterator[None]:
    # A 500 is logged with its traceback by the service; the assertion already shows the request.
    logger = logging.getLogger("service")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


# --- (a) schemathesis against the app's own OpenAPI document --------------------------------

schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


def error_envelope(ctx: Any, response: Any, case: Any) -> bool:
    """Schemathesis check: no 5xx, and every non-2xx is the JSON error envelope."""
    assert response.status_code < 500, f"server error {response.status_code}: {response.content[:300]!r}"
    if response.status_code >= 300:
        content_type = (response.headers.get("content-type") or [""])[0]
        problem = envelope_problem(response.status_code, content_type, response.content)
        assert problem is None, problem
    return True


# positive_data_acceptance is left out: an `html` body can match the schema and still hold no
# text to extract (markup only), which is rightly answered 422 and no schema can express.
def unsendable(case: schemathesis.Case) -> bool:
    """A value HTTP cannot carry as generated: a body that is no string under text/plain ({}, [None],
    None), or a header that is no string. Schemathesis writes it as text ("null"), which is then a
    valid request, so the negative example it was meant to be is never sent."""
    headers = case.headers or {}
    return case.media_type == "text/plain" and not isinstance(case.body, str) or any(
        not isinstance(value, str) for value in headers.values())


@schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=MAX_EXAMPLES)
def test_openapi_contract(case: schemathesis.Case) -> None:
    assume(not unsendable(case))
    case.call_and_validate(additional_checks=[error_envelope], excluded_checks=[positive_data_acceptance])


# --- (b) request parsing through the HTTP layer ----------------------------------------------

TEXT_CODECS = sorted(set(encodings.aliases.aliases.values())) + [
    "utf-7", "unicode_escape", "raw_unicode_escape", "no-such-charset",
]
MEDIA_TYPES = ("application/json", "text/plain", "TEXT/Plain", "text/html", "multipart/form-data", "application/x-www-form-urlencoded")
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
content_types = st.one_of(
    st.none(),
    st.sampled_from(MEDIA_TYPES),
    st.builds("{}; charset={}".format, st.sampled_from(MEDIA_TYPES), st.sampled_from(TEXT_CODECS)),
    st.builds('{}; charset="{}"'.format, st.sampled_from(MEDIA_TYPES), header_text),
    header_text,
)
# Huge strings: one character repeated past MAX_CHARS, so that both sides of the limit are hit.
huge_strings = st.builds(lambda char, count: char * count, st.characters(), st.integers(MAX_CHARS - 10, 3 * MAX_CHARS))
control_strings = st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Zs"]), max_size=50)
strings = st.one_of(st.text(), st.text(st.characters(codec="utf-8"), max_size=300), control_strings, huge_strings)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("text", "html", "title", "language", "id")
request_objects = st.fixed_dictionaries(
    {}, optional={name: st.one_of(strings, json_values) for name in FIELDS}
).flatmap(lambda known: st.dictionaries(strings, json_values, max_size=3).map(lambda extra: {**extra, **known}))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(_app(max_chars=MAX_CHARS), raise_server_exceptions=False) as test_client:
        yield test_client


def post(client: TestClient, body: bytes, content_type: str | None):
    headers = {"content-type": content_type} if content_type is not None else {}
    return client.post("/v1/summaries", content=body, headers=headers)


def assert_parsed(response) -> None:
    assert response.status_code in PARSING_STATUSES, f"{response.status_code}: {response.text[:300]}"
    if response.status_code != 200:
        problem = envelope_problem(response.status_code, response.headers.get("content-type", ""), response.content)
        assert problem is None, problem


def _json_bytes(value: Any) -> bytes:
    # surrogatepass: a lone surrogate in a generated str is sent as it is, and must be a 400.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@given(body=st.binary(max_size=2000), content_type=content_types)
@settings(FUZZ_SETTINGS, max_examples=PARSING_EXAMPLES)
def test_arbitrary_bytes_under_any_content_type(client: TestClient, body: bytes, content_type: str | None) -> None:
    assert_parsed(post(client, body, content_type))


@given(value=json_values, ascii_only=st.booleans())
@settings(FUZZ_SETTINGS, max_examples=PARSING_EXAMPLES)
def test_arbitrary_json_values(client: TestClient, value: Any, ascii_only: bool) -> None:
    body = json.dumps(value).encode() if ascii_only else _json_bytes(value)
    assert_parsed(post(client, body, "application/json"))


@given(payload=request_objects)
@settings(FUZZ_SETTINGS, max_examples=PARSING_EXAMPLES)
def test_json_objects_with_fields_of_any_type(client: TestClient, payload: dict[str, Any]) -> None:
    assert_parsed(post(client, json.dumps(payload).encode(), "application/json"))


@given(text=strings, charset=st.sampled_from(("utf-8", "utf-16", "latin-1")))
@settings(FUZZ_SETTINGS, max_examples=PARSING_EXAMPLES)
def test_plain_text_articles(client: TestClient, text: str, charset: str) -> None:
    body = text.encode(charset, "surrogatepass" if charset.startswith("utf") else "replace")
    assert_parsed(post(client, body, f"text/plain; charset={charset}"))


@pytest.mark.parametrize(("charset", "body"), [("punycode", b"zzzz"), ("idna", b"xn--a-")])
def test_every_charset_decode_error_is_a_400(client: TestClient, charset: str, body: bytes) -> None:
    response = post(client, body, f"text/plain; charset={charset}")
    assert response.status_code == 400, f"{response.status_code}: {response.text[:300]}"


def test_lone_surrogate_in_the_article_is_not_a_500(chat, service_on) -> None:
    chat.enqueue(*[seed_answer()] * 3)
    with service_on() as openai_client:
        response = openai_client.post("/v1/summaries", content=json.dumps({"text": "Israel denied it. \ud800"}).encode(),
                                      headers={"content-type": "application/json"})
    assert response.status_code in PARSING_STATUSES, f"{response.status_code}: {response.text[:300]}"
