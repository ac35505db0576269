"""Scoring of who / where / denials against a hand-written gold annotation.

Pure functions, shared by the candidate bench and `summarizer eval`. The
matching follows the development set's README:

* names are normalised (service.text's matching form, with punctuation stripped;
  a possessive 's is dropped first so "Russia's army" contains "russia");
* two names match when one contains the other as whole words, or their token
  overlap (Jaccard) is at least 0.5; a name made only of function words
  ("At", "The") matches nothing, so sentence-initial words earn no credit;
* gold and predictions are paired one to one (maximum matching), so a second
  prediction of the same gold entity is a false positive, not a free hit;
* predictions that only match an `acceptable` item are neutral;
* an empty gold list scores recall 1.

Denials are matched on the party only (`who` or any `who_alt`): the README's
"denied text overlaps in meaning" needs an embedding model or an LLM judge,
which a later eval can add on top of the pairing done here.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from service.text import fold

FIELDS = ("who", "where", "denials", "denials+kind")
NameField = Literal["who", "where"]
# The fields of an answer, as the scorer reads them (denials+kind is a second scoring of denials).
AnswerField = Literal["who", "where", "denials"]
ANSWER_FIELDS: tuple[AnswerField, ...] = ("who", "where", "denials")
_PUNCT = re.compile("[" + re.escape(string.punctuation + "“”‘’«»–—…") + "]")


class Names(TypedDict):
    """A prediction as the scorer reads it: the names per field, and each denial's party (`who`) and `kind`."""

    who: list[str]
    where: list[str]
    denials: list[dict[str, str]]


def normalise(name: str) -> str:
    text = re.sub(r"'s\b", "", fold(name))
    text = _PUNCT.sub(" ", text)
    return " ".join(text.split())


# A name made only of these cannot match anything ("At" is not "At least seven people").
_FUNCTION_WORDS = frozenset([
    "a", "an", "the", "at", "in", "on", "of", "for", "to", "by", "and", "or", "but", "with", "from", "as",
    "it", "he", "she", "they", "we", "i",
])


def names_match(a: str, b: str) -> bool:
    x, y = normalise(a), normalise(b)
    if not x or not y or set(x.split()) <= _FUNCTION_WORDS or set(y.split()) <= _FUNCTION_WORDS:
        return False
    if f" {x} " in f" {y} " or f" {y} " in f" {x} ":
        return True
    tx, ty = set(x.split()), set(y.split())
    return len(tx & ty) / len(tx | ty) >= 0.5


@dataclass(frozen=True)
class Score:
    tp: int  # predictions paired with a gold item
    fp: int  # predictions that match nothing (or a gold item already taken)
    fn: int  # gold items left unpaired
    neutral: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.neutral + other.neutral)


def _pair(pred: Sequence[Any], gold: Sequence[Any], match: Callable[[Any, Any], bool]) -> dict[int, int]:
    """Maximum one-to-one matching (Kuhn's augmenting paths): pred index -> gold index."""
    options = [[g for g in range(len(gold)) if match(p, gold[g])] for p in pred]
    owner: dict[int, int] = {}

    def augment(p: int, seen: set[int]) -> bool:
        for g in options[p]:
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in range(len(pred)):
        augment(p, set())
    return {p: g for g, p in owner.items()}


def _dedupe(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        key = normalise(item)
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def score_names(pred: Sequence[str], gold: Sequence[str], acceptable: Sequence[str] = ()) -> Score:
    pred, gold = _dedupe(pred), _dedupe(gold)
    paired = _pair(pred, gold, names_match)
    tp = len(paired)
    fp = neutral = 0
    for index, name in enumerate(pred):
        if index in paired:
            continue
        if any(names_match(name, a) for a in acceptable):
            neutral += 1
        else:
            fp += 1
    return Score(tp, fp, len(gold) - tp, neutral)


def _party_names(denial: dict[str, Any]) -> list[str]:
    return [denial.get("who", "")] + list(denial.get("who_alt", []) or [])


def _party_match(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    return any(names_match(pred.get("who", ""), name) for name in _party_names(gold) if name)


def _party_and_kind_match(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    return _party_match(pred, gold) and pred.get("kind") == gold.get("kind")


def score_denials(pred: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]],
                  acceptable: Sequence[dict[str, Any]] = (), *, with_kind: bool = False) -> Score:
    """Pairs predicted denials with gold ones on the party (and the kind, if asked); acceptable ones are neutral."""
    match = _party_and_kind_match if with_kind else _party_match
    paired = _pair(pred, gold, match)
    tp = len(paired)
    rest = [p for i, p in enumerate(pred) if i not in paired]
    # An acceptable denial absorbs one leftover prediction of its party.
    absorbed = _pair(rest, list(acceptable), _party_match)
    neutral = len(absorbed)
    return Score(tp, len(rest) - neutral, len(gold) - tp, neutral)


def primary_found(pred: Sequence[str], gold_phrases: Sequence[str]) -> bool:
    """Whether any predicted name matches any of the annotators' phrases for the primary item."""
    return any(names_match(p, g) for p in pred for g in gold_phrases)


def score_record(pred: Names, record: dict[str, Any]) -> dict[str, Score]:
    """who, where, denials (on the party) and denials+kind of one prediction against one annotated record."""
    gold, acceptable = record["gold"], record.get("acceptable", {})
    denials, acceptable_denials = gold["denials"], acceptable.get("denials", [])
    return {
        "who": score_names(pred["who"], gold["who"], acceptable.get("who", [])),
        "where": score_names(pred["where"], gold["where"], acceptable.get("where", [])),
        "denials": score_denials(pred["denials"], denials, acceptable_denials),
        "denials+kind": score_denials(pred["denials"], denials, acceptable_denials, with_kind=True),
    }
