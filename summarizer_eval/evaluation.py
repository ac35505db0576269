"""`summarizer eval`: run the configured backend over annotated articles and score it.

Two formats are read:

- a JSONL file of the development set's format (`gold.who`, `gold.where`,
  `gold.denials[]`, `acceptable`), scored with precision, recall and F1 per field;
- a folder of Giveme5W1H news-please JSON files (`fiveWoneH.who|where.annotated`),
  which name only the main actor and place: scored as the recall of that one.

The no-model baseline (summarizer_eval.baseline) is scored on the same articles by the
same scorer, so every figure has its comparison beside it.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from service.article import Article
from service.errors import SummarizerError
from service.pipeline.summarizer import Summarizer
from service.summary import SummaryResponse

from .baseline import baseline as no_model_answer
from .scoring import FIELDS, NameField, Names, Score, primary_found, score_record

PRIMARY_FIELDS: tuple[NameField, ...] = ("who", "where")
SPLITS = ("develop", "reserved")


def in_split(record_id: str, split: str) -> bool:
    """The development set's two halves: rules are developed on odd-numbered articles
    (dev-d01, dev-n03, ...) and judged on the even-numbered ones, which they were not
    written on. Each half holds 7 articles with denials, 3 without, and traps."""
    number = re.search(r"-[a-z](\d+)", record_id)
    if number is None:
        raise ValueError(f"{record_id!r} is not a development-set id")
    return (int(number.group(1)) % 2 == 0) == (split == "reserved")


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    title: str | None
    gold: dict[str, Any] | None = None  # development-set format
    acceptable: dict[str, Any] = field(default_factory=dict)
    primary: dict[NameField, list[str]] | None = None  # Giveme5W1H: the annotators' phrases per field


@dataclass
class Outcome:
    record: Record
    seconds: float
    response: SummaryResponse | None = None
    error: dict[str, Any] | None = None

    @cached_property
    def baseline(self) -> Names:
        """What the no-model baseline finds in the same article."""
        return no_model_answer(self.record.text)

    @property
    def names(self) -> Names:
        """The response reduced to what the scorer reads; empty on failure."""
        if self.response is None:
            return Names(who=[], where=[], denials=[])
        body = self.response
        return Names(
            who=[w.name for w in body.who],
            where=[w.name for w in body.where],
            denials=[{"who": d.who, "kind": d.kind} for d in body.denials],
        )


def load_records(path: Path) -> list[Record]:
    """Records from a development-set JSONL file, or from a folder of Giveme5W1H JSON files."""
    if path.is_dir():
        return [_giveme_record(file) for file in sorted(path.glob("*.json"))]
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            records.append(Record(raw["id"], raw["text"], raw.get("title"), raw["gold"], raw.get("acceptable") or {}))
    return records


def _giveme_record(file: Path) -> Record:
    raw = json.loads(file.read_text(encoding="utf-8"))
    primary = {
        name: [a["text"] for a in raw["fiveWoneH"][name].get("annotated", []) if a.get("text")]
        for name in PRIMARY_FIELDS
    }
    return Record(file.stem, raw.get("text") or "", raw.get("title"), primary=primary)


async def run(
    summarizer: Summarizer, records: list[Record], *, concurrency: int, progress: Callable[[], None] = lambda: None
) -> list[Outcome]:
    """Every record through the pipeline, at most `concurrency` at a time, in the records' order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(record: Record) -> Outcome:
        async with gate:
            started = time.perf_counter()
            try:
                response = await summarizer.summarize(Article(record.text, title=record.title, id=record.id))
                outcome = Outcome(record, time.perf_counter() - started, response=response)
            except SummarizerError as exc:
                outcome = Outcome(record, time.perf_counter() - started, error=exc.envelope()["error"])
            progress()
            return outcome

    return list(await asyncio.gather(*(one(record) for record in records)))


def scores(outcomes: list[Outcome]) -> dict[str, Any]:
    """Every figure of the run, as written to scores.json."""
    answered = [o.response for o in outcomes if o.response]
    latencies = sorted(o.seconds * 1000 for o in outcomes)
    summary: dict[str, Any] = {
        "articles": len(outcomes),
        # Articles that got a schema-valid answer within their attempts (the service returns
        # nothing else), and those whose answer was grounded whole, nothing dropped.
        "schema_valid_rate": len(answered) / len(outcomes),
        "grounded_rate": sum(1 for response in answered if not response.meta.dropped) / len(outcomes),
        "attempts_per_article": _mean(response.meta.attempts for response in answered),
        "tokens_per_article": _mean(
            response.meta.usage.prompt_tokens + response.meta.usage.completion_tokens for response in answered
        ),
        "latency_ms": {"p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95)},
        "failures": dict(Counter(o.error["code"] for o in outcomes if o.error)),
    }
    annotated = [o for o in outcomes if o.record.gold is not None]
    if annotated:
        summary["fields"] = _field_scores(annotated)
        summary["false_alarms"] = _false_alarms(annotated)
    giveme = [o for o in outcomes if o.record.primary is not None]
    if giveme:
        summary["primary_recall"] = _primary_recall(giveme)
    return summary


def record_scores(outcome: Outcome) -> dict[str, Score]:
    record = outcome.record
    return score_record(outcome.names, {"gold": record.gold, "acceptable": record.acceptable})


def _field_scores(outcomes: list[Outcome]) -> dict[str, dict[str, dict[str, float]]]:
    system = {name: Score(0, 0, 0) for name in FIELDS}
    rules_free = {name: Score(0, 0, 0) for name in FIELDS}
    for outcome in outcomes:
        record = {"gold": outcome.record.gold, "acceptable": outcome.record.acceptable}
        for name, score in record_scores(outcome).items():
            system[name] += score
        for name, score in score_record(outcome.baseline, record).items():
            rules_free[name] += score
    return {name: {"system": _figures(system[name]), "baseline": _figures(rules_free[name])} for name in FIELDS}


def _false_alarms(outcomes: list[Outcome]) -> dict[str, int]:
    without = [o for o in outcomes if o.record.gold is not None and not o.record.gold["denials"]]
    return {
        "articles_without_denials": len(without),
        "system": sum(1 for o in without if o.names["denials"]),
        "baseline": sum(1 for o in without if o.baseline["denials"]),
    }


def _primary_recall(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = {}
    for name in PRIMARY_FIELDS:
        # Each article with an annotated primary item, and the annotators' phrases for it.
        scored = [(o, o.record.primary[name]) for o in outcomes if o.record.primary and o.record.primary[name]]
        found = sum(primary_found(o.names[name], phrases) for o, phrases in scored)
        found_by_baseline = sum(primary_found(o.baseline[name], phrases) for o, phrases in scored)
        result[name] = {
            "articles": len(scored),
            "system": found / len(scored) if scored else 0.0,
            "baseline": found_by_baseline / len(scored) if scored else 0.0,
        }
    return result


def _figures(score: Score) -> dict[str, float]:
    return {"precision": score.precision, "recall": score.recall, "f1": score.f1, "tp": score.tp, "fp": score.fp, "fn": score.fn}


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


def _percentile(sorted_values: list[float], percent: int) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(percent / 100 * (len(sorted_values) - 1)))]
