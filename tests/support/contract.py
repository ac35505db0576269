"""Checks of the public contract shared by tests and benchmarks."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

ENVELOPE_KEYS = {"code", "message", "details"}


def envelope_problem(body: Any) -> str | None:
    """Why a decoded error body is not the contract's {"error": {"code", "message", "details"}}, or None."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"} or set(error) != ENVELOPE_KEYS:
        return f"not the error envelope: {str(body)[:200]}"
    if not (isinstance(error["code"], str) and isinstance(error["message"], str)):
        return f"an envelope with a non-string code or message: {str(error)[:200]}"
    return None


def ungrounded_items(body: dict[str, Any], article: str) -> list[str]:
    """What a 200 response returns that is not the article's own text: every problem, described."""
    names = [("who", item["name"]) for item in body["who"]]
    names += [("where", item["name"]) for item in body["where"]]
    names += [("denials", item["who"]) for item in body["denials"]]
    found = [f"{key} name {name!r} not in the article" for key, name in names if name not in article]
    items = [*body["who"], *body["where"], *body["denials"], *([body["what"]] if body["what"] else [])]
    for evidence in (e for item in items for e in item["evidence"]):
        if article[evidence["start"] : evidence["end"]] != evidence["quote"]:
            found.append(f"evidence {evidence['quote']!r} is not article[{evidence['start']}:{evidence['end']}]")
    return found


def failure_problem(status: int, body: Any, allowed: Collection[int]) -> str | None:
    """Why a failed response is not one of the allowed statuses with the error envelope, or None."""
    if status not in allowed:
        return f"status {status}: {str(body)[:200]}"
    problem = envelope_problem(body)
    return f"{status}: {problem}" if problem else None


def json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
