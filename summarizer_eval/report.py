"""What `summarizer eval` shows: a terminal summary, and a report folder for people to read.

The folder holds report.md (the tables and the worst articles per field, with
what was expected and what came back), results.jsonl (every response),
scores.json (every figure) and chart.png (F1 per field against the baseline).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

from .evaluation import PRIMARY_FIELDS, Outcome, record_scores
from .scoring import ANSWER_FIELDS, AnswerField, NameField, primary_found

WORST_SHOWN = 5


def summary_table(summary: dict[str, Any]) -> str:
    """The scores as a plain-text table for the terminal (also the head of report.md)."""
    lines = []
    if "fields" in summary:
        lines += ["| field | P | R | F1 | baseline P | baseline R | baseline F1 |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for name, pair in summary["fields"].items():
            ours, theirs = pair["system"], pair["baseline"]
            lines.append(
                f"| {name} | {ours['precision']:.2f} | {ours['recall']:.2f} | {ours['f1']:.2f} "
                f"| {theirs['precision']:.2f} | {theirs['recall']:.2f} | {theirs['f1']:.2f} |"
            )
        alarms = summary["false_alarms"]
        lines.append("")
        lines.append(
            f"Denials reported on articles without one: {alarms['system']} of {alarms['articles_without_denials']}"
            f" (baseline: {alarms['baseline']})."
        )
    if "primary_recall" in summary:
        lines += ["| field | primary found | baseline | articles |", "| --- | --- | --- | --- |"]
        for name, figures in summary["primary_recall"].items():
            lines.append(f"| {name} | {figures['system']:.2f} | {figures['baseline']:.2f} | {figures['articles']} |")
    latency = summary["latency_ms"]
    lines += [
        "",
        f"Articles: {summary['articles']}; schema-valid answer for {summary['schema_valid_rate']:.0%}, grounded"
        f" whole for {summary['grounded_rate']:.0%}; {summary['attempts_per_article']:.2f} model calls and"
        f" {summary['tokens_per_article']:.0f} tokens per article; latency p50 {latency['p50']:.0f} ms,"
        f" p95 {latency['p95']:.0f} ms.",
    ]
    if summary["failures"]:
        lines.append("Failures: " + ", ".join(f"{code} {count}" for code, count in sorted(summary["failures"].items())) + ".")
    return "\n".join(lines)


def write_report(directory: Path, outcomes: list[Outcome], summary: dict[str, Any], title: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "results.jsonl").open("w", encoding="utf-8") as results:
        for outcome in outcomes:
            response = outcome.response.as_body() if outcome.response else None
            line = {"id": outcome.record.id, "seconds": round(outcome.seconds, 3), "response": response, "error": outcome.error}
            results.write(json.dumps(line, ensure_ascii=False) + "\n")
    (directory / "scores.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    body = [f"# {title}", "", summary_table(summary), "", "![F1 per field](chart.png)", "", *_worst(outcomes)]
    (directory / "report.md").write_text("\n".join(body) + "\n", encoding="utf-8")
    _chart(directory / "chart.png", summary)


def _worst(outcomes: list[Outcome]) -> list[str]:
    annotated = [o for o in outcomes if o.record.gold is not None]
    lines = []
    for name in ANSWER_FIELDS if annotated else ():
        scored = sorted(
            ((record_scores(o)[name], o) for o in annotated), key=lambda pair: (pair[0].f1, -pair[0].fp - pair[0].fn)
        )
        wrong = [(score, o) for score, o in scored if score.fp or score.fn][:WORST_SHOWN]
        lines += [f"## Worst articles: {name}", "", "| article | F1 | expected | came back |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {o.record.id} | {score.f1:.2f} | {_shown(o.record.gold[name])} | {_came_back(o, name)} |"
            for score, o in wrong
            if o.record.gold is not None
        ]
        lines.append("")
    for field in PRIMARY_FIELDS:
        missed = [o for o in outcomes if o.record.primary and o.record.primary[field] and not _found(o, field)]
        if missed:
            lines += [f"## Primary {field} missed", "", "| article | expected | came back |", "| --- | --- | --- |"]
            lines += [
                f"| {o.record.id} | {_shown(o.record.primary[field])} | {_came_back(o, field)} |"
                for o in missed[:WORST_SHOWN]
                if o.record.primary is not None
            ]
            lines.append("")
    return lines


def _came_back(outcome: Outcome, name: AnswerField) -> str:
    return _shown(outcome.names[name]) or _failure(outcome)


def _found(outcome: Outcome, name: NameField) -> bool:
    return outcome.record.primary is not None and primary_found(outcome.names[name], outcome.record.primary[name])


def _shown(items: list[Any]) -> str:
    texts = [f"{i['who']} ({i['kind']})" if isinstance(i, dict) else str(i) for i in items]
    return "; ".join(texts).replace("|", "\\|")


def _failure(outcome: Outcome) -> str:
    return f"error: {outcome.error['code']}" if outcome.error else "(nothing)"


def _chart(path: Path, summary: dict[str, Any]) -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "fields" in summary:
        labels = list(summary["fields"])
        ours = [summary["fields"][n]["system"]["f1"] for n in labels]
        theirs = [summary["fields"][n]["baseline"]["f1"] for n in labels]
        axis_label = "F1"
    else:
        labels = list(summary["primary_recall"])
        ours = [summary["primary_recall"][n]["system"] for n in labels]
        theirs = [summary["primary_recall"][n]["baseline"] for n in labels]
        axis_label = "primary found (recall)"
    figure, axes = plt.subplots(figsize=(7, 4))
    positions = range(len(labels))
    axes.bar([p - 0.2 for p in positions], ours, width=0.4, label="summarizer")
    axes.bar([p + 0.2 for p in positions], theirs, width=0.4, label="no-model baseline")
    axes.set_xticks(list(positions), labels)
    axes.set_ylim(0, 1)
    axes.set_ylabel(axis_label)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
