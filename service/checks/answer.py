"""A schema-valid answer of the model as typed models, in the answer schema's shape (schemas/).

JSON parsed from a model's answer is of no known type until it has passed the
answer schema; `checked_answer` holds it to the schema and gives it back typed,
so that everything after the check reads fields, not keys.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from .validate import SchemaValidator, check_schema


class AnsweredWho(BaseModel):
    name: str
    role: str | None
    quote: str


class AnsweredWhat(BaseModel):
    text: str
    quote: str


class AnsweredWhere(BaseModel):
    name: str
    quote: str


class AnsweredDenial(BaseModel):
    who: str
    denied: str
    kind: Literal["explicit", "implicit", "no_comment"]
    quote: str


class Answer(BaseModel):
    who: list[AnsweredWho]
    what: AnsweredWhat
    where: list[AnsweredWhere]
    denials: list[AnsweredDenial]


def checked_answer(parsed: Any, validator: SchemaValidator, raw: str) -> Answer:
    """The parsed answer, held to the answer schema (SchemaViolation otherwise), as typed models."""
    check_schema(parsed, validator, raw)
    return Answer.model_validate(parsed)
