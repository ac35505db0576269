"""The no-model baseline every candidate rule must beat.

Deliberately naive, and fixed so that scores stay comparable over time:

* sentences: cut after every run of . ! ? and at every line break (its own rule,
  not service.text's sentence bounds: the rule is part of what the baseline scores);
* who: capitalised names (runs of capitalised words) of the first two sentences;
* where: capitalised words right after "in", "at" or "near";
* denials: every sentence with a denial word (deny/denied/denies/reject/
  decline/refuse and their forms), with the sentence's first capitalised name
  as the party.
"""

from __future__ import annotations

import re

from .scoring import Names

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_NAME = re.compile(r"[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*")
_PLACE = re.compile(r"\b(?:in|at|near)\s+([A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*)")
_DENIAL = re.compile(r"\b(?:den(?:y|ies|ied|ying)|reject\w*|declin\w*|refus\w*)\b", re.I)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def baseline(text: str) -> Names:
    sentences = _sentences(text)
    who = _unique([m for s in sentences[:2] for m in _NAME.findall(s)])
    where = _unique(_PLACE.findall(text))
    denials = []
    for sentence in sentences:
        if _DENIAL.search(sentence):
            names = _NAME.findall(sentence)
            denials.append({"who": names[0] if names else "", "quote": sentence})
    return Names(who=who, where=where, denials=denials)
