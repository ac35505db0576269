"""`summarizer batch`: an archive through the pipeline, one JSON line per article, resumable.

INPUT is a JSONL file of request bodies (those of `POST /v1/summaries`, each with an `id`)
or a folder of .txt and .html files (articles.py). OUT gets one line per article, written
as each one is finished (runner.py):

    {"id": ..., "status": "done", "summary": <the 200 response>}
    {"id": ..., "status": "failed", "error": <the error envelope's error object>}

A re-run with the same OUT skips the ids already there (results.py), so a backfill stopped
by Ctrl-C, a crash or a kill goes on where it stopped. The Summarizer is the service's own,
built from the settings with its result cache, so an article summarized before (in an
earlier run, or twice in INPUT) costs no model call, whichever the backend.

This module is the command: its arguments, signals, and what it says and exits with.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from ..backends.base import make_backend
from ..config import Settings
from ..pipeline.cache import open_cache_or_none
from ..pipeline.summarizer import Summarizer
from .articles import Articles, UnusableArguments
from .runner import DEFAULT_CONCURRENCY, Batch, Tally

__all__ = ["DEFAULT_CONCURRENCY", "run_command"]

log = logging.getLogger(__name__)

EXIT_ALL_DONE = 0
EXIT_SOME_FAILED = 1
EXIT_UNUSABLE = 2
# The HTTP client logs every model call at INFO, which would bury the progress bar.
CHATTY_LOGGERS = ("httpx", "httpx2")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def run_command(settings: Settings, source: Path, out: Path, *, concurrency: int, retry_failed: bool) -> int:
    """`summarizer batch`: the exit status, with what happened said on stderr."""
    try:
        _check_arguments(source, out, concurrency)
        articles = Articles(source, settings.max_chars)
    except UnusableArguments as exc:
        print(f"summarizer batch: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    backend = make_backend(settings)
    cache = open_cache_or_none(settings)
    batch = Batch(Summarizer.from_settings(backend, settings, cache=cache), out,
                  concurrency=concurrency, retry_failed=retry_failed)
    try:
        with _stopped_by_signals(batch), logging_redirect_tqdm():
            tally = await batch.run(articles)
    finally:
        if cache:
            await cache.aclose()
        await backend.aclose()
    again = ["summarizer", "batch", str(source), "--out", str(out), "--concurrency", str(concurrency)]
    return _report(tally, out, again)


def _check_arguments(source: Path, out: Path, concurrency: int) -> None:
    if concurrency < 1:
        raise UnusableArguments(f"--concurrency must be 1 or more, not {concurrency}")
    if out.is_dir():
        raise UnusableArguments(f"--out {out} is a folder; give the JSONL file to write")
    if out.exists() and source.exists() and out.resolve() == source.resolve():
        raise UnusableArguments("--out is INPUT itself; give another file")
    if not out.parent.is_dir():
        raise UnusableArguments(f"--out {out}: the folder {out.parent} does not exist")



@contextmanager
def _stopped_by_signals(batch: Batch) -> Iterator[None]:
    """Ctrl-C (or a SIGTERM) stops the batch cleanly rather than killing it mid-article."""
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, batch.stop, signum)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def _report(tally: Tally, out: Path, again: list[str]) -> int:
    """What the run did, on stderr, and its exit status: 128 + the signal that stopped it, else 1 while any failed."""
    print(f"summarizer batch: {tally.done} done, {tally.failed} failed, {tally.skipped} skipped (already in {out})",
          file=sys.stderr)
    if tally.stopped_by is not None:
        print(f"summarizer batch: stopped before the end; every finished article is in {out}. "
              f"To go on where it stopped, run: {shlex.join(again)}", file=sys.stderr)
        return 128 + tally.stopped_by
    if failed := tally.failed + tally.failed_before:
        earlier = f", {tally.failed_before} of them in an earlier run" if tally.failed_before else ""
        print(f"summarizer batch: {failed} article(s) failed{earlier} (their lines in {out} say \"failed\"); "
              f"to make them again, run: {shlex.join([*again, '--retry-failed'])}", file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_ALL_DONE
