"""Checks of the public contract shared by tests and benchmarks."""

from __future__ import annotations

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
