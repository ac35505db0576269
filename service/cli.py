"""The `summarizer` command: `serve` runs the HTTP service, `summarize` runs one article through the same
pipeline, `batch` runs many into a JSONL file, `eval` scores the configured backend on annotated articles (with
the `eval` extra)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from . import batch
from .backends.base import make_backend
from .config import Settings, load_settings
from .errors import ConfigError, InvalidBody, SummarizerError
from .http.extract import looks_like_html
from .http.intake import article_from_payload
from .pipeline.summarizer import Summarizer

EXIT_FAILED = 1
EXIT_CONFIG = 2
EVAL_EXTRA = "pip install 'newsroom-summarizer[eval]'"
# What the eval extra brings; the service itself needs neither.
EVAL_DEPENDENCIES = frozenset({"matplotlib", "tqdm"})


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    # `eval` reads its own options (summarizer_eval.command), so that this command knows nothing of them.
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "eval":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"summarizer: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "eval":
        return _evaluate(settings, rest)
    if args.command == "batch":
        return asyncio.run(batch.run_command(
            settings, args.input, args.out, concurrency=args.concurrency, retry_failed=args.retry_failed
        ))
    return asyncio.run(_summarize(settings, args.file))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summarizer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    summarize = commands.add_parser("summarize", help="summarize one article and print the JSON response")
    summarize.add_argument("file", help="a text or HTML file with the article, or - for standard input")
    backfill = commands.add_parser(
        "batch", help="summarize many articles into a JSONL file, one line each; a re-run goes on where it stopped"
    )
    backfill.add_argument(
        "input", type=Path, help="a JSONL file of request bodies, each with an id, or a folder of .txt and .html files"
    )
    backfill.add_argument("--out", type=Path, required=True, help="the JSONL file of results; the ids already in it are skipped")
    backfill.add_argument(
        "--concurrency", type=int, default=batch.DEFAULT_CONCURRENCY,
        help=f"articles in flight at once (default {batch.DEFAULT_CONCURRENCY})",
    )
    backfill.add_argument("--retry-failed", action="store_true", help="make again the articles whose line in OUT says failed")
    commands.add_parser(
        "eval", add_help=False,
        help=f"score the configured backend on annotated articles (summarizer eval --help; needs {EVAL_EXTRA})",
    )
    return parser


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from .http.app import create_app
    from .http.observability import log_requests_as_json_lines
    from .http.serving import uvicorn_config

    log_requests_as_json_lines()
    uvicorn.Server(uvicorn_config(create_app(settings), settings, host=host, port=port)).run()
    return 0


def _evaluate(settings: Settings, argv: list[str]) -> int:
    try:
        from summarizer_eval.command import evaluate
    except ModuleNotFoundError as exc:
        if exc.name not in EVAL_DEPENDENCIES:
            raise
        print(f"summarizer: `summarizer eval` needs the eval extra ({exc.name} is missing): {EVAL_EXTRA}", file=sys.stderr)
        return EXIT_CONFIG
    return evaluate(settings, argv)


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
    print(json.dumps(result.as_body(), ensure_ascii=False, indent=2))
    return 0


def _read(file: str) -> str:
    try:
        return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidBody(f"cannot read {file}: {exc}") from None
