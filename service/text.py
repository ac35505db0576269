"""Text as every layer reads it: the one matching form of a text, sentence bounds, and Span.

Matching forgives what models and writers routinely change when they copy text
(runs of white space, quotation marks, curly against straight apostrophes,
dashes, letter case): `fold` gives a text's matching form, and
`fold_with_origins` gives the same form of an article together with the
article offset of every character in it, so that a match can be mapped back to
the article's own substring. Offsets count Unicode code points, as Python's
str does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Quotation marks are dropped (models add, drop and swap them freely), and so are
# invisible characters.
_DROPPED = '"“”„‟″«»\u00ad\u200b\u200c\u200d\u2060\ufeff'
_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys(_DROPPED, ""),
        **dict.fromkeys("‐‑‒–—−", "-"),
        "…": "...",
    }
)
# _FOLD but for the characters it drops or expands, which the pieces below keep apart.
_FOLD_KEEPING_LENGTH = str.maketrans({k: v for k, v in _FOLD.items() if v is not None and len(v) == 1})
_EXPANDING = re.compile("[" + "".join(chr(k) for k, v in _FOLD.items() if v and len(v) > 1) + "]")
# A text in pieces: white space, dropped characters, and runs of the rest.
_PIECES = re.compile(rf"(\s+)|([{_DROPPED}]+)|([^\s{_DROPPED}]+)")
# Where a sentence or a paragraph ends: after a paragraph break, or after a sentence end
# (and its closing quote) and the white space that follows it.
_BOUNDARY = re.compile(r"\n\s*|(?<=[.!?])[\"'”’»)\]]*\s+")


@dataclass(frozen=True)
class Span:
    """An exact substring of a text: text == source[start:end]."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, source: str, start: int, end: int) -> Span:
        return cls(start, end, source[start:end])


def fold(text: str) -> str:
    """The matching form of a text: folded case, no quotation marks, plain dashes, single spaces."""
    return " ".join(text.translate(_FOLD).casefold().split())


def fold_with_origins(text: str) -> tuple[str, list[int]]:
    """The matching form of a text, and for each of its characters the offset in `text` it comes from.

    Runs of white space become one space (trailing white space leaves one too); a
    character that folds to several (ß → ss, … → ...) gives each of them its own offset.
    """
    pieces: list[str] = []
    origin: list[int] = []
    # Folded whole when no character folds to several, so that each word is only sliced.
    whole = text.translate(_FOLD_KEEPING_LENGTH).casefold()
    same_length = len(whole) == len(text) and _EXPANDING.search(text) is None
    position = 0
    for space, dropped, word in _PIECES.findall(text):
        if word:
            end = position + len(word)
            folded = whole[position:end] if same_length else word.translate(_FOLD).casefold()
            if len(folded) == len(word):
                pieces.append(folded)
                origin.extend(range(position, end))
            else:  # a character folds to several (ß → ss, … → ...): map them one by one
                for at in range(position, end):
                    chars = text[at].translate(_FOLD).casefold()
                    pieces.append(chars)
                    origin.extend([at] * len(chars))
            position = end
        elif space:
            if pieces and pieces[-1][-1] != " ":
                pieces.append(" ")
                origin.append(position)
            position += len(space)
        else:
            position += len(dropped)
    return "".join(pieces), origin


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Sentences and paragraphs as (start, end), each with the white space that follows it."""
    ends = [match.end() for match in _BOUNDARY.finditer(text)]
    starts = [0, *ends]
    return [(start, end) for start, end in zip(starts, [*ends, len(text)], strict=True) if end > start]
