"""INPUT of `summarizer batch`: a JSONL file of request bodies or a folder of .txt and .html files.

Each article is an Entry, known by its id before it is read: a line's `id` (or its line
number when it has none), a file's name without its extension. Reading it makes the same
Article the HTTP path would, HTML extraction included, or raises the same SummarizerError.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..article import Article
from ..errors import InvalidBody, SummarizerError
from ..http.intake import article_from_payload

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")


class UnusableArguments(Exception):
    """INPUT, OUT or an option cannot be used; the message says why, in words for the user."""


@dataclass(frozen=True)
class Entry:
    """One article of INPUT by its id; `read` makes the Article or raises SummarizerError."""

    id: str
    read: Callable[[], Article]


class Articles:
    """The articles of INPUT, read lazily: each iteration reads INPUT again from the start."""

    def __init__(self, source: Path, max_chars: int):
        if not (source.is_dir() or source.is_file()):
            raise UnusableArguments(f"{source} is neither a JSONL file nor a folder of articles")
        try:
            if source.is_file():
                source.open("rb").close()
            elif not any(_article_files(source)):
                raise UnusableArguments(f"{source} holds no .txt or .html files")
        except OSError as exc:
            raise UnusableArguments(f"cannot read {source}: {exc.strerror}") from None
        self.source = source
        self.max_chars = max_chars

    def __iter__(self) -> Iterator[Entry]:
        if self.source.is_dir():
            return self._files()
        return self._lines()

    def _files(self) -> Iterator[Entry]:
        for path in sorted(_article_files(self.source)):
            yield Entry(path.stem, partial(_article_from_file, path, self.max_chars))

    def _lines(self) -> Iterator[Entry]:
        with self.source.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _entry_of_line(number, line, self.max_chars)


def _article_files(folder: Path) -> Iterator[Path]:
    return (p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES and p.is_file())


def _article_from_file(path: Path, max_chars: int) -> Article:
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InvalidBody(f"cannot read {path.name}: {exc.strerror}") from None
    kind = "html" if path.suffix.lower() in HTML_SUFFIXES else "text"
    return article_from_payload({kind: content, "id": path.stem}, max_chars)


def _entry_of_line(number: int, line: bytes, max_chars: int) -> Entry:
    """The line's request body; a body without an id is known by its line number."""
    line_id = f"line {number}"
    try:
        payload = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Entry(line_id, _failing(InvalidBody(f"line {number} is not UTF-8 text (byte {exc.start})")))
    except json.JSONDecodeError as exc:
        return Entry(line_id, _failing(InvalidBody(f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}")))
    if not isinstance(payload, dict):
        return Entry(line_id, _failing(InvalidBody(f"line {number} is not a JSON object with the article's fields")))
    if payload.get("id") in (None, ""):
        payload = {**payload, "id": line_id}
    # An id of the wrong type is known by the line number, and fails validation as on the HTTP path.
    known_as = payload["id"] if isinstance(payload["id"], str) else line_id
    return Entry(known_as, partial(article_from_payload, payload, max_chars))


def _failing(error: SummarizerError) -> Callable[[], Article]:
    def read() -> Article:
        raise error

    return read
