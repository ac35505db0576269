"""The first checks of an answer: completion state, JSON parsing, and the answer schema."""

from __future__ import annotations

import json
import re

import pytest

from service.backends.base import Completion
from service.checks.validate import check_completion, check_schema, parse_json, pointer
from service.errors import (
    AnswerRejected,
    MalformedJSON,
    Problem,
    Refused,
    SchemaViolation,
    Truncated,
)
from service.pipeline.resources import load_schema

from .support.articles import seed_answer

OBJECT = {"who": [], "what": {"text": "A thing happened.", "quote": "a thing"}, "where": [], "denials": []}
OBJECT_TEXT = json.dumps(OBJECT, indent=2)


# --------------------------------------------------------------------------- parse_json

@pytest.mark.parametrize("raw", [
    pytest.param(OBJECT_TEXT, id="plain"),
    pytest.param(json.dumps(OBJECT), id="plain-one-line"),
    pytest.param(f"\n  {OBJECT_TEXT}\n\n", id="surrounding-whitespace"),
    pytest.param(f"```json\n{OBJECT_TEXT}\n```", id="json-fence"),
    pytest.param(f"```JSON\n{OBJECT_TEXT}\n```\n", id="upper-case-language-fence"),
    pytest.param(f"```\n{OBJECT_TEXT}\n```", id="fence-without-language"),
    pytest.param(f"  ```json\n{OBJECT_TEXT}```  ", id="fence-closing-on-last-line"),
    pytest.param(f"Here is the summary you asked for:\n{OBJECT_TEXT}\nLet me know if you need more.",
                 id="prose-around-object"),
    pytest.param(f"Here is the summary:\n```json\n{OBJECT_TEXT}\n```\nHope this helps!", id="prose-around-fence"),
    pytest.param(f"Sure! {json.dumps(OBJECT)}", id="prose-before-object"),
])
def test_parse_json_accepts(raw: str) -> None:
    assert parse_json(raw) == OBJECT


def test_parse_json_keeps_braces_inside_strings() -> None:
    value = {"what": {"text": "The {PMF} said \"}\"", "quote": "```"}}
    assert parse_json(f"Answer: {json.dumps(value)} done") == value
    assert parse_json(f"```json\n{json.dumps(value)}\n```") == value


@pytest.mark.parametrize(("raw", "line", "column"), [
    pytest.param('{"who": [], "what": }', 1, 21, id="missing-value"),
    pytest.param('{\n  "who": [],\n  "what": {"text": "x",}\n}', 3, 24, id="trailing-comma-line-3"),
    pytest.param("{'who': []}", 1, 2, id="single-quoted-keys"),
    pytest.param("", 1, 1, id="empty-string"),
    pytest.param("   \n ", 2, 2, id="only-whitespace"),
    pytest.param("I cannot summarise this article.", 1, 1, id="prose-only"),
    pytest.param('Here: {"who": [}', 1, 1, id="prose-around-broken-object"),
    pytest.param('{"who": [', 1, 10, id="cut-off"),
])
def test_parse_json_malformed(raw: str, line: int, column: int) -> None:
    with pytest.raises(MalformedJSON) as caught:
        parse_json(raw)
    error = caught.value
    assert isinstance(error, AnswerRejected)
    assert error.raw == raw
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.path == ""
    assert problem.message.startswith("not valid JSON: ")
    assert f"at line {line} column {column}" in problem.message
    assert error.code == "malformed_json"


def test_parse_json_malformed_fence_reports_position_inside_the_fence() -> None:
    raw = '```json\n{"who": [],\n "what": nope}\n```'
    with pytest.raises(MalformedJSON) as caught:
        parse_json(raw)
    # Line and column count from the first line inside the fence, not from the raw text.
    assert re.search(r"at line 2 column 10\b", caught.value.problems[0].message)
    assert caught.value.raw == raw


@pytest.mark.parametrize(("raw", "value"), [
    pytest.param("[1, 2]", [1, 2], id="array"),
    pytest.param("42", 42, id="number"),
    pytest.param("null", None, id="null"),
])
def test_parse_json_returns_any_json_value(raw: str, value: object) -> None:
    # Not an object is the schema check's business, not the parser's.
    assert parse_json(raw) == value


# --------------------------------------------------------------------------- check_schema

@pytest.fixture(scope="module")
def validator():
    return load_schema().validator


def _violations(answer: object, validator) -> list[Problem]:
    raw = json.dumps(answer)
    with pytest.raises(SchemaViolation) as caught:
        check_schema(answer, validator, raw)
    assert caught.value.raw == raw
    assert caught.value.code == "schema_violation"
    assert all(isinstance(p, Problem) for p in caught.value.problems)
    return caught.value.problems


def test_seed_answer_is_schema_valid(validator) -> None:
    assert check_schema(seed_answer(), validator, "raw") is None


def test_null_role_is_allowed(validator) -> None:
    answer = seed_answer()
    answer["who"][0]["role"] = None
    assert check_schema(answer, validator, "raw") is None


def test_empty_lists_are_allowed(validator) -> None:
    answer = seed_answer()
    answer["where"] = []
    answer["denials"] = []
    assert check_schema(answer, validator, "raw") is None


@pytest.mark.parametrize(("mutate", "path", "words"), [
    pytest.param(lambda a: a.pop("what"), "", ["'what'", "required"], id="missing-top-level-field"),
    pytest.param(lambda a: a["who"][1].pop("role"), "/who/1", ["'role'", "required"], id="missing-role"),
    pytest.param(lambda a: a["denials"][0].pop("kind"), "/denials/0", ["'kind'", "required"], id="missing-kind"),
    pytest.param(lambda a: a.update(when="Sunday"), "", ["'when'"], id="extra-top-level-field"),
    pytest.param(lambda a: a["where"][0].update(country="Iraq"), "/where/0", ["'country'"], id="extra-item-field"),
    pytest.param(lambda a: a["who"][0].update(name=7), "/who/0/name", ["7", "string"], id="wrong-type-name"),
    pytest.param(lambda a: a["who"][2].update(role=["pm"]), "/who/2/role", ["string", "null"], id="wrong-type-role"),
    pytest.param(lambda a: a.update(where={"name": "Iraq"}), "/where", ["array"], id="object-for-array"),
    pytest.param(lambda a: a.update(what="missiles hit a base"), "/what", ["object"], id="string-for-object"),
    pytest.param(lambda a: a["denials"][0].update(kind="denied"), "/denials/0/kind", ["'denied'"], id="bad-kind"),
])
def test_check_schema_single_error(validator, mutate, path: str, words: list[str]) -> None:
    answer = seed_answer()
    mutate(answer)
    problems = _violations(answer, validator)
    assert [p.path for p in problems] == [path]
    for word in words:
        assert word in problems[0].message


def test_check_schema_null_kind_breaks_type_and_enum(validator) -> None:
    answer = seed_answer()
    answer["denials"][1]["kind"] = None
    problems = _violations(answer, validator)
    assert [p.path for p in problems] == ["/denials/1/kind", "/denials/1/kind"]
    messages = " | ".join(p.message for p in problems)
    assert "'string'" in messages and "is not one of" in messages


def test_check_schema_reports_every_error(validator) -> None:
    answer = seed_answer()
    answer["denials"][0]["kind"] = "flat_denial"
    answer["who"][2]["quote"] = None
    problems = _violations(answer, validator)
    assert sorted(p.path for p in problems) == ["/denials/0/kind", "/who/2/quote"]


def test_check_schema_reports_many_errors_each_at_its_pointer(validator) -> None:
    answer = seed_answer()
    answer["denials"][1]["kind"] = "maybe"
    answer["where"][1]["name"] = 3
    answer["who"][0].pop("quote")
    answer["extra"] = True
    problems = _violations(answer, validator)
    assert sorted(p.path for p in problems) == ["", "/denials/1/kind", "/where/1/name", "/who/0"]
    for problem in problems:
        assert problem.path == "" or problem.path.startswith("/")
        assert len(problem.message) <= 300


def test_check_schema_not_an_object(validator) -> None:
    problems = _violations([1, 2], validator)
    assert [p.path for p in problems] == [""]
    assert "is not of type 'object'" in problems[0].message


def test_check_schema_long_messages_are_shortened(validator) -> None:
    answer = seed_answer()
    answer["denials"][0]["kind"] = "x" * 1000
    problems = _violations(answer, validator)
    assert [p.path for p in problems] == ["/denials/0/kind"]
    assert len(problems[0].message) < 300
    assert "\u2026 is not one of ['explicit', 'implicit', 'no_comment']" in problems[0].message


@pytest.mark.parametrize(("mutate", "path", "reason"), [
    pytest.param(lambda a: a.update(what="x" * 400), "/what", "is not of type 'object'", id="long-string-for-object"),
    pytest.param(lambda a: a["denials"][0].update(kind="x" * 400), "/denials/0/kind", "is not one of", id="long-bad-kind"),
])
def test_check_schema_shortened_messages_still_say_what_is_wrong(validator, mutate, path: str, reason: str) -> None:
    answer = seed_answer()
    mutate(answer)
    problems = _violations(answer, validator)
    problem = next(p for p in problems if p.path == path)
    assert reason in problem.message


@pytest.mark.parametrize(("path", "expected"), [
    pytest.param([], "", id="root"),
    pytest.param(["denials", 0, "kind"], "/denials/0/kind", id="keys-and-index"),
    pytest.param(["a/b", "m~n"], "/a~1b/m~0n", id="escaped"),
])
def test_pointer(path: list, expected: str) -> None:
    assert pointer(path) == expected


def test_check_schema_escapes_keys_in_pointers(validator) -> None:
    answer = seed_answer()
    answer["who"][0]["a/b~c"] = 1
    answer["what"] = {"text": 1, "quote": "q"}
    problems = _violations(answer, validator)
    assert sorted(p.path for p in problems) == ["/what/text", "/who/0"]
    assert "a/b~c" in next(p for p in problems if p.path == "/who/0").message


# --------------------------------------------------------------------------- check_completion

def test_check_completion_accepts_a_normal_answer() -> None:
    assert check_completion(Completion(text=OBJECT_TEXT, model="m")) is None


def test_check_completion_refusal() -> None:
    completion = Completion(text="", model="m", refusal="I can't help with that.")
    with pytest.raises(Refused) as caught:
        check_completion(completion)
    assert caught.value.raw == "I can't help with that."
    assert caught.value.code == "refused"
    assert [p.path for p in caught.value.problems] == [""]
    assert "I can't help with that." in caught.value.problems[0].message


def test_check_completion_long_refusal_is_shortened_in_the_problem_but_kept_in_raw() -> None:
    refusal = "No. " * 500
    with pytest.raises(Refused) as caught:
        check_completion(Completion(text="", model="m", refusal=refusal))
    assert caught.value.raw == refusal
    assert len(caught.value.problems[0].message) < 400


def test_check_completion_truncated() -> None:
    text = '{"who": [{"name": "Isr'
    with pytest.raises(Truncated) as caught:
        check_completion(Completion(text=text, model="m", truncated=True))
    assert caught.value.raw == text
    assert caught.value.code == "truncated"
    assert [p.path for p in caught.value.problems] == [""]
    assert "token limit" in caught.value.problems[0].message


def test_check_completion_refusal_wins_over_truncation() -> None:
    with pytest.raises(Refused) as caught:
        check_completion(Completion(text="partial", model="m", truncated=True, refusal="no"))
    assert caught.value.raw == "no"


def test_check_completion_empty_refusal_is_still_a_refusal() -> None:
    with pytest.raises(Refused) as caught:
        check_completion(Completion(text="{}", model="m", refusal=""))
    assert caught.value.raw == ""
