"""The embedded default on the dev set: quality against the no-model baseline, speed and memory.

Runs every article of ../shared/data/dev_articles.jsonl through the service's
own pipeline on the bundled SmolLM2-135M model (no server, no network), and
scores who, where and denials with summarizer_eval.scoring, the same scorer that the
no-model baseline (summarizer_eval.baseline) is scored with in the same run.

Targets: who and where F1 >= 0.55, denials F1 >= 0.6, each above the baseline;
no denial on an article without one; median <= 2 s per article; >= 95 % of
the time inside llama.cpp; RSS <= 700 MB with
spaCy's pipeline and the GGUF model both loaded.

    python -m bench.embedded [--data FILE] [--split develop|reserved] [--limit N] [--no-check]

`--split reserved` runs the half of the development set that the proposer was not
developed on (summarizer_eval.evaluation.in_split).

`summarizer eval` gives the same scores for any backend; this adds the timing and memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from service.article import Article
from service.backends.llama import LlamaBackend, bundled_model_path
from service.pipeline.summarizer import Summarizer
from summarizer_eval.evaluation import SPLITS, in_split, load_records, run, scores
from summarizer_eval.report import summary_table
from tests.support.service_process import rss_mb

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "dev_articles.jsonl"


class TimedLlama(LlamaBackend):
    """The real backend, counting the seconds spent inside llama.cpp's generation."""

    inside = 0.0

    def _generate(self, *args):
        started = time.perf_counter()
        try:
            return super()._generate(*args)
        finally:
            self.inside += time.perf_counter() - started



async def measure(records: list, threads: int | None) -> tuple[list, TimedLlama]:
    """One article at a time, so that each one's seconds are its own."""
    backend = TimedLlama(bundled_model_path(), timeout=120, threads=threads)
    summarizer = Summarizer(backend, deadline=300)
    await summarizer.summarize(Article("Warm-up: the model loads before the clock starts."))
    backend.inside = 0.0
    return await run(summarizer, records, concurrency=1), backend


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=SPLITS)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--threads", type=int, help="llama.cpp threads (default: one per core)")
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()

    records = [r for r in load_records(args.data) if args.split is None or in_split(r.id, args.split)]
    outcomes, backend = asyncio.run(measure(records[: args.limit], args.threads))
    summary = scores(outcomes)
    seconds = sorted(o.seconds for o in outcomes)
    median, inside, rss = statistics.median(seconds), backend.inside / sum(seconds), rss_mb(os.getpid())
    print(f"{len(outcomes)} articles, model {backend.model}\n")
    print(summary_table(summary))
    print(f"\nseconds per article: median {median:.2f}, p90 {seconds[int(len(seconds) * 0.9)]:.2f}, max {seconds[-1]:.2f}")
    print(f"time inside llama.cpp: {inside:.1%}")
    print(f"RSS: {rss:.0f} MB\n")

    fields, alarms = summary["fields"], summary["false_alarms"]

    def above_baseline(name: str, target: float) -> bool:
        return fields[name]["system"]["f1"] >= target and fields[name]["system"]["f1"] > fields[name]["baseline"]["f1"]

    checks = {
        "who F1 >= 0.55 and above baseline": above_baseline("who", 0.55),
        "where F1 >= 0.55 and above baseline": above_baseline("where", 0.55),
        "denials F1 >= 0.6 and above baseline": above_baseline("denials", 0.6),
        "no denial where there is none": alarms["system"] == 0,
        "median <= 2 s": median <= 2.0,
        ">= 95% inside llama.cpp": inside >= 0.95,
        "RSS <= 700 MB": rss <= 700,
    }
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if args.no_check or all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
