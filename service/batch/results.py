"""OUT of `summarizer batch`: what an earlier run finished, read back so that a re-run resumes.

OUT is JSONL, one line per article: `{"id", "status": "done", "summary"}` or
`{"id", "status": "failed", "error"}`. Lines are only ever appended whole, except that a
kill can cut the last one short; that line is removed here, and its article made again.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Finished:
    """The ids OUT holds already, by the status of their line."""

    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, out: Path) -> Finished:
        """OUT's ids; a last line left incomplete by a kill is cut off, so appending starts a fresh line."""
        finished = cls()
        if not out.exists():
            return finished
        complete = 0
        with out.open("rb") as lines:
            for line in lines:
                if not line.endswith(b"\n"):
                    break
                complete += len(line)
                if (record := _record(line)) is not None:
                    finished._add(record)
                else:
                    log.warning("ignoring a line of %s that is not a batch result: %.80r", out, line)
        if complete < out.stat().st_size:
            log.warning("%s ended in an incomplete line; it is removed and that article made again", out)
            os.truncate(out, complete)
        return finished

    def _add(self, record: dict[str, Any]) -> None:
        if record["status"] == "done":
            self.done.add(record["id"])
            self.failed.discard(record["id"])
        elif record["id"] not in self.done:
            self.failed.add(record["id"])


def _record(line: bytes) -> dict[str, Any] | None:
    """One of OUT's lines, or None for a line that is not one of ours."""
    try:
        record = json.loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return None
    ours = isinstance(record, dict) and isinstance(record.get("id"), str) and record.get("status") in ("done", "failed")
    return record if ours else None


def drop_failed_lines(out: Path, ids: set[str]) -> None:
    """Rewrite OUT without the failed lines of these ids (to be retried), so that each id keeps one line."""
    rewritten = out.with_name(out.name + ".retrying")
    with out.open("rb") as old, rewritten.open("wb") as new:
        for line in old:
            record = _record(line)
            if record is None or record["status"] != "failed" or record["id"] not in ids:
                new.write(line)
        new.flush()
        os.fsync(new.fileno())
    os.replace(rewritten, out)
