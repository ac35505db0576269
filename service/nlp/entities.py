"""Named-entity mentions clustered per referent, and ranked by salience into who and where.

spaCy's NER finds the mentions (PERSON, ORG, NORP, GPE, LOC, FAC); what it
has no notion of comes from names.toml: a dateline or a wire credit names no
actor, and "Brazilian police" or "North Korea's foreign ministry" (a country
or nationality before an institution's noun) is one actor.

Mentions of one referent are clustered: the same name, a bare surname or
first name of a full name, an acronym of a long form ("PMF", "U.S."). A
referent is named by its longest form as written.

Salience is what news writing does with its main actors and places: mention
them often and early (the lead above all), make actors the subject of verbs,
and put places after locative prepositions ("in Iraq", "south of Baghdad").
A country that acts ("Israel has denied") is a who; one that locates is a
where; one that does both is both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token
from spacy.tokens import Span as TokenSpan

from .spans import Entity, EntityKind, Span
from .tables import NameTable

_KIND_OF_LABEL: dict[str, EntityKind] = {
    "PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place", "NORP": "group", "GROUP": "group",
    "ACTOR": "actor",  # a proper-noun subject the tagger left out: a person or an organisation
}
# Words an acronym skips in its long form: "Bank of England" is "BoE", "BOE".
_ACRONYM_SKIPS = {"of", "and", "the", "for", "de", "&", "on", "in"}
# "Theranos Inc." and "Theranos" are one name.
_COMPANY_SUFFIXES = {"inc", "corp", "co", "ltd", "llc", "plc", "ag", "sa", "nv", "bv", "gmbh", "limited", "incorporated"}
_LEADING_JUNK = {"the", "a", "an", "'s", "’s", "late", "neither", "both", "either"}
_NAME_PARTICLES = {"al", "el", "de", "da", "van", "von", "bin", "ibn", "abu", "du", "le", "la", "der", "den"}
_SUBJECT = {"nsubj", "nsubjpass", "csubj"}
# Labels of a word that is never an organisation's short name: "Washington" of "Washington Post".
_PLACE_OR_GROUP = {"GPE", "LOC", "FAC", "NORP"}
# What the tagger knows to be no name of an actor or a place ("in July", "in the Asian Cup").
_NOT_NAMES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "EVENT", "LAW", "LANGUAGE"}
_PLACE_NOUNS = {"town", "city", "village", "province", "region", "state", "capital", "district", "area", "county",
                "port", "island", "suburb", "municipality", "governorate", "outskirts", "coast", "coastline", "shore",
                "waters", "border", "prefecture"}


@dataclass
class Mention:
    tokens: TokenSpan
    label: str

    @property
    def start(self) -> int:
        return self.tokens.start_char

    @property
    def end(self) -> int:
        return self.tokens.end_char

    @property
    def key(self) -> str:
        return _key(self.tokens.text)

    @property
    def content_key(self) -> str:
        """The key without function words: "Institute for X" and "Institute of X" are one name."""
        return " ".join(word for word in self.key.split() if word not in _ACRONYM_SKIPS | _COMPANY_SUFFIXES)


@dataclass
class Referent:
    mentions: list[Mention] = field(default_factory=list)

    @property
    def longest(self) -> Mention:
        return max(self.mentions, key=lambda m: (len(m.tokens), -m.start))

    @property
    def kind(self) -> EntityKind:
        labels = [m.label for m in self.mentions]
        best = max(set(labels), key=lambda label: (labels.count(label), label == self.longest.label))
        return _KIND_OF_LABEL[best]

    def name(self, article: str) -> Span:
        longest = self.longest
        return Span.of(article, longest.start, longest.end)


@dataclass(frozen=True)
class Ranked:
    entities: list[Entity]
    who: list[Span]
    where: list[Span]
    # Each token index of a mention, to the referent it belongs to.
    referent_at: dict[int, Referent]


def _key(text: str) -> str:
    text = re.sub(r"['’]s$", "", text.replace("’", "'"))
    return " ".join(re.sub(r"[.]", "", text).lower().split())


def mentions(doc: Doc, skipped: list[tuple[int, int]], names: NameTable) -> list[Mention]:
    """The article's name mentions, cleaned; none inside a dateline or a credit."""
    found: list[Mention] = []
    # A capitalised word that the article also writes in lower case is a common word ("Company").
    lower_case = {token.text for token in doc if token.text.islower()}
    for ent in doc.ents:
        if ent.label_ not in _KIND_OF_LABEL:
            continue
        tokens = _trimmed(ent, names, titled=ent.label_ == "PERSON")
        if tokens is None or _inside(tokens, skipped):
            continue
        if len(tokens) == 1 and tokens.text.lower() in lower_case:
            continue
        if tokens.text.lower() in names.wires or tokens.text.lower() in names.photo_credits:
            continue
        label = ent.label_
        if tokens[-1].lower_ in names.place_heads:
            label = "FAC"
        if label == "NORP" and tokens.root.dep_ in ("amod", "compound"):
            continue  # "Black employees", "Israeli military": an adjective, not an actor
        found.append(Mention(tokens, label))
    found += _unlabelled(doc, found, skipped, names)
    groups = _institutions(doc, found, names)
    # "United States military": the country inside the group is part of its name, not a mention of its own.
    alone = [m for m in found if not any(g.start <= m.start and m.end <= g.end for g in groups)]
    return sorted(alone + groups, key=lambda m: m.start)


def _trimmed(ent: TokenSpan, names: NameTable, *, titled: bool = True) -> TokenSpan | None:
    """The name without what spaCy took in around it: "Later, Downing Street", "Spokesperson Arindam Bagchi"."""
    start, end = ent.start, ent.end
    # "Enforcement Directorate (ED": the bracketed short form is a name of its own.
    end = next((t.i for t in ent if t.text == "(" and t.i > start), end)
    # "Lindiwe" of "Lindiwe Mathebula": a name the tagger cut short before its head.
    last = ent.doc[end - 1]
    while end < len(ent.doc) and last.dep_ == "compound" and last.head.i == end and _untagged_name(last.head):
        last, end = last.head, end + 1
    while start < end and (_not_name(ent.doc[start]) or titled and ent.doc[start].lower_ in names.titles):
        start += 1
    while end > start and (ent.doc[end - 1].is_punct or ent.doc[end - 1].lower_ in ("'s", "’s")):
        end -= 1
    tokens = ent.doc[start:end]
    if not tokens.text or "\n" in tokens.text or not any(ch.isupper() for ch in tokens.text) or len(tokens.text) < 2:
        return None
    return tokens


def _unlabelled(doc: Doc, found: list[Mention], skipped: list[tuple[int, int]], names: NameTable) -> list[Mention]:
    """Proper nouns the tagger left out that the parse shows to be an actor or a place.

    The small pipeline misses names it has not seen ("Santo Domic Chlo said") or files
    them under WORK_OF_ART; a proper-noun subject of a verb acts, and a proper-noun
    object of "in" or "near" is a place, whatever the tagger thought.
    """
    taken = {i for m in found for i in range(m.tokens.start, m.tokens.end)}
    taken |= {token.i for token in doc if token.ent_type_ in _NOT_NAMES}
    extra = []
    for token in doc:
        if token.pos_ != "PROPN" or token.i in taken or token.head.pos_ == "PROPN" and token.dep_ == "compound":
            continue
        start = min((t.i for t in token.subtree if t.pos_ == "PROPN" and t.i <= token.i), default=token.i)
        tokens = doc[start:token.i + 1]
        if any(t.pos_ != "PROPN" or t.i in taken for t in tokens) or _inside(tokens, skipped):
            continue
        trimmed = _trimmed(tokens, names)
        if trimmed is None or trimmed.text.lower() in names.wires:
            continue
        # "Okafor's label, Eko Sound Records, said": a name set beside a subject names it.
        beside_subject = token.dep_ == "appos" and token.head.dep_ in _SUBJECT and token.head.pos_ == "NOUN"
        if token.dep_ in _SUBJECT and token.head.pos_ == "VERB" or beside_subject:
            extra.append(Mention(trimmed, "ACTOR"))
        elif _locates(_chain_head(token), names, strictly=True):
            extra.append(Mention(trimmed, "LOC"))
    return extra


def _untagged_name(token: Token) -> bool:
    return token.pos_ == "PROPN" and not token.ent_type_


def _inside(tokens: TokenSpan, skipped: list[tuple[int, int]]) -> bool:
    return any(start <= tokens.start_char < end for start, end in skipped)


def _not_name(token: Token) -> bool:
    return (
        token.lower_ in _LEADING_JUNK or token.is_punct or not token.text.strip()
        or token.pos_ == "ADV" or token.text[:1].islower() and token.lower_ not in _NAME_PARTICLES
    )


def _institutions(doc: Doc, found: list[Mention], names: NameTable) -> list[Mention]:
    """ "Brazilian police", "North Korea's foreign ministry": a named modifier before an institution's noun."""
    modifier_at = {i: m for m in found for i in range(m.tokens.start, m.tokens.end)}
    nationality = {ent.root.i: ent for ent in doc.ents if ent.label_ == "NORP"}
    groups = []
    for token in doc:
        if token.pos_ not in ("NOUN", "PROPN") or token.lower_ not in names.institutions or token.i in modifier_at:
            continue
        starts = [
            (modifier_at[child.i].tokens.start if child.i in modifier_at else nationality[child.i].start)
            for child in token.children
            if child.dep_ in ("compound", "amod", "poss") and child.i < token.i
            and (child.i in modifier_at or child.i in nationality)
        ]
        if starts:
            groups.append(Mention(doc[min(starts):token.i + 1], "GROUP"))
    return groups


def cluster(found: list[Mention]) -> list[Referent]:
    """One referent per name: equal keys, a surname or first name of a full name, an acronym of a long form."""
    by_key: dict[str, Referent] = {}
    for mention in sorted(found, key=lambda m: -len(m.tokens)):
        target = by_key.get(mention.content_key) or _part_of(mention, by_key)
        if target is None:
            target = by_key.setdefault(mention.content_key, Referent())
        target.mentions.append(mention)
        by_key.setdefault(mention.content_key, target)
    unique = {id(r): r for r in by_key.values()}
    return sorted(unique.values(), key=lambda r: min(m.start for m in r.mentions))


def _part_of(mention: Mention, by_key: dict[str, Referent]) -> Referent | None:
    words = mention.key.split()
    if mention.label == "GROUP":
        return None
    # A surname of a full name: "Johnson" of "Boris Johnson", "Lopez Obrador" of "Andres Manuel Lopez Obrador".
    people = {id(r): r for r in by_key.values() if r.kind == "person" and len(r.longest.key.split()) > len(words)}
    surnames = [r for r in people.values() if r.longest.key.split()[-len(words):] == words]
    if len(words) > 1:
        return surnames[0] if mention.label == "PERSON" and len(surnames) == 1 else None
    word = words[0]
    # A first name alone joins a full name only when it is not a name of its own: "Prince Andrew" is not
    # Andrew Brettler.
    titled = mention.tokens.start > 0 and mention.tokens.doc[mention.tokens.start - 1].pos_ == "PROPN"
    first_names = [] if titled else [r for r in people.values() if r.longest.key.split()[0] == word]
    # "Everwin" of "Everwin Land Holdings", "Kashiwa" of "Kashiwa Motor": an organisation's short name.
    organisations = {id(r): r for r in by_key.values() if r.kind == "org" and len(r.longest.key.split()) > 1}
    short_names = [r for r in organisations.values()
                   if r.longest.key.split()[0] == word and mention.label not in _PLACE_OR_GROUP]
    for candidates in (surnames, first_names, short_names):
        if len(candidates) == 1:
            return candidates[0]
    letters = mention.tokens.text.replace(".", "")
    if letters.isupper() and 2 <= len(letters) <= 6:
        return next((r for r in by_key.values() if _initials(r.longest) == letters), None)
    return None


def _initials(mention: Mention) -> str:
    words = [t.text for t in mention.tokens if t.lower_ not in _ACRONYM_SKIPS and t.text[:1].isalpha()]
    return "".join(word[0] for word in words).upper() if len(words) > 1 else ""


def rank(article: str, doc: Doc, referents: list[Referent], names: NameTable, title: str | None) -> Ranked:
    """Entities by salience, and the who and where among them."""
    lead_end = _lead_end(doc)
    title_keys = _key(title or "")
    scored = []
    for referent in referents:
        uses = _Uses.of(referent, names)
        first = min(m.start for m in referent.mentions)
        early = 1.0 - first / max(len(article), 1)
        in_title = any(f" {m.key} " in f" {title_keys} " for m in referent.mentions) if title else False
        common = min(len(referent.mentions), 5) + 1.5 * early + 2.0 * (first < lead_end) + 1.5 * in_title
        scored.append((referent, uses, common))
    who = sorted(((r, c + min(u.acts, 3)) for r, u, c in scored if _is_who(r, u)), key=lambda x: -x[1])
    where = sorted(
        ((r, c + 2.0 * min(u.locative, 3) + 2.0 * (u.named_place > 0)) for r, u, c in scored if _is_where(r, u)),
        key=lambda x: -x[1],
    )
    entities = sorted(
        (Entity(r.name(article), r.kind, tuple(Span.of(article, m.start, m.end) for m in r.mentions), c)
         for r, _, c in scored),
        key=lambda e: -e.salience,
    )
    referent_at = {i: r for r in referents for m in r.mentions for i in range(m.tokens.start, m.tokens.end)}
    return Ranked(entities, [r.name(article) for r, _ in who], [r.name(article) for r, _ in where], referent_at)


def _lead_end(doc: Doc) -> int:
    for sentence in doc.sents:
        if len([t for t in sentence if t.is_alpha]) >= 5:
            return sentence.end_char
    return 0


@dataclass(frozen=True)
class _Uses:
    acts: int  # mentions that are the subject of a verb (or the agent of a passive)
    locative: int  # mentions that place something
    # Mentions that only a place can fill ("in X", "the city of X", "south of X"): these
    # overrule a tagger that took the place for a person or an organisation.
    surely_place: int
    # Mentions that introduce a particular place ("the city of Rason", "Kalsu Base"): the
    # scene of the events rather than the country around it.
    named_place: int

    @classmethod
    def of(cls, referent: Referent, names: NameTable) -> _Uses:
        roots = [_chain_head(m.tokens.root) for m in referent.mentions]
        return cls(
            acts=sum(_acts(root) for root in roots),
            locative=sum(_locates(root, names) for root in roots),
            surely_place=sum(_locates(root, names, strictly=True) for root in roots),
            named_place=sum(m.label == "FAC" or _introduced(_chain_head(m.tokens.root)) for m in referent.mentions),
        )


def _chain_head(root: Token) -> Token:
    """ "in Christchurch, Dunedin and Hobart", "in the capital, Chennai": used as the first one is."""
    while root.dep_ in ("conj", "appos") and root.head.i != root.i:
        root = root.head
    return root


def _acts(root: Token) -> bool:
    if root.dep_ in _SUBJECT:
        return root.head.pos_ in ("VERB", "AUX")
    if root.dep_ == "pobj" and root.head.dep_ == "agent":
        return True
    # "a spokesman for Israel said", "Israel's spokesman said": the organisation speaks.
    speaker = root.head.head if root.dep_ == "pobj" and root.head.lower_ == "for" else root.head
    return root.dep_ in ("poss", "pobj", "compound") and speaker.dep_ in _SUBJECT and speaker.pos_ == "NOUN"


_STRICTLY_LOCATIVE = {"in", "near", "across", "throughout", "outside", "inside", "around", "within"}


def _locates(root: Token, names: NameTable, *, strictly: bool = False) -> bool:
    head = root.head
    if root.dep_ == "compound" and head.dep_ == "pobj" and not strictly:
        root, head = head, head.head  # "in a Baghdad hospital"
    if root.dep_ != "pobj":
        return root.dep_ in ("npadvmod", "amod") and "-based" in root.doc[root.i:root.i + 3].text
    if head.lower_ in (_STRICTLY_LOCATIVE if strictly else names.locative):
        return True
    # "south of Baghdad", "the town of Rason"
    return head.lower_ == "of" and (head.head.lower_ in names.compass or head.head.lemma_ in _PLACE_NOUNS)


def _introduced(root: Token) -> bool:
    head = root.head
    return root.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_ in _PLACE_NOUNS


def _is_who(referent: Referent, uses: _Uses) -> bool:
    kind = referent.kind
    if uses.surely_place and not uses.acts:
        return False
    if kind in ("person", "org", "actor"):
        return True
    return uses.acts > 0 and (kind == "group" or any(m.label == "GPE" for m in referent.mentions))


def _is_where(referent: Referent, uses: _Uses) -> bool:
    if uses.surely_place and not uses.acts:
        return True
    if not any(m.label in ("GPE", "LOC", "FAC") for m in referent.mentions):
        return False
    return uses.locative > 0 or referent.kind == "place" and any(m.label == "FAC" for m in referent.mentions)
