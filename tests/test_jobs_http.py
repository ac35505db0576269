"""Asynchronous summaries over HTTP: 202 and a job to poll, signed webhooks, Idempotency-Key on both
paths, the 404, the settings, the metrics and the OpenAPI document, against the real app."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from service.config import load_settings
from service.errors import BackendUnavailable, ConfigError
from service.http.app import create_app
from service.http.asynchronous import preferences
from service.http.serving import uvicorn_config

from .support.articles import SEED_ARTICLE, seed_answer
from .support.chat_server import ChatServer, Reply
from .support.contract import envelope_problem, ungrounded_items
from .support.fakes import FakeBackend
from .support.jobs import ended_job
from .support.redis_server import running_redis
from .support.serving import serve_in_thread
from .support.webhooks import SECRET, Receiver

ASYNC = {"Prefer": "respond-async"}
ARTICLE = {"text": SEED_ARTICLE, "id": "cms-1"}


def client_for(fake: FakeBackend, **settings: Any) -> TestClient:
    return TestClient(create_app(load_settings(backend="openai", **settings), backend=fake))


def test_a_job_is_accepted_at_once_then_done_and_its_webhook_is_signed(fake, settings_env):
    fake.enqueue(seed_answer())
    with Receiver().running() as receiver, client_for(fake, webhook_secret=SECRET) as client:
        accepted = client.post("/v1/summaries", json={**ARTICLE, "callback_url": receiver.url}, headers=ASYNC)
        assert accepted.status_code == 202
        job = accepted.json()
        assert accepted.headers["location"] == f"/v1/jobs/{job['job_id']}"
        assert accepted.headers["preference-applied"] == "respond-async"
        assert set(job) == {"job_id", "status", "id", "created_at", "updated_at", "result", "error"}
        assert (job["status"], job["id"], job["result"], job["error"]) == ("queued", "cms-1", None, None)

        done = ended_job(client, accepted.headers["location"])
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
    assert done["status"] == "done" and done["error"] is None
    assert done["result"]["id"] == "cms-1"
    assert ungrounded_items(done["result"], SEED_ARTICLE) == []
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery.verified, "the webhook's signature did not verify with the service's secret"
    assert delivery.headers["webhook-id"]
    assert json.loads(delivery.body) == done


def test_a_job_whose_model_keeps_answering_garbage_fails_with_the_synchronous_error(fake, settings_env):
    garbage = "the answer is forty-two {"
    fake.enqueue(*[garbage] * 6)  # three attempts for the job, three for the synchronous request
    with client_for(fake) as client:
        accepted = client.post("/v1/summaries", json=ARTICLE, headers=ASYNC)
        failed = ended_job(client, accepted.headers["location"])
        synchronous = client.post("/v1/summaries", json={**ARTICLE, "id": "cms-2"})
    assert failed["status"] == "failed" and failed["result"] is None
    assert synchronous.status_code == 502
    assert envelope_problem({"error": failed["error"]}) is None
    assert failed["error"] == synchronous.json()["error"]
    assert failed["error"]["code"] == "invalid_model_output"


def test_a_job_failed_by_the_model_server_echoes_nothing_it_said(service_on, chat: ChatServer):
    said = "Traceback at /srv/model/secret.py with key sk-live-123"
    chat.fallback = lambda body: Reply.error(400, said)  # refused: a 5xx would be asked again
    with service_on(max_attempts="1") as client:
        accepted = client.post("/v1/summaries", json=ARTICLE, headers=ASYNC)
        failed = ended_job(client, accepted.headers["location"], within=60)
    assert failed["status"] == "failed"
    assert envelope_problem({"error": failed["error"]}) is None
    assert "secret" not in json.dumps(failed) and "sk-live" not in json.dumps(failed)


def test_an_unknown_job_is_a_404_envelope(fake_client):
    answer = fake_client.get("/v1/jobs/no-such-job")
    assert answer.status_code == 404
    assert envelope_problem(answer.json()) is None
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", ["ftp://cms.example.com/hook", "file:///etc/passwd", "cms.example.com/hook",
                                 "http://user:pass@cms.example.com/hook"])
def test_a_callback_url_that_is_not_plain_http_is_refused(fake, settings_env, url):
    with client_for(fake, webhook_secret=SECRET) as client:
        answer = client.post("/v1/summaries", json={**ARTICLE, "callback_url": url}, headers=ASYNC)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_callback_url"
    assert fake.requests == []


def test_a_callback_url_without_a_webhook_secret_is_refused(fake, settings_env):
    with client_for(fake) as client:
        answer = client.post("/v1/summaries", json={**ARTICLE, "callback_url": "https://cms.example.com/hook"},
                             headers=ASYNC)
    assert answer.status_code == 422
    assert "SUMMARIZER_WEBHOOK_SECRET" in answer.json()["error"]["message"]


def test_a_callback_url_outside_the_allowed_hosts_is_refused(fake, settings_env):
    with client_for(fake, webhook_secret=SECRET, webhook_allowed_hosts=".example.com") as client:
        refused = client.post("/v1/summaries", json={**ARTICLE, "callback_url": "http://169.254.169.254/latest"},
                              headers=ASYNC)
        fake.enqueue(seed_answer())
        allowed = client.post("/v1/summaries", json={**ARTICLE, "callback_url": "https://cms.example.com/hook"},
                              headers=ASYNC)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_callback_url"
    assert allowed.status_code == 202


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ("{not json", "application/json", 400),
    ("<p>x</p>", "text/html", 415),
    (json.dumps({"title": "no text"}), "application/json", 422),
    (json.dumps({"text": "x" * 101}), "application/json", 413),
])
def test_a_bad_body_is_refused_at_once_with_or_without_prefer(fake, settings_env, body, content_type, status):
    with client_for(fake, max_chars=100) as client:
        answer = client.post("/v1/summaries", content=body, headers={**ASYNC, "Content-Type": content_type})
    assert answer.status_code == status
    assert envelope_problem(answer.json()) is None


def test_a_plain_text_article_runs_as_a_job(fake, settings_env):
    fake.enqueue(seed_answer())
    with client_for(fake) as client:
        accepted = client.post("/v1/summaries", content=SEED_ARTICLE,
                               headers={**ASYNC, "Content-Type": "text/plain"})
        done = ended_job(client, accepted.headers["location"])
    assert done["status"] == "done"
    assert ungrounded_items(done["result"], SEED_ARTICLE) == []


@pytest.mark.parametrize("prefer", ["RESPOND-ASYNC", "wait=10, respond-async", "respond-async; x=1",
                                    'handling=lenient, foo="a,b", respond-async'])
def test_prefer_is_read_as_rfc_7240_says(fake, settings_env, prefer):
    with client_for(fake) as client:
        answer = client.post("/v1/summaries", json=ARTICLE, headers={"Prefer": prefer})
    assert answer.status_code == 202


def test_respond_async_counts_in_any_of_several_prefer_headers(fake, settings_env):
    with client_for(fake) as client:
        answer = client.post("/v1/summaries", json=ARTICLE, headers=[("Prefer", "wait=10"), ("Prefer", "respond-async")])
    assert answer.status_code == 202


def test_other_preferences_leave_the_request_synchronous():
    assert "respond-async" not in preferences(['foo="respond-async, bar"', "wait=5", "return=minimal"])
    assert preferences(["Wait = 5 , Respond-Async", "handling=strict"]) == {"wait", "respond-async", "handling"}


def test_the_same_key_and_body_give_the_same_job_without_a_new_model_call(fake, settings_env):
    fake.enqueue(seed_answer())
    with client_for(fake) as client:
        first = client.post("/v1/summaries", json=ARTICLE, headers={**ASYNC, "Idempotency-Key": "save-1"})
        ended_job(client, first.headers["location"])
        again = client.post("/v1/summaries", json=ARTICLE, headers={**ASYNC, "Idempotency-Key": "save-1"})
        other = client.post("/v1/summaries", json={**ARTICLE, "title": "Changed"},
                            headers={**ASYNC, "Idempotency-Key": "save-1"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.json()["status"] == "done"
    assert len(fake.requests) == 1
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_the_same_key_and_body_give_the_same_summary_without_a_new_model_call(fake, settings_env):
    fake.enqueue(seed_answer())
    with client_for(fake) as client:
        first = client.post("/v1/summaries", json=ARTICLE, headers={"Idempotency-Key": "save-2"})
        again = client.post("/v1/summaries", json=ARTICLE, headers={"Idempotency-Key": '"save-2"'})
        other = client.post("/v1/summaries", json={**ARTICLE, "id": "cms-9"}, headers={"Idempotency-Key": "save-2"})
        as_job = client.post("/v1/summaries", json=ARTICLE, headers={**ASYNC, "Idempotency-Key": "save-2"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert len(fake.requests) == 1
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert as_job.status_code == 422, "a key used for a summary cannot name a job"


def test_a_failed_request_frees_its_key_for_the_retry(fake, settings_env):
    fake.enqueue(BackendUnavailable("down for now"), seed_answer())
    with client_for(fake, max_attempts=1) as client:
        failed = client.post("/v1/summaries", json=ARTICLE, headers={"Idempotency-Key": "save-3"})
        retried = client.post("/v1/summaries", json=ARTICLE, headers={"Idempotency-Key": "save-3"})
    assert failed.status_code == 503
    assert retried.status_code == 200


def test_keys_are_kept_apart_by_api_key(fake, settings_env):
    fake.enqueue(seed_answer(), seed_answer())
    with client_for(fake, api_keys="alpha,beta") as client:
        alpha = client.post("/v1/summaries", json=ARTICLE,
                            headers={"Idempotency-Key": "save-4", "Authorization": "Bearer alpha"})
        beta = client.post("/v1/summaries", json={**ARTICLE, "id": "beta-1"},
                           headers={"Idempotency-Key": "save-4", "Authorization": "Bearer beta"})
    assert (alpha.status_code, beta.status_code) == (200, 200)
    assert beta.json()["id"] == "beta-1"


def serving(fake: FakeBackend, **settings: Any) -> Callable[[], Any]:
    configured = load_settings(backend="openai", **settings)
    return lambda: serve_in_thread(uvicorn_config(create_app(configured, backend=fake), configured,
                                                  log_level="warning"))


def test_a_key_whose_first_request_is_still_running_is_a_409(fake, settings_env):
    fake.delay = 1.0
    fake.enqueue(seed_answer())
    key = {"Idempotency-Key": "save-5"}

    async def twice(url: str) -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            first = asyncio.create_task(client.post("/v1/summaries", json=ARTICLE, headers=key))
            await asyncio.sleep(0.3)
            second = await client.post("/v1/summaries", json=ARTICLE, headers=key)
            return await first, second

    with serving(fake)() as url:
        first, second = asyncio.run(twice(url))
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "idempotency_key_in_use"
    assert "Retry-After" in second.headers
    assert len(fake.requests) == 1


def test_jobs_are_not_turned_away_by_the_inflight_limit_and_the_503_points_to_them(fake, settings_env):
    fake.delay = 1.0
    fake.enqueue(*[seed_answer()] * 4)

    async def burst(url: str) -> tuple[httpx.Response, httpx.Response, list[httpx.Response]]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            first = asyncio.create_task(client.post("/v1/summaries", json=ARTICLE))
            await asyncio.sleep(0.3)
            refused = await client.post("/v1/summaries", json=ARTICLE)
            jobs = [await client.post("/v1/summaries", json={"text": SEED_ARTICLE, "id": f"job-{n}"}, headers=ASYNC)
                    for n in range(3)]
            return await first, refused, jobs

    with serving(fake, max_inflight=1)() as url:
        first, refused, jobs = asyncio.run(burst(url))
    assert first.status_code == 200
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "overloaded"
    assert "Prefer: respond-async" in refused.json()["error"]["message"]
    assert [job.status_code for job in jobs] == [202, 202, 202]


def test_metrics_show_the_queue_jobs_and_webhooks(fake, settings_env):
    fake.enqueue(seed_answer())
    with client_for(fake) as client:
        ended_job(client, client.post("/v1/summaries", json=ARTICLE, headers=ASYNC).headers["location"])
        exposition = client.get("/metrics").text
    for series in ("summarizer_jobs_queued ", "summarizer_jobs_oldest_queued_seconds ",
                   'summarizer_jobs_ended_total{outcome="done"} 1.0',
                   'summarizer_webhook_deliveries_total{outcome="delivered"} 0.0'):
        assert series in exposition


def test_openapi_documents_the_job_path(fake_client):
    document = fake_client.get("/openapi.json").json()
    create = document["paths"]["/v1/summaries"]["post"]
    assert {"200", "202", "409"} <= set(create["responses"])
    assert set(create["responses"]["202"]["headers"]) == {"Location", "Preference-Applied"}
    assert {"prefer", "Idempotency-Key"} <= {parameter["name"] for parameter in create["parameters"]}
    get = document["paths"]["/v1/jobs/{job_id}"]["get"]
    assert "404" in get["responses"]
    assert "JobDocument" in document["components"]["schemas"]
    assert "callback_url" in create["requestBody"]["content"]["application/json"]["schema"]["properties"]


@pytest.mark.parametrize(("variable", "value"), [
    ("SUMMARIZER_JOBS_URL", "postgres://db/jobs"),
    ("SUMMARIZER_JOB_DEADLINE", "half an hour"),
    ("SUMMARIZER_JOB_WORKERS", "0"),
    ("SUMMARIZER_WEBHOOK_SECRET", "not-a-secret"),
    ("SUMMARIZER_WEBHOOK_ALLOWED_HOSTS", "https://cms.example.com/"),
])
def test_a_malformed_job_setting_stops_start_up_naming_it(settings_env, variable, value):
    settings_env.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable) as refused:
        load_settings()
    if variable == "SUMMARIZER_WEBHOOK_SECRET":
        assert value not in str(refused.value), "a secret is never shown"


def test_a_job_store_out_of_reach_is_a_503_in_our_words(fake, settings_env, tmp_path):
    with running_redis(tmp_path) as url, client_for(fake, jobs_url=url) as client:
        redis.Redis.from_url(url).shutdown(nosave=True)
        submitted = client.post("/v1/summaries", json=ARTICLE, headers=ASYNC)
        polled = client.get("/v1/jobs/any-job")
    for answer in (submitted, polled):
        assert answer.status_code == 503 and answer.headers["retry-after"]
        assert envelope_problem(answer.json()) is None
        assert answer.json()["error"]["code"] == "jobs_unavailable"
        assert "127.0.0.1" not in answer.text and "Error" not in answer.text
    assert fake.requests == []
