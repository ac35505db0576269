"""What the service assumes of a model, apart from how the model is reached.

A backend (service.backends.base) is transport only: it sends one request and gives
back one answer. How to ask a model, and how much to ask of it at once, is the
model's profile:

- strategy: `write` (the model writes the whole summary) or `choose` (rules
  propose spans of the article and the model chooses among them; what makes a
  small model useful). SUMMARIZER_STRATEGY picks one; `auto` is `choose` for
  the embedded model and `write` for a model server.
- how many chunks of a long article are asked at once, and how long a chunk may be.

Whichever backend asks, a choice schema is enforced as a llama.cpp grammar by the
embedded model and by llama.cpp-family servers alike, and llama-cpp-python 0.3
crashes its whole process on a grammar literal it cannot parse (a double quote or
backslash in an enum string, for one). What may go into such a literal is defined
here, once, for the labels the service offers and for the embedded backend's check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

Strategy = Literal["write", "choose"]
StrategySetting = Literal["auto", "write", "choose"]

EMBEDDED_BACKEND = "llama"


@dataclass(frozen=True)
class ModelProfile:
    strategy: Strategy
    # How many chunks of a long article may be asked at once.
    parallel_calls: int
    # Article tokens per chunk at most, for a model that reads shorter chunks faster than
    # long ones; None: as many as the context holds.
    chunk_tokens: int | None


# One generation at a time on the embedded model, and short chunks: its reading slows as the
# context fills (on 2 cores SmolLM2-135M reads 400 tokens/s of a 1,000-token prompt and 240 of
# a 6,000-token one).
EMBEDDED = ModelProfile(strategy="choose", parallel_calls=1, chunk_tokens=2048)
SERVER = ModelProfile(strategy="write", parallel_calls=4, chunk_tokens=None)


def profile_for(backend_name: str, strategy: StrategySetting = "auto") -> ModelProfile:
    """The profile of the backend's model, with the strategy the settings ask for."""
    base = EMBEDDED if backend_name == EMBEDDED_BACKEND else SERVER
    return base if strategy == "auto" else replace(base, strategy=strategy)


# Quotes, backslashes and control characters break llama-cpp-python's grammar parser.
# Characters beyond the Basic Multilingual Plane (emoji) are left out too: no name needs them.
_UNSAFE_IN_GRAMMAR = re.compile(r'["\\\x00-\x1f\x7f]|[^\x00-\uffff]')


def grammar_label(text: str) -> str:
    """The text as a label that a grammar literal can carry: unsafe characters become spaces."""
    return " ".join(_UNSAFE_IN_GRAMMAR.sub(" ", text).split())


def unsafe_grammar_literals(schema: Any) -> list[str]:
    """The property names and enum or const strings of a schema that no grammar literal can carry."""
    return [text for text in _literals(schema) if _UNSAFE_IN_GRAMMAR.search(text)]


def _literals(schema: Any) -> list[str]:
    """Every property name and enum or const string of a schema: the parts that become grammar literals."""
    if isinstance(schema, dict):
        found = [v for v in schema.get("enum", []) if isinstance(v, str)] + list(schema.get("properties", {}))
        if isinstance(schema.get("const"), str):
            found.append(schema["const"])
        return found + [text for value in schema.values() for text in _literals(value)]
    if isinstance(schema, list):
        return [text for value in schema for text in _literals(value)]
    return []
