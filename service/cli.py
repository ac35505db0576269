"""The `summarizer` command: `serve` runs the HTTP service, `summarize` runs one article through the same
pipeline, `eval` scores the configured backend on annotated articles."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from .backends import make_backend
from .config import ConfigError, Settings, load_settings
from .errors import InvalidBody, SummarizerError
from .evaluation import SPLITS, in_split, load_records, run, scores
from .extract import looks_like_html
from .intake import article_from_payload
from .pipeline import Summarizer
from .report import summary_table, write_report

EXIT_FAILED = 1
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"summarizer: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "eval":
        return asyncio.run(_evaluate(settings, args))
    return asyncio.run(_summarize(settings, args.file))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summarizer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    summarize = commands.add_parser("summarize", help="summarize one article and print the JSON response")
    summarize.add_argument("file", help="a text or HTML file with the article, or - for standard input")
    evaluate = commands.add_parser("eval", help="score the configured backend on annotated articles")
    evaluate.add_argument("file", type=Path, help="a JSONL file in the development set's format, or a folder of Giveme5W1H JSON files")
    evaluate.add_argument("--report", type=Path, help="write report.md, results.jsonl, scores.json and chart.png here")
    evaluate.add_argument("--concurrency", type=int, default=4, help="articles in flight at once (default 4)")
    evaluate.add_argument("--limit", type=int, help="only the first N articles")
    evaluate.add_argument(
        "--split", choices=SPLITS,
        help="only one half of the development set: `reserved` is the half the proposer was not developed on",
    )
    return parser


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from .app import create_app
    from .observability import log_requests_as_json_lines
    from .serving import uvicorn_config

    log_requests_as_json_lines()
    uvicorn.Server(uvicorn_config(create_app(settings), settings, host=host, port=port)).run()
    return 0


async def _summarize(settings: Settings, file: str) -> int:
    try:
        content = _read(file)
        field = "html" if looks_like_html(content) else "text"
        article = article_from_payload({field: content}, settings.max_chars)
        backend = make_backend(settings)
        try:
            summarizer = Summarizer.from_settings(backend, settings)
            result = await summarizer.summarize(article)
        finally:
            await backend.aclose()
    except SummarizerError as exc:
        print(json.dumps(exc.envelope(), ensure_ascii=False), file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


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


def _read(file: str) -> str:
    try:
        return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidBody(f"cannot read {file}: {exc}") from None
