"""The embedded default on the dev set: quality against the no-model baseline, speed and memory.

Runs every article of ../shared/data/dev_articles.jsonl through the service's
own pipeline on the bundled SmolLM2-135M model (no server, no network), and
scores who, where and denials with service.scoring, the same scorer that the
no-model baseline (service.baseline) is scored with in the same run.

Targets: who and where F1 >= 0.55, denials F1 >= 0.6, each above the baseline;
no denial on an article without one; median <= 3 s per article; >= 95 % of
the time inside llama.cpp; RSS <= 600 MB.

    python bench/embedded.py [--data FILE] [--limit N] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.article import Article  # noqa: E402
from service.backends.llama import LlamaBackend, bundled_model_path  # noqa: E402
from service.baseline import baseline  # noqa: E402
from service.pipeline import Summarizer  # noqa: E402
from service.scoring import FIELDS, Score, score_record  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "dev_articles.jsonl"


class TimedLlama(LlamaBackend):
    """The real backend, counting the seconds spent inside llama.cpp's generation."""

    inside = 0.0

    def _generate(self, request):
        started = time.perf_counter()
        try:
            return super()._generate(request)
        finally:
            self.inside += time.perf_counter() - started


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def predictions(response: dict) -> dict:
    return {
        "who": [w["name"] for w in response["who"]],
        "where": [w["name"] for w in response["where"]],
        "denials": [{"who": d["who"], "kind": d["kind"]} for d in response["denials"]],
    }


async def run(records: list[dict]) -> tuple[list[dict], list[float], TimedLlama]:
    backend = TimedLlama(bundled_model_path(), timeout=120)
    summarizer = Summarizer(backend, deadline=300)
    await summarizer.summarize(Article("Warm-up: the model loads before the clock starts."))
    backend.inside = 0.0
    answers, seconds = [], []
    for record in records:
        started = time.perf_counter()
        answers.append(predictions(await summarizer.summarize(Article(record["text"], title=record.get("title")))))
        seconds.append(time.perf_counter() - started)
    return answers, seconds, backend


def table(records: list[dict], *systems: list[dict]) -> dict[str, list[Score]]:
    """Each field's score summed over the records, for each system's answers."""
    totals = {field: [Score(0, 0, 0) for _ in systems] for field in FIELDS}
    for position, record in enumerate(records):
        for column, answers in enumerate(systems):
            for field, score in score_record(answers[position], record).items():
                totals[field][column] += score
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()
    records = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    records = records[: args.limit] if args.limit else records

    embedded, seconds, backend = asyncio.run(run(records))
    no_model = [baseline(record["text"]) for record in records]
    scores = table(records, embedded, no_model)
    alarms = sum(1 for r, a in zip(records, embedded) if not r["gold"]["denials"] and a["denials"])
    no_denial = sum(1 for r in records if not r["gold"]["denials"])

    print(f"{len(records)} articles, model {backend.model}\n")
    print(f"{'field':10}{'embedded P':>12}{'R':>6}{'F1':>6}{'baseline P':>14}{'R':>6}{'F1':>6}")
    for field, (ours, theirs) in scores.items():
        print(f"{field:10}{ours.precision:12.2f}{ours.recall:6.2f}{ours.f1:6.2f}{theirs.precision:14.2f}{theirs.recall:6.2f}{theirs.f1:6.2f}")
    inside = backend.inside / sum(seconds)
    median = statistics.median(seconds)
    print(f"\ndenials on articles without one: {alarms}/{no_denial}")
    print(f"seconds per article: median {median:.2f}, p90 {sorted(seconds)[int(len(seconds) * 0.9)]:.2f}, max {max(seconds):.2f}")
    print(f"time inside llama.cpp: {inside:.1%}")
    print(f"RSS: {rss_mb():.0f} MB")

    checks = {
        "who F1 >= 0.55 and above baseline": scores["who"][0].f1 >= 0.55 and scores["who"][0].f1 > scores["who"][1].f1,
        "where F1 >= 0.55 and above baseline": scores["where"][0].f1 >= 0.55 and scores["where"][0].f1 > scores["where"][1].f1,
        "denials F1 >= 0.6 and above baseline": scores["denials"][0].f1 >= 0.6 and scores["denials"][0].f1 > scores["denials"][1].f1,
        "no denial where there is none": alarms == 0,
        "median <= 3 s": median <= 3.0,
        ">= 95% inside llama.cpp": inside >= 0.95,
        "RSS <= 600 MB": rss_mb() <= 600,
    }
    print()
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if args.no_check or all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
