"""Metrics, request ids and the per-request log line."""

from __future__ import annotations

import json
import logging

from service.errors import BackendUnavailable
from service.http.observability import JsonLines

from .support.articles import SEED_ARTICLE, seed_answer


def metric(text: str, name: str) -> float:
    """The value of one sample line of the Prometheus exposition, or 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_model_calls_attempts_tokens_and_cache(fake_client, fake):
    fake.enqueue("not json", seed_answer(), BackendUnavailable("down", retry_after=3))
    assert fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}).status_code == 200
    assert fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}).json()["meta"]["cached"] is True
    fresh = fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"Cache-Control": "no-cache"})
    assert fresh.status_code == 503
    response = fake_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert metric(text, 'summarizer_requests_total{route="/v1/summaries",status="200"}') == 2
    assert metric(text, 'summarizer_requests_total{route="/v1/summaries",status="503"}') == 1
    assert metric(text, 'summarizer_model_calls_total{outcome="malformed_json"}') == 1
    assert metric(text, 'summarizer_model_calls_total{outcome="ok"}') == 1
    assert metric(text, 'summarizer_model_calls_total{outcome="transport_error"}') == 1
    assert metric(text, "summarizer_attempts_per_request_count") == 1
    assert metric(text, "summarizer_attempts_per_request_sum") == 2
    assert metric(text, 'summarizer_tokens_total{kind="prompt"}') == 20
    assert metric(text, 'summarizer_request_seconds_count{route="/v1/summaries"}') == 3
    assert metric(text, 'summarizer_cache_lookups_total{result="miss"}') == 1
    assert metric(text, 'summarizer_cache_lookups_total{result="hit"}') == 1


def test_request_id_is_echoed_or_made(fake_client, fake):
    fake.enqueue(seed_answer(), seed_answer())
    given = fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"X-Request-ID": "cms-42.save-7"})
    assert given.headers["X-Request-ID"] == "cms-42.save-7"
    made = fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"X-Request-ID": "bad id\n"})
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != "bad id"
    assert fake_client.get("/v1/nothing").headers["X-Request-ID"]


def test_one_log_line_per_request_without_the_article(fake_client, fake, caplog):
    fake.enqueue(seed_answer())
    with caplog.at_level(logging.INFO, logger="service.requests"):
        fake_client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"X-Request-ID": "r-1"})
    records = [r for r in caplog.records if r.name == "service.requests"]
    assert len(records) == 1
    fields = records[0].fields
    assert fields["request_id"] == "r-1" and fields["status"] == 200 and fields["path"] == "/v1/summaries"
    assert fields["backend"] == "fake" and fields["model"] == "fake-model"
    assert fields["attempts"] == 1 and fields["dropped"] == 0 and fields["latency_ms"] >= 0
    logged = json.dumps(fields)
    assert "Kalsu" not in logged and "Israel" not in logged


def test_log_lines_are_json_objects_with_their_time():
    record = logging.LogRecord("service.requests", logging.INFO, __file__, 1, "GET %s 200", ("/healthz",), None)
    record.fields = {"request_id": "r-2", "status": 200}
    line = json.loads(JsonLines().format(record))
    assert line["request_id"] == "r-2" and line["status"] == 200
    assert line["time"].endswith("Z") and line["time"][10] == "T"
