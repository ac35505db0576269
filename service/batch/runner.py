"""One run of `summarizer batch`: INPUT's articles through the Summarizer, a few at once, into OUT.

Each line is written and flushed the moment its article is finished, so a kill loses at
most the articles in flight. INPUT is streamed: it is read no further than a free slot,
so only the articles in flight are in memory, however long the archive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from ..errors import SummarizerError
from ..pipeline.summarizer import Summarizer
from .articles import Articles, Entry
from .results import Finished, drop_failed_lines

log = logging.getLogger(__name__)

# Model servers answer several requests at once; the embedded model takes one at a time anyway.
DEFAULT_CONCURRENCY = 4


class _Plan:
    """Which articles of INPUT to make: not those OUT holds (failed ones only when retried), and an id once."""

    MAKE, DONE_BEFORE, FAILED_BEFORE, REPEAT = "make", "done before", "failed before", "repeat"

    def __init__(self, finished: Finished, retry_failed: bool):
        self.finished = finished
        self.retry_failed = retry_failed
        self.seen: set[str] = set()

    def verdict(self, entry: Entry) -> str:
        if entry.id in self.seen:
            return self.REPEAT
        self.seen.add(entry.id)
        if entry.id in self.finished.done:
            return self.DONE_BEFORE
        if entry.id in self.finished.failed and not self.retry_failed:
            return self.FAILED_BEFORE
        return self.MAKE


@dataclass
class Tally:
    done: int = 0
    failed: int = 0
    # Articles left as OUT has them (done or failed before) or because INPUT repeats their id.
    skipped: int = 0
    # The skipped ones whose line in OUT says failed: the batch is not finished while there are any.
    failed_before: int = 0
    # The signal that stopped the batch before the end of INPUT, if one did.
    stopped_by: int | None = None


class Batch:
    """One run over INPUT into OUT, at most `concurrency` articles at once."""

    def __init__(self, summarizer: Summarizer, out: Path, *, concurrency: int = DEFAULT_CONCURRENCY,
                 retry_failed: bool = False, progress_to: TextIO | None = sys.stderr):
        self.summarizer = summarizer
        self.out = out
        self.concurrency = concurrency
        self.retry_failed = retry_failed
        self.progress_to = progress_to
        self.tally = Tally()
        self._in_flight: set[asyncio.Task[None]] = set()

    def stop(self, signum: int = signal.SIGINT) -> None:
        """First call: take no new article, finish those in flight. Second call: abandon those too."""
        if self.tally.stopped_by is None:
            self.tally.stopped_by = signum
            tqdm.write(f"stopping: finishing the {len(self._in_flight)} article(s) in flight "
                       "(interrupt again to abandon them)", file=sys.stderr)
            return
        for task in self._in_flight:
            task.cancel()

    async def run(self, articles: Articles) -> Tally:
        # Reading a long OUT and INPUT takes seconds: off the event loop, which then still hears Ctrl-C.
        finished, verdicts = await asyncio.to_thread(self._prepare, articles)
        skipped = verdicts.total() - verdicts[_Plan.MAKE]
        self.tally.skipped, self.tally.failed_before = skipped, verdicts[_Plan.FAILED_BEFORE]
        with (
            self.out.open("a", encoding="utf-8") as out,
            tqdm(total=verdicts.total(), initial=skipped, unit="article", file=self.progress_to,
                 disable=self.progress_to is None) as bar,
        ):
            self._show(bar)
            await self._make_all(articles, _Plan(finished, self.retry_failed), out, bar)
            out.flush()
            os.fsync(out.fileno())
        return self.tally

    def _prepare(self, articles: Articles) -> tuple[Finished, Counter[str]]:
        """What OUT holds, without the failures to retry; and INPUT's articles by verdict, known before
        the first is made so that the ETA holds from the start."""
        finished = Finished.read(self.out)
        plan = _Plan(finished, self.retry_failed)
        verdicts = Counter(plan.verdict(entry) for entry in articles)
        if verdicts[_Plan.REPEAT]:
            log.warning("INPUT repeats %d id(s): only the first article of each id is made", verdicts[_Plan.REPEAT])
        # Only failures of articles in this INPUT are retried; others keep their line.
        if self.retry_failed and (retried := finished.failed & plan.seen):
            drop_failed_lines(self.out, retried)
        return finished, verdicts

    async def _make_all(self, articles: Articles, plan: _Plan, out: TextIO, bar: tqdm) -> None:
        slots = asyncio.Semaphore(self.concurrency)
        async with asyncio.TaskGroup() as group:
            for entry in articles:
                if plan.verdict(entry) != _Plan.MAKE:
                    continue
                await slots.acquire()  # INPUT is read no further than a free slot
                if self.tally.stopped_by is not None:
                    slots.release()
                    break
                task = group.create_task(self._make(entry, out, bar))
                self._in_flight.add(task)
                task.add_done_callback(partial(self._landed, slots))

    def _landed(self, slots: asyncio.Semaphore, task: asyncio.Task[None]) -> None:
        """A task has ended (made, failed or abandoned): its slot takes the next article."""
        self._in_flight.discard(task)
        slots.release()

    async def _make(self, entry: Entry, out: TextIO, bar: tqdm) -> None:
        record = await self._result(entry)
        # One write and a flush: a kill loses at most the articles still in flight.
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
        if record["status"] == "done":
            self.tally.done += 1
        else:
            self.tally.failed += 1
        self._show(bar)
        bar.update()

    async def _result(self, entry: Entry) -> dict[str, Any]:
        try:
            article = await asyncio.to_thread(entry.read)  # HTML extraction takes a while
            summary = await self.summarizer.summarize(article)
        except SummarizerError as exc:
            log.warning("article %r failed: %s%s", entry.id, exc.message, f" ({exc.upstream})" if exc.upstream else "")
            return {"id": entry.id, "status": "failed", "error": exc.envelope()["error"]}
        except Exception:
            # A bug, not the article's fault: the traceback goes to the log, the batch goes on.
            log.exception("article %r failed on an unexpected error", entry.id)
            unexpected = SummarizerError("the article could not be summarized because of an internal error")
            return {"id": entry.id, "status": "failed", "error": unexpected.envelope()["error"]}
        return {"id": entry.id, "status": "done", "summary": summary.as_body()}

    def _show(self, bar: tqdm) -> None:
        bar.set_postfix(done=self.tally.done, failed=self.tally.failed, skipped=self.tally.skipped, refresh=False)
