"""First two checks of an answer: it parses as JSON, and it matches the answer schema."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError

from ..backends.base import Completion
from ..errors import MalformedJSON, Problem, Refused, SchemaViolation, Truncated

_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
_MAX_MESSAGE = 300
_MAX_VALUE = 80


def check_completion(completion: Completion) -> None:
    """Reject refusals and truncated answers before they are read as JSON."""
    if completion.refusal is not None:
        problem = Problem("", f"the model refused to answer: {completion.refusal[:_MAX_MESSAGE]}")
        raise Refused([problem], raw=completion.refusal)
    if completion.truncated:
        problem = Problem("", "the answer was cut off at the token limit; answer with fewer, shorter items")
        raise Truncated([problem], raw=completion.text)


def parse_json(raw: str) -> Any:
    """Parse the answer, tolerating a Markdown code fence or prose around one JSON object."""
    fenced = _FENCE.match(raw)
    text = fenced.group(1) if fenced else raw
    try:
        return json.loads(text)
    except json.JSONDecodeError as first_error:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                pass
        problem = Problem("", f"not valid JSON: {first_error.msg} at line {first_error.lineno} column {first_error.colno}")
        raise MalformedJSON([problem], raw=raw) from None


class SchemaValidator:
    """A JSON Schema (Draft 2020-12), checked fast by jsonschema-rs and explained by jsonschema.

    Most answers are valid, and jsonschema-rs says so in a microsecond where jsonschema takes
    over a hundred; jsonschema's path-addressed messages are needed only for the others.
    """

    def __init__(self, schema: dict[str, Any]):
        Draft202012Validator.check_schema(schema)
        self._fast = jsonschema_rs.Draft202012Validator(schema)
        self._explaining = Draft202012Validator(schema)

    def problems(self, instance: Any) -> list[Problem]:
        if self._fast.is_valid(instance):
            return []
        errors = sorted(self._explaining.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        return [Problem(pointer(error.absolute_path), _describe(error)) for error in errors]


def check_schema(answer: Any, validator: SchemaValidator, raw: str) -> None:
    """Raise SchemaViolation listing every schema error, each at its JSON pointer."""
    if problems := validator.problems(answer):
        raise SchemaViolation(problems, raw=raw)


def pointer(path: Any) -> str:
    """JSON pointer (RFC 6901) of a path given as keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _describe(error: ValidationError) -> str:
    """jsonschema's message with the offending value cut short, so that what is wrong survives."""
    value = repr(error.instance)
    message = str(error.message)
    if len(value) > _MAX_VALUE:
        return message.replace(value, value[:_MAX_VALUE] + "…", 1)
    return message
