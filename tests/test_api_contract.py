"""Every status of the contract's table, each answered in the error envelope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.config import load_settings
from service.errors import BackendUnavailable
from service.http.app import create_app
from service.summary import SummaryResponse

from .support.articles import SEED_ARTICLE, seed_answer


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def client_with(fake, settings_env, **settings) -> TestClient:
    return TestClient(create_app(load_settings(backend="openai", **settings), backend=fake))


def test_200_json(fake_client, fake):
    fake.enqueue(seed_answer())
    response = fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE, "id": "doc-7", "language": "en"})
    assert response.status_code == 200
    SummaryResponse.model_validate(response.json(), strict=True)
    assert response.json()["id"] == "doc-7"
    assert "Language: en" in fake.requests[0].messages[1]["content"]


def test_200_text_plain(fake_client, fake):
    fake.enqueue(seed_answer())
    response = fake_client.post(
        "/v1/summaries", content=SEED_ARTICLE.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    assert response.status_code == 200
    assert response.json()["id"] is None
    assert response.json()["denials"][0]["who"] == "Israel"


def test_text_plain_in_another_declared_charset(fake_client, fake):
    fake.enqueue({"who": [], "what": {"text": "Zürich voted.", "quote": "Zürich"}, "where": [], "denials": []})
    response = fake_client.post(
        "/v1/summaries", content="Zürich voted.".encode("latin-1"), headers={"Content-Type": "text/plain; charset=latin-1"}
    )
    assert response.status_code == 200
    assert response.json()["what"]["evidence"][0]["quote"] == "Zürich"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"text": "unterminated', "application/json"),
        (b"", "application/json"),
        (b'{"text": "caf\xe9"}', "application/json"),
        (b"caf\xe9 \xff", "text/plain"),
    ],
    ids=["truncated-json", "empty-body", "latin1-in-json", "invalid-utf8-text"],
)
def test_400_bad_body(fake_client, body, content_type):
    response = fake_client.post("/v1/summaries", content=body, headers={"Content-Type": content_type})
    assert_envelope(response, 400, "invalid_body")


def test_401_without_or_with_a_wrong_key(fake, settings_env):
    fake.enqueue(seed_answer(), seed_answer())
    with client_with(fake, settings_env, api_keys="k-one,k-two") as client:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"X-API-Key": "k-on"}):
            response = client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers=headers)
            assert_envelope(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"] == "Bearer"
        assert client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"Authorization": "Bearer k-two"}).status_code == 200
        assert client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"X-API-Key": "k-one"}).status_code == 200
        assert client.get("/healthz").status_code == 200, "probes stay open"
        assert_envelope(client.get("/v1/schema"), 401, "unauthorized")


def test_413_over_the_size_limit(fake, settings_env):
    with client_with(fake, settings_env, max_chars=100) as client:
        error = assert_envelope(client.post("/v1/summaries", json={"text": "a" * 101}), 413, "article_too_large")
        assert error["details"] == {"limit_chars": 100, "length_chars": 101}
        huge = client.post("/v1/summaries", content=b"a" * 200_000, headers={"Content-Type": "text/plain"})
        assert_envelope(huge, 413, "article_too_large")
    assert fake.requests == []


def test_415_other_content_types(fake_client):
    for content_type in ("application/xml", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = fake_client.post("/v1/summaries", content=b"<a/>", headers=headers)
        assert_envelope(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, "/"),
        ({"text": ""}, "/text"),
        ({"text": "   \n\t"}, "/text"),
        ({"text": 42}, "/text"),
        ({"text": SEED_ARTICLE, "title": ["a"]}, "/title"),
        ({"text": SEED_ARTICLE, "id": 7}, "/id"),
        (["text"], "/"),
        ("just a string", "/"),
    ],
    ids=["no-text", "empty", "blank", "number", "title-list", "id-number", "array", "string"],
)
def test_422_invalid_request(fake_client, fake, payload, path):
    error = assert_envelope(fake_client.post("/v1/summaries", json=payload), 422, "invalid_request")
    assert path in [item["path"] for item in error["details"]]
    assert fake.requests == []


def test_429_over_the_rate_limit(fake, settings_env):
    fake.enqueue(seed_answer(), seed_answer())
    with client_with(fake, settings_env, rate_limit="2/minute") as client:
        for _ in range(2):
            assert client.post("/v1/summaries", json={"text": SEED_ARTICLE}).status_code == 200
        response = client.post("/v1/summaries", json={"text": SEED_ARTICLE})
    assert_envelope(response, 429, "rate_limited")
    assert 29 <= int(response.headers["Retry-After"]) <= 31


def test_502_invalid_output_for_every_attempt(fake_client, fake):
    fake.enqueue("no", "json", "here")
    error = assert_envelope(fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}), 502, "invalid_model_output")
    assert len(error["details"]["attempts"]) == 3
    assert error["details"]["last_output"] == "here"


def test_503_backend_unavailable(fake_client, fake):
    fake.enqueue(BackendUnavailable("cannot reach the model server", retry_after=7))
    response = fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE})
    assert_envelope(response, 503, "backend_unavailable")
    assert response.headers["Retry-After"] == "7"


def test_504_deadline(fake, settings_env):
    fake.delay = 3.0
    fake.enqueue(seed_answer())
    with client_with(fake, settings_env, deadline=0.2) as client:
        response = client.post("/v1/summaries", json={"text": SEED_ARTICLE})
    assert_envelope(response, 504, "deadline_exceeded")


def test_unknown_route_and_method_use_the_envelope(fake_client):
    assert_envelope(fake_client.get("/v2/nothing"), 404, "not_found")
    assert_envelope(fake_client.get("/v1/summaries"), 405, "method_not_allowed")


def test_schema_health_and_openapi(fake_client, fake):
    schema = fake_client.get("/v1/schema").json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["who", "what", "where", "denials"]
    assert fake_client.get("/healthz").json() == {"status": "ok"}
    assert fake_client.get("/readyz").status_code == 200
    fake.is_ready = False
    assert_envelope(fake_client.get("/readyz"), 503, "backend_unavailable")
    body = fake_client.get("/openapi.json").json()["paths"]["/v1/summaries"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "text/plain"}
