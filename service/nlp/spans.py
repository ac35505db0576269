"""What the proposer gives back: exact spans of the article (service.text.Span), grouped per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..text import Span

__all__ = ["Candidates", "DenialCue", "DenialKind", "Entity", "EntityKind", "Span"]

DenialKind = Literal["explicit", "implicit", "no_comment"]
# "actor": a person or an organisation that the tagger did not name as either.
EntityKind = Literal["person", "org", "place", "group", "actor"]


@dataclass(frozen=True)
class Entity:
    """One referent: its longest written form, what it is, and how salient it is."""

    name: Span
    kind: EntityKind
    mentions: tuple[Span, ...]
    salience: float = 0.0


@dataclass(frozen=True)
class DenialCue:
    sentence: Span
    cue: Span
    kind: DenialKind
    party: Span  # the party's fullest form as written in the article
    denied: Span  # the cue's complement, in whole words


@dataclass(frozen=True)
class Candidates:
    sentences: list[Span]
    who: list[Span]
    where: list[Span]
    denials: list[DenialCue]
    dateline: Span | None = None
    entities: list[Entity] = field(default_factory=list)
    # The language the article was read as; the cue tables run on English only.
    language: str = "en"
