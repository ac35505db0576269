"""The proposer's data files, read once into typed tables.

`cues.toml` says which words deny and how; `names.toml` says what news copy
adds around names (datelines, credits) and which nouns head institutions and
places. Editors can change either without touching code; the table tests in
tests/test_nlp_cues.py cover every cue and false friend.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .spans import DenialKind

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class VerbCue:
    lemma: str
    kind: DenialKind
    false_objects: frozenset[str] = frozenset()
    # Two objects, or a passive that keeps its object, deprive rather than deny.
    deprivation: bool = False
    # Denies only when its object is a claim ("rejected the report").
    claim_object: bool = False


@dataclass(frozen=True)
class WithheldCue:
    # The helpers that make its negation no refusal ("could not confirm").
    not_with: frozenset[str]
    # When given, it withholds only beside one of these verbs ("neither admitted nor denied").
    only_with: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WordsCue:
    words: tuple[str, ...]
    kind: DenialKind
    # Said of the speaker's own side ("Pyongyang had nothing to do with it"), not of a claim ("the report was false").
    of_self: bool = False


@dataclass(frozen=True)
class CueTable:
    verbs: dict[str, list[VerbCue]]
    nouns: dict[str, DenialKind]
    refusals: frozenset[str]
    refused_infinitives: frozenset[str]
    refused_requests: frozenset[str]
    refused_givings: frozenset[str]
    information: frozenset[str]
    withheld: dict[str, WithheldCue]
    disowned: frozenset[str]
    phrases: tuple[WordsCue, ...]
    claims: frozenset[str]
    reporting: frozenset[str]


@dataclass(frozen=True)
class NameTable:
    wires: frozenset[str]
    photo_credits: frozenset[str]
    dateline: re.Pattern[str]
    institutions: frozenset[str]
    standalone_institutions: frozenset[str]
    titles: frozenset[str]
    spokespeople: frozenset[str]
    advocates: frozenset[str]
    armed_forces: frozenset[str]
    members: frozenset[str]
    statements: frozenset[str]
    leaders: frozenset[str]
    clients: frozenset[str]
    courts: frozenset[str]
    organisation_nouns: frozenset[str]
    country_nouns: frozenset[str]
    place_heads: frozenset[str]
    locative: frozenset[str]
    compass: frozenset[str]


def _read(name: str) -> dict[str, Any]:
    with (_HERE / name).open("rb") as file:
        return tomllib.load(file)


def _lower(words: list[str]) -> frozenset[str]:
    return frozenset(word.lower() for word in words)


@cache
def cue_table() -> CueTable:
    data = _read("cues.toml")
    verbs: dict[str, list[VerbCue]] = {}
    for entry in data["verb"]:
        cue = VerbCue(
            lemma=entry["lemma"],
            kind=entry["kind"],
            false_objects=_lower(entry.get("false_objects", [])),
            deprivation=entry.get("deprivation", False),
            claim_object=entry.get("claim_object", False),
        )
        verbs.setdefault(cue.lemma, []).append(cue)
    return CueTable(
        verbs=verbs,
        nouns={entry["lemma"]: entry["kind"] for entry in data["noun"]},
        refusals=_lower(data["refusal"]["lemmas"]),
        refused_infinitives=_lower(data["refusal"]["infinitives"]),
        refused_requests=_lower(data["refusal"]["requests"]),
        refused_givings=_lower(data["refusal"]["givings"]),
        information=_lower(data["refusal"]["information"]),
        withheld={
            entry["lemma"]: WithheldCue(_lower(entry["not_with"]), _lower(entry.get("only_with", [])))
            for entry in data["withheld"]
        },
        disowned=_lower(data["disowned"]["lemmas"]),
        phrases=tuple(WordsCue(tuple(entry["words"]), entry["kind"], entry.get("of_self", False)) for entry in data["phrase"]),
        claims=_lower(data["claims"]["nouns"]),
        reporting=_lower(data["reporting"]["lemmas"]),
    )


@cache
def name_table() -> NameTable:
    data = _read("names.toml")
    return NameTable(
        wires=_lower(data["wires"]),
        photo_credits=_lower(data["photo_credits"]),
        dateline=re.compile(data["dateline"], re.MULTILINE),
        institutions=_lower(data["institutions"]),
        standalone_institutions=_lower(data["standalone_institutions"]),
        titles=_lower(data["titles"]),
        spokespeople=_lower(data["spokespeople"]),
        advocates=_lower(data["advocates"]),
        armed_forces=_lower(data["armed_forces"]),
        members=_lower(data["members"]),
        statements=_lower(data["statements"]),
        leaders=_lower(data["leaders"]),
        clients=_lower(data["clients"]),
        courts=_lower(data["courts"]),
        organisation_nouns=_lower(data["organisation_nouns"]),
        country_nouns=_lower(data["country_nouns"]),
        place_heads=_lower(data["place_heads"]),
        locative=_lower(data["locative"]),
        compass=_lower(data["compass"]),
    )
