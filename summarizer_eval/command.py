"""`summarizer eval FILE`: the configured backend on annotated articles, with a progress bar and a report."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tqdm import tqdm

from service.backends.base import make_backend
from service.config import Settings
from service.pipeline.summarizer import Summarizer

from .evaluation import SPLITS, in_split, load_records, run, scores
from .report import summary_table, write_report

EXIT_CONFIG = 2


def evaluate(settings: Settings, argv: list[str]) -> int:
    return asyncio.run(_evaluate(settings, _parser().parse_args(argv)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summarizer eval", description="score the configured backend on annotated articles")
    parser.add_argument(
        "file", type=Path, help="a JSONL file in the development set's format, or a folder of Giveme5W1H JSON files"
    )
    parser.add_argument("--report", type=Path, help="write report.md, results.jsonl, scores.json and chart.png here")
    parser.add_argument("--concurrency", type=int, default=4, help="articles in flight at once (default 4)")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument(
        "--split", choices=SPLITS,
        help="only one half of the development set: `reserved` is the half the proposer was not developed on",
    )
    return parser


async def _evaluate(settings: Settings, args: argparse.Namespace) -> int:
    file, report = args.file, args.report
    try:
        records = [r for r in load_records(file) if args.split is None or in_split(r.id, args.split)][: args.limit]
    except (OSError, ValueError, KeyError) as exc:
        print(f"summarizer: cannot read annotated articles from {file}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    backend = make_backend(settings)
    try:
        summarizer = Summarizer.from_settings(backend, settings)
        with tqdm(total=len(records), unit="article", file=sys.stderr) as progress:
            outcomes = await run(summarizer, records, concurrency=max(args.concurrency, 1), progress=progress.update)
    finally:
        await backend.aclose()
    summary = {"backend": backend.name, "model": backend.model, **scores(outcomes)}
    print(summary_table(summary))
    if report:
        write_report(report, outcomes, summary, title=f"{file.name}: {backend.name} backend, {backend.model}")
        print(f"\nReport written to {report}/")
    return 0
