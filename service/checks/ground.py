"""Grounding: every quote, name and proper noun of an answer must be found in the article.

Matching forgives what models routinely change when they copy text (the
matching form of service.text, and punctuation at either end of a quote), but
the evidence returned is always the article's own substring at `start:end`, with
offsets computed here and never taken from the model. Offsets count Unicode
code points, as Python's str does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, overload

from ..errors import Problem
from ..summary import Denial, Dropped, Evidence, What, Where, Who
from ..text import Span, fold, fold_with_origins
from .answer import Answer, AnsweredDenial, AnsweredWhat, AnsweredWhere, AnsweredWho

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_LOOSE_ENDS = " '.,;:!?"
# What an item that failed a check carries in place of its evidence; the item is dropped.
_NO_EVIDENCE = Evidence(quote="", start=0, end=0)
T = TypeVar("T")
A = TypeVar("A")


class ArticleIndex:
    """The article in matching form, with the article offset of every matching-form character.

    A chunk of a longer article is indexed with its offset in the article, so
    that its evidence points into the whole article.
    """

    def __init__(self, text: str, offset: int = 0):
        self.text = text
        self.offset = offset
        self.folded, self._origin = fold_with_origins(text)

    def find(self, phrase: str, *, whole_words: bool = False) -> Span | None:
        """The first span of the article that matches the phrase, or None."""
        return self._find_folded(fold(phrase), whole_words)

    def find_quote(self, quote: str) -> Span | None:
        """Like find, but also forgives punctuation the model added or dropped at either end."""
        needle = fold(quote)
        span = self._find_folded(needle, False) or self._find_folded(needle.strip(_LOOSE_ENDS), False)
        return self._close_quotation(span) if span else None

    def _find_folded(self, needle: str, whole_words: bool) -> Span | None:
        if not needle:
            return None
        position = self.folded.find(needle)
        while position != -1:
            end = position + len(needle)
            if self._whole_characters(position, end) and (not whole_words or self._bounded(needle, position, end)):
                return Span.of(self.text, self._origin[position], self._origin[end - 1] + 1)
            position = self.folded.find(needle, position + 1)
        return None

    def _whole_characters(self, start: int, end: int) -> bool:
        """The match neither starts nor ends inside an article character that folds to several (ß → ss)."""
        origin = self._origin
        return (start == 0 or origin[start - 1] != origin[start]) and (end == len(origin) or origin[end] != origin[end - 1])

    def _close_quotation(self, span: Span) -> Span:
        """Take in the closing quotation mark that folding dropped, when the span opened one."""
        text = self.text
        opened = sum(text.count(mark, span.start, span.end) for mark in "“«") - sum(
            text.count(mark, span.start, span.end) for mark in "”»"
        )
        straight_open = text.count('"', span.start, span.end) % 2
        if span.end < len(text) and ((opened > 0 and text[span.end] in "”»") or (straight_open and text[span.end] == '"')):
            return Span.of(text, span.start, span.end + 1)
        return span

    def evidence(self, span: Span) -> Evidence:
        return Evidence(quote=span.text, start=self.offset + span.start, end=self.offset + span.end)

    def _bounded(self, needle: str, start: int, end: int) -> bool:
        before_ok = not needle[0].isalnum() or start == 0 or not self.folded[start - 1].isalnum()
        after_ok = not needle[-1].isalnum() or end == len(self.folded) or not self.folded[end].isalnum()
        return before_ok and after_ok


def unknown_names(text: str, index: ArticleIndex) -> list[str]:
    """Capitalised words of a free text that the article never uses: invented names."""
    missing = []
    for word in _WORD.findall(text):
        if word[0].isupper():
            word = _POSSESSIVE.sub("", word)
            if index.find(word, whole_words=True) is None and word not in missing:
                missing.append(word)
    return missing


@dataclass
class Grounding:
    """The grounded part of an answer in response form, and what could not be grounded."""

    who: list[Who] = field(default_factory=list)
    what: What | None = None
    where: list[Where] = field(default_factory=list)
    denials: list[Denial] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


class _ItemCheck:
    """Checks one item of the answer, collecting every problem before judging it."""

    def __init__(self, index: ArticleIndex, path: str):
        self.index = index
        self.path = path
        self.problems: list[Problem] = []
        self.reasons: list[str] = []

    def name(self, key: str, value: str) -> str:
        span = self.index.find(value, whole_words=True)
        if span is None:
            self._fail(key, "name_not_in_article", f"{value!r} does not occur in the article")
            return value
        return self.index.text[span.start : span.end]

    def quote(self, value: str) -> Evidence:
        span = self.index.find_quote(value)
        if span is None:
            self._fail("quote", "quote_not_in_article", f"{value[:200]!r} is not a verbatim part of the article")
            return _NO_EVIDENCE
        return self.index.evidence(span)

    @overload
    def free_text(self, key: str, value: str) -> str: ...

    @overload
    def free_text(self, key: str, value: None) -> None: ...

    def free_text(self, key: str, value: str | None) -> str | None:
        if value is not None and (missing := unknown_names(value, self.index)):
            names = ", ".join(map(repr, missing))
            self._fail(key, "invented_name", f"names not in the article: {names}")
        return value

    def _fail(self, key: str, reason: str, message: str) -> None:
        self.problems.append(Problem(f"{self.path}/{key}", message))
        if reason not in self.reasons:
            self.reasons.append(reason)


def ground(answer: Answer, index: ArticleIndex) -> Grounding:
    """Keep the items of a schema-valid answer that the article supports; report the rest."""
    result = Grounding()

    def check(field_name: str, position: int | None, build: Callable[[_ItemCheck, A], T], answered: A) -> T | None:
        path = f"/{field_name}" + ("" if position is None else f"/{position}")
        item = _ItemCheck(index, path)
        built = build(item, answered)
        if item.problems:
            result.problems.extend(item.problems)
            result.dropped.append(Dropped(path=path, field=field_name, reasons=item.reasons))
            return None
        return built

    for position, who in enumerate(answer.who):
        add_unique(result.who, check("who", position, _who, who), lambda item: fold(item.name))
    result.what = check("what", None, _what, answer.what)
    for position, where in enumerate(answer.where):
        add_unique(result.where, check("where", position, _where, where), lambda item: fold(item.name))
    for position, denial in enumerate(answer.denials):
        # One party may deny several things, even in one sentence ("denies ..., but refused
        # to comment"): only the same kind of denial on the same evidence is merged.
        add_unique(
            result.denials, check("denials", position, _denial, denial),
            lambda item: (fold(item.who), item.kind, item.evidence[0].start),
        )
    return result


def _who(check: _ItemCheck, who: AnsweredWho) -> Who:
    return Who(name=check.name("name", who.name), role=check.free_text("role", who.role), evidence=[check.quote(who.quote)])


def _what(check: _ItemCheck, what: AnsweredWhat) -> What:
    return What(text=check.free_text("text", what.text), evidence=[check.quote(what.quote)])


def _where(check: _ItemCheck, where: AnsweredWhere) -> Where:
    return Where(name=check.name("name", where.name), evidence=[check.quote(where.quote)])


def _denial(check: _ItemCheck, denial: AnsweredDenial) -> Denial:
    return Denial(
        who=check.name("who", denial.who),
        denied=check.free_text("denied", denial.denied),
        kind=denial.kind,
        evidence=[check.quote(denial.quote)],
    )


class _Evidenced(Protocol):
    evidence: list[Evidence]


E = TypeVar("E", bound=_Evidenced)


def add_unique(items: list[E], new: E | None, identity: Callable[[E], object]) -> None:
    """Append an item, or merge its evidence into the earlier item with the same identity."""
    if new is None:
        return
    for item in items:
        if identity(item) == identity(new):
            item.evidence.extend(e for e in new.evidence if e not in item.evidence)
            return
    items.append(new)
