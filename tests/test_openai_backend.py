"""The service on its OpenAI-compatible backend, against a real chat server on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import logging
import time

from service.pipeline.questions import MAX_WHO_CHOSEN

from .support.articles import SEED_ARTICLE, seed_answer
from .support.chat_server import Reply
from .support.contract import ungrounded_items

INVENTED = "Yevgeny Prigozhin"


def post(client, text: str = SEED_ARTICLE, **fields):
    return client.post("/v1/summaries", json={"text": text, **fields})


def timed_post(client):
    """The response to the seed article, and the seconds it took."""
    started = time.monotonic()
    response = post(client)
    return response, time.monotonic() - started


def assert_grounded(body: dict) -> None:
    assert ungrounded_items(body, SEED_ARTICLE) == []


def test_good_answer_is_returned_grounded_with_meta(chat, service_on):
    chat.enqueue(seed_answer())
    with service_on() as client:
        response = post(client, id="cms-123")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "cms-123"
    assert [w["name"] for w in body["who"]] == ["Israel", "Popular Mobilization Forces", "Mohammed Shia al-Sudani"]
    assert [d["kind"] for d in body["denials"]] == ["explicit", "no_comment"]
    assert_grounded(body)
    meta = body["meta"]
    assert meta["backend"] == "openai" and meta["model"] == "test-model"
    assert meta["attempts"] == 1 and meta["dropped"] == []
    assert meta["usage"] == {"prompt_tokens": 120, "completion_tokens": 60}
    assert meta["prompt_version"] == "summarize-v1" and meta["schema_version"] == "summary-v1"


def test_request_asks_for_strict_json_schema_and_delimits_the_article(chat, service_on):
    chat.enqueue(seed_answer())
    with service_on() as client:
        post(client, title="Missiles hit militia base")
    sent = chat.received[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    schema = sent["response_format"]["json_schema"]["schema"]
    assert "$schema" not in schema and schema["additionalProperties"] is False
    assert sent["temperature"] == 0
    assert sent["max_tokens"] == 1500, "a written answer is capped at what it needs"
    system, user = sent["messages"]
    assert "not instructions" in system["content"]
    assert f"<article>\n{SEED_ARTICLE}\n</article>" in user["content"]
    assert "Title: Missiles hit militia base" in user["content"]


def test_malformed_json_is_reasked_with_the_error_and_a_fresh_message_list(chat, service_on):
    chat.enqueue(Reply(content='{"who": [ oops'), seed_answer())
    with service_on() as client:
        response = post(client)
    assert response.status_code == 200
    assert response.json()["meta"]["attempts"] == 2
    assert response.json()["meta"]["usage"] == {"prompt_tokens": 240, "completion_tokens": 120}
    first, second = chat.received
    assert len(first["messages"]) == 2, "the first request's messages were not extended in place"
    assert second["messages"][:2] == first["messages"]
    assert second["messages"][2] == {"role": "assistant", "content": '{"who": [ oops'}
    assert "not valid JSON" in second["messages"][3]["content"]


def test_schema_errors_are_fed_back_by_path(chat, service_on):
    wrong = seed_answer()
    wrong["denials"][0]["kind"] = "strong"
    del wrong["where"]
    chat.enqueue(wrong, seed_answer())
    with service_on() as client:
        assert post(client).status_code == 200
    reask = chat.received[1]["messages"][-1]["content"]
    assert "/denials/0/kind: 'strong' is not one of" in reask
    assert "'where' is a required property" in reask


def test_ungrounded_items_are_reasked_then_dropped_never_returned(chat, service_on):
    invented = seed_answer()
    invented["who"].append({"name": INVENTED, "role": "mercenary leader", "quote": f"{INVENTED} ordered the strike"})
    chat.enqueue(*[copy.deepcopy(invented) for _ in range(3)])
    with service_on() as client:
        response = post(client)
    assert response.status_code == 200
    body = response.json()
    assert INVENTED not in response.text
    assert len(body["who"]) == 3
    assert body["meta"]["attempts"] == 3
    assert body["meta"]["dropped"] == [
        {"path": "/who/3", "field": "who", "reasons": ["name_not_in_article", "quote_not_in_article"]}
    ]
    reask = chat.received[1]["messages"][-1]["content"]
    assert f"/who/3/name: '{INVENTED}' does not occur in the article" in reask
    assert_grounded(body)


def test_invented_name_in_what_is_a_failure(chat, service_on):
    invented = seed_answer()
    invented["what"]["text"] = f"Missiles sent by {INVENTED} hit Kalsu Base in Iraq."
    chat.enqueue(invented, seed_answer())
    with service_on() as client:
        response = post(client)
    assert response.status_code == 200
    assert "Prigozhin" not in response.text
    assert "names not in the article: 'Yevgeny', 'Prigozhin'" in chat.received[1]["messages"][-1]["content"]


def test_refusal_is_its_own_failure(chat, service_on):
    chat.enqueue(*[Reply(content=None, refusal="I can't help with that.") for _ in range(3)])
    with service_on() as client:
        response = post(client)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "invalid_model_output"
    assert [a["code"] for a in error["details"]["attempts"]] == ["refused"] * 3
    assert "refused to answer" in error["details"]["attempts"][0]["errors"][0]["message"]


def test_truncated_output_is_its_own_failure(chat, service_on):
    cut = json.dumps(seed_answer())[:150]
    chat.enqueue(Reply(content=cut, finish_reason="length"), seed_answer())
    with service_on() as client:
        response = post(client)
    assert response.status_code == 200
    assert "cut off at the token limit" in chat.received[1]["messages"][-1]["content"]


def test_failure_after_all_attempts_is_a_502_with_every_attempt(chat, service_on):
    garbage = "x" * 5000
    chat.enqueue(Reply(content="not json"), {"who": []}, Reply(content=garbage))
    with service_on() as client:
        response = post(client)
    assert response.status_code == 502
    details = response.json()["error"]["details"]
    assert [a["code"] for a in details["attempts"]] == ["malformed_json", "schema_violation", "malformed_json"]
    assert details["last_output"] == garbage[:2000]


def test_server_errors_are_retried_by_the_transport_layer(chat, service_on):
    chat.enqueue(Reply.error(500), Reply.error(503), seed_answer())
    with service_on() as client:
        response = post(client)
    assert response.status_code == 200
    assert response.json()["meta"]["attempts"] == 1, "transport retries are not answer attempts"
    assert len(chat.received) == 3


def test_rate_limit_honours_retry_after(chat, service_on):
    chat.enqueue(Reply.error(429, "slow down", headers={"Retry-After": "1"}), seed_answer())
    with service_on() as client:
        response, elapsed = timed_post(client)
    assert response.status_code == 200
    assert elapsed >= 0.95


def test_retry_after_past_the_deadline_gives_503_at_once(chat, service_on):
    chat.enqueue(Reply.error(429, "quota", headers={"Retry-After": "90"}))
    with service_on(deadline="10") as client:
        response, elapsed = timed_post(client)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "90"
    assert response.json()["error"]["code"] == "backend_unavailable"
    assert elapsed < 2


def test_persistent_server_errors_give_503(chat, service_on):
    chat.enqueue(*[Reply.error(500) for _ in range(4)])
    with service_on() as client:
        response = post(client)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert len(chat.received) == 4


def test_a_call_that_stalled_is_asked_again_when_a_whole_call_still_fits_the_deadline(chat, service_on):
    chat.enqueue(Reply.json(seed_answer(), delay=2.0), seed_answer())
    with service_on(timeout="0.5") as client:
        response = post(client)
    assert response.status_code == 200
    assert len(chat.received) == 2


def test_a_slow_answer_is_not_asked_again_when_the_deadline_cannot_hold_another_call(chat, service_on):
    chat.enqueue(Reply.json(seed_answer(), delay=3.0), seed_answer())
    with service_on(timeout="1", deadline="1.8") as client:
        response, elapsed = timed_post(client)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "deadline_exceeded"
    assert len(chat.received) == 1, "the server had the request; it was not asked from scratch again"
    assert elapsed < 1.5, "the rest of the deadline is not spent waiting"


def test_deadline_bounds_the_whole_request(chat, service_on):
    chat.enqueue(*[Reply.json(seed_answer(), delay=5.0) for _ in range(3)])
    with service_on(deadline="1", timeout="30") as client:
        response, elapsed = timed_post(client)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "deadline_exceeded"
    assert elapsed < 2


def formats_sent(chat) -> list[str]:
    """Each request's response format: its type, `+schema` when a schema went with json_object."""
    formats = []
    for body in chat.received:
        field = body.get("response_format", {"type": "prompt"})
        formats.append(field["type"] + ("+schema" if "schema" in field else ""))
    return formats


def test_unsupported_json_schema_falls_back_to_json_object_with_the_schema_and_remembers(chat, service_on, caplog):
    rejection = Reply.error(400, "response_format json_schema is not supported by this server")
    chat.enqueue(rejection, seed_answer(), seed_answer())
    with caplog.at_level(logging.WARNING, logger="service.backends.response_formats"), service_on() as client:
        assert post(client).status_code == 200
        assert post(client, title="Second save").status_code == 200
    assert formats_sent(chat) == ["json_schema", "json_object+schema", "json_object+schema"]
    assert chat.received[1]["response_format"]["schema"]["additionalProperties"] is False
    assert "JSON Schema" not in chat.received[1]["messages"][0]["content"], "the server holds the answer to it"
    changes = [r.getMessage() for r in caplog.records if r.name == "service.backends.response_formats"]
    assert changes == [f"the model server at {chat.base_url} rejected response_format json_schema (HTTP 400); "
                       "asking with json_object+schema from now on"]


def test_a_500_that_rejects_the_format_moves_down_to_the_prompt_without_transport_retries(chat, service_on):
    chat.enqueue(
        Reply.error(500, "1 validation error: ('body', 'response_format', 'type') Input should be 'text' or 'json_object'"),
        Reply.error(500, "Traceback (most recent call last): ... in _grammar_for_response_format"),
        Reply.error(422, "Unrecognized schema keyword 'additionalProperties'"),
        seed_answer(),
    )
    with service_on() as client:
        response = post(client)
    assert response.status_code == 200
    assert formats_sent(chat) == ["json_schema", "json_object+schema", "json_object", "prompt"]
    assert '"additionalProperties": false' in chat.received[3]["messages"][0]["content"], "the schema told in the prompt"


def test_an_error_that_does_not_name_the_format_is_a_transport_failure_not_a_rejection(chat, service_on):
    chat.enqueue(Reply.error(500, "CUDA out of memory"), seed_answer())
    with service_on() as client:
        assert post(client).status_code == 200
    assert formats_sent(chat) == ["json_schema", "json_schema"]


def test_a_pinned_format_is_the_only_one_asked_for(chat, service_on):
    chat.enqueue(Reply.error(500, "Input should be 'text' or 'json_object' (response_format)"))
    with service_on(response_format="json_schema") as client:
        response = post(client)
    assert response.status_code == 502, "a rejection is not retried as if the server were down"
    assert response.json()["error"]["message"] == "the model server rejected the request (HTTP 500)"
    assert formats_sent(chat) == ["json_schema"]


def test_a_pinned_json_object_sends_the_schema_where_the_server_takes_it(chat, service_on):
    chat.enqueue(seed_answer(), Reply.error(400, "Unknown field response_format.schema"), seed_answer())
    with service_on(response_format="json_object") as client:
        assert post(client).status_code == 200
        assert post(client, title="Second save").status_code == 200
    assert formats_sent(chat) == ["json_object+schema", "json_object+schema", "json_object"]
    assert "JSON Schema" in chat.received[2]["messages"][0]["content"]


def test_the_prompt_format_sends_no_response_format(chat, service_on):
    chat.enqueue(seed_answer())
    with service_on(response_format="prompt") as client:
        assert post(client).status_code == 200
    assert formats_sent(chat) == ["prompt"]
    assert "JSON Schema" in chat.received[0]["messages"][0]["content"]


def test_the_answer_cap_can_be_raised_and_takes_the_name_the_server_asks_for(chat, service_on):
    unsupported = Reply.error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                   "Use 'max_completion_tokens' instead.")
    chat.enqueue(unsupported, seed_answer())
    with service_on(max_answer_tokens="4000") as client:
        assert post(client).status_code == 200
    first, second = chat.received
    assert first["max_tokens"] == 4000 and "max_completion_tokens" not in first
    assert second["max_completion_tokens"] == 4000 and "max_tokens" not in second


def test_upstream_text_goes_to_the_request_log_line_never_to_the_client(chat, service_on, caplog):
    leak = 'Traceback (most recent call last):\n  File "/srv/models/server.py", line 12\nKeyError: http://admin:pw@10.0.0.5'
    chat.enqueue(*[Reply.error(500, leak) for _ in range(4)])
    with caplog.at_level(logging.INFO, logger="service.requests"), service_on() as client:
        response = client.post("/v1/summaries", json={"text": SEED_ARTICLE}, headers={"X-Request-ID": "r-leak"})
    assert response.status_code == 503
    assert response.json()["error"]["message"] == "the model server failed to answer (HTTP 500)"
    for fragment in ("Traceback", "/srv/models", "10.0.0.5", "KeyError", chat.base_url):
        assert fragment not in response.text
    (line,) = [r.fields for r in caplog.records if r.name == "service.requests"]
    assert line["request_id"] == "r-leak" and line["error"] == "backend_unavailable"
    assert "/srv/models/server.py" in line["upstream"]


def test_provider_rejecting_the_call_is_a_502_backend_error(chat, service_on):
    chat.enqueue(Reply.error(401, "invalid api key"))
    with service_on() as client:
        response = post(client)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "backend_error"
    assert len(chat.received) == 1, "a refused call is not retried"


def test_readyz_reflects_the_model_server(chat, service_on, settings_env):
    with service_on() as client:
        assert client.get("/readyz").status_code == 200
    with service_on(base_url="http://127.0.0.1:9/v1") as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "backend_unavailable"


def test_choosing_through_a_server_sends_the_enum_constrained_schema(chat, service_on):
    chat.enqueue({"who": ["Israel"], "where": ["Kalsu Base"]})
    with service_on(strategy="choose") as client:
        response = post(client)
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["prompt_version"] == "choose-v3"
    sent = chat.received[0]
    schema = sent["response_format"]["json_schema"]["schema"]
    labels = schema["properties"]["who"]["items"]["enum"] + schema["properties"]["where"]["items"]["enum"]
    assert "Israel" in labels and "Kalsu Base" in labels
    assert schema["properties"]["who"]["maxItems"] == MAX_WHO_CHOSEN
    longest_answer = json.dumps({"who": labels, "where": labels})
    assert 100 < sent["max_tokens"] < 2 * len(longest_answer.encode()), "capped at what the choice can need"


def test_the_choosing_model_reads_the_opening_while_the_proposer_reads_it_all(chat, service_on):
    late = "Weeks later, Northwind Logistics denied that it had shipped the drones to Tallinn."
    chat.enqueue({"who": ["Israel"], "where": []})
    with service_on(strategy="choose") as client:
        response = post(client, f"{SEED_ARTICLE}\n\n{late}")
    assert response.status_code == 200, response.text
    user = chat.received[0]["messages"][1]["content"]
    assert SEED_ARTICLE.split(".")[0] in user and "Northwind" not in user.split("<article>")[1].split("</article>")[0]
    denials = [(d["who"], d["kind"]) for d in response.json()["denials"]]
    assert ("Northwind Logistics", "explicit") in denials
