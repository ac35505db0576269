"""The closing table every benchmark prints: each target beside its figure."""

from __future__ import annotations


def print_checks(rows: list[tuple[str, str, str, bool]]) -> bool:
    """Print (check, value, target, met) rows; True when every target is met."""
    width = max(len(label) for label, *_ in rows) + 2
    value_width = max(len(value) for _, value, *_ in rows) + 2
    target_width = max(len(target) for *_, target, _ in rows) + 2
    print(f"{'check':<{width}}{'value':>{value_width}}{'target':>{target_width}}  result")
    for label, value, target, met in rows:
        print(f"{label:<{width}}{value:>{value_width}}{target:>{target_width}}  {'PASS' if met else 'FAIL'}")
    return all(met for *_, met in rows)
