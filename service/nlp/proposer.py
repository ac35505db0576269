"""The proposer: loads spaCy's pipeline once, off the event loop, and reads one article at a time."""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import DEFAULT_NLP_MODEL
from ..errors import ConfigError
from . import language
from .denials import CueMatcher, DenialFinder
from .entities import cluster, mentions, rank
from .spans import Candidates, Span
from .tables import NameTable, cue_table, name_table

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_ENGLISH = "en"


class Proposer:
    """Names, places and denial cues of an article; `propose` waits for the pipeline to load."""

    def __init__(self, model: str = DEFAULT_NLP_MODEL):
        self.model = model
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp-load")
        self._loaded: Future[_Pipeline] = self._worker.submit(_load, model)
        self._worker.shutdown(wait=False)

    def ready(self) -> bool:
        return self._loaded.done() and self._loaded.exception() is None

    def wait(self) -> None:
        """Block until the pipeline has loaded; raises ConfigError when it cannot."""
        self._loaded.result()

    def propose(self, text: str, *, title: str | None = None, language_hint: str | None = None) -> Candidates:
        pipeline = self._loaded.result()
        names = name_table()
        dateline = _dateline(text, names)
        code = language.language_of(text, language_hint)
        # Parsed with the dateline blanked out, offsets unchanged: "SAO PAULO (Reuters) –" is no subject.
        doc = pipeline.nlp(_blanked(text, dateline))
        sentences = _sentences(text, doc, dateline)
        if code != _ENGLISH:
            # The tagger and the cue tables are English: German capitalised nouns are not names.
            return Candidates(sentences, [], [], [], dateline, [], code)
        skipped = [(dateline.start, dateline.end)] if dateline else []
        found = mentions(doc, skipped + _credits(text, names), names)
        ranked = rank(text, doc, cluster(found), names, title)
        denials = DenialFinder(text, doc, ranked, pipeline.cues, names).find()
        return Candidates(sentences, ranked.who, ranked.where, denials, dateline, ranked.entities, code)


@dataclass(frozen=True)
class _Pipeline:
    nlp: Language
    cues: CueMatcher


def _load(model: str) -> _Pipeline:
    import spacy
    from spacy.language import Language

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ConfigError(
            f"SUMMARIZER_NLP_MODEL: no installed spaCy pipeline named {model!r}; install it with pip"
        ) from exc
    if not Language.has_factory(_PARAGRAPHS):
        Language.component(_PARAGRAPHS, func=_paragraphs_end_sentences)
    nlp.add_pipe(_PARAGRAPHS, before="parser")
    language.load()
    return _Pipeline(nlp, CueMatcher(nlp.vocab, cue_table()))


_PARAGRAPHS = "paragraph_ends"


def _paragraphs_end_sentences(doc: Doc) -> Doc:
    """A line break ends a sentence: a headline or a dateline line has no full stop to end it."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text and doc[token.i - 1].is_space:
            token.is_sent_start = True
    return doc


def _dateline(text: str, names: NameTable) -> Span | None:
    """ "BAGHDAD (Reuters) -" at the start of the article: where it was filed, not where it happened."""
    match = names.dateline.match(text.lstrip())
    if match is None or not match.group().strip():
        return None
    offset = len(text) - len(text.lstrip())
    head = match.group().rstrip()
    place = re.split(r"[(,]", head)[0]
    if sum(ch.isupper() for ch in place) < 2 or any(ch.islower() for ch in place):
        return None  # "Israel - ..." opens a sentence, not a dateline
    return Span.of(text, offset, offset + len(head))


def _blanked(text: str, dateline: Span | None) -> str:
    if dateline is None:
        return text
    return text[: dateline.start] + " " * (dateline.end - dateline.start) + text[dateline.end :]


def _credits(text: str, names: NameTable) -> list[tuple[int, int]]:
    """Parenthesised wire and photo credits: "(Reuters)", "(Photo: Getty Images)"."""
    credits = names.wires | names.photo_credits
    ranges = []
    for match in re.finditer(r"\(([^()\n]{1,60})\)", text):
        parts = [part.strip() for part in re.split(r"[:/,;]", match.group(1).lower())]
        if any(part in credits or part.removeprefix("photo").strip() in credits for part in parts):
            ranges.append((match.start(), match.end()))
    return ranges


def _sentences(text: str, doc: Doc, dateline: Span | None) -> list[Span]:
    """spaCy's sentences, trimmed, without the dateline and without lines of no words."""
    found = []
    after = dateline.end if dateline else 0
    for sentence in doc.sents:
        start, end = max(sentence.start_char, after), sentence.end_char
        while start < end and text[start] in " \t\r\n-—–:":
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and any(ch.isalpha() for ch in text[start:end]):
            found.append(Span.of(text, start, end))
    return found
