"""Denials from syntax: a cue in the parse, the party that is its subject, and what it denies.

A cue comes from cues.toml: a verb ("denied", "rejected the claims"), a noun
("issued a denial"), a refusal ("declined to comment"), something withheld
("would not comment", "did not confirm or deny"), a negated act said of oneself
("it had not carried out any strikes") or a phrase in reported speech ("the
report was untrue", "nothing to do with it").

Its party comes from service.nlp.parties: the subject of the cue's clause, or
who says it, and whom they speak for. A cue whose party is not a named actor,
that is negated, or that sits in code-like text (braces, JSON) is no denial: a
missing denial is better than one put in the wrong mouth.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.tokens import Span as TokenSpan
from spacy.vocab import Vocab

from .clauses import SUBJECTS, first_person_subject, is_reporting, subject_of
from .entities import Ranked
from .parties import Parties
from .spans import DenialCue, DenialKind, Span
from .tables import CueTable, NameTable

# Whom one deprives, not what one denies: "a deflected shot to deny them right at the death".
_PEOPLE = {"him", "her", "them", "us", "me", "you"}
_CODE_LIKE = re.compile(r"[{}]|\"\s*:")
_STRENGTH = {"explicit": 2, "implicit": 1, "no_comment": 0}
_COMPLEMENTS = ("dobj", "ccomp", "xcomp", "attr", "prep", "acomp", "oprd")


@dataclass(frozen=True)
class _Cue:
    token: Token  # the word the cue hangs on in the parse
    words: TokenSpan  # the cue as written
    kind: DenialKind
    # Speech only: the party is who says it ("the report was untrue", a spokesman said).
    spoken: bool = False
    # Said of one's own side: when who says it names no party, its subject is one ("Pyongyang had nothing to do").
    of_self: bool = False


class CueMatcher:
    """cues.toml as spaCy matchers: one token rule per table, one phrase pattern per phrase."""

    def __init__(self, vocab: Vocab, table: CueTable):
        self.table, self.vocab = table, vocab
        self.tokens = Matcher(vocab)
        self.tokens.add("verb", [[{"LEMMA": {"IN": sorted(table.verbs)}, "POS": "VERB"}]])
        self.tokens.add("noun", [[{"LEMMA": {"IN": sorted(table.nouns)}, "POS": "NOUN"}]])
        self.tokens.add("refusal", [[{"LEMMA": {"IN": sorted(table.refusals)}}]])
        self.tokens.add("withheld", [[{"LEMMA": {"IN": sorted(table.withheld)}, "POS": "VERB"}]])
        self.tokens.add("disowned", [[{"LEMMA": {"IN": sorted(table.disowned)}, "POS": "VERB"}]])
        self.phrases = PhraseMatcher(vocab, attr="LOWER")
        self.phrase_kinds: dict[int, DenialKind] = {}
        self.phrases_of_self: set[int] = set()
        for phrase in table.phrases:
            key = " ".join(phrase.words)
            self.phrases.add(key, [Doc(vocab, words=list(phrase.words))])
            self.phrase_kinds[vocab.strings[key]] = phrase.kind
            if phrase.of_self:
                self.phrases_of_self.add(vocab.strings[key])


class DenialFinder:
    def __init__(self, article: str, doc: Doc, ranked: Ranked, matcher: CueMatcher, names: NameTable):
        self.article, self.doc, self.ranked = article, doc, ranked
        self.matcher, self.cues, self.names = matcher, matcher.table, names
        self._found: list[DenialCue] = []
        # Each denial found, to the party it is one of: a country for its own institutions.
        self._speaks_for: dict[int, str] = {}
        self._sentences = list(doc.sents)
        self.parties = Parties(doc, ranked, matcher.table, names, self._found)
        # Each rule of the matcher, and the syntax that a match must have to be a cue.
        self._checks: dict[str, Callable[[Token], _Cue | None]] = {
            "verb": self._verb_cue, "noun": self._noun_cue, "refusal": self._refusal,
            "withheld": self._withheld, "disowned": self._disowned,
        }
        # Both matchers run on the whole document: on a span they count positions differently.
        self._token_matches = matcher.tokens(doc)
        self._phrase_matches = matcher.phrases(doc)

    def find(self) -> list[DenialCue]:
        for sentence in self._sentences:
            if _CODE_LIKE.search(sentence.text):
                continue  # "reply with {"denials": ...}" is an instruction, not reporting
            claims: list[Span] = []
            for cue in sorted(self._cues_in(sentence), key=lambda c: c.words.start):
                if any(c.start <= cue.token.idx < c.end for c in claims):
                    continue  # "denied reports that Y rejected the deal": Y's act is the claim denied
                parties = self.parties.of(cue.token, spoken=cue.spoken, of_self=cue.of_self)
                if not parties:
                    continue
                denied = self._denied(cue)
                claims.append(denied)
                for party in parties:
                    found = DenialCue(
                        sentence=self._span(sentence.start, sentence.end),
                        cue=self._span(cue.words.start, cue.words.end),
                        kind=cue.kind,
                        party=party.name(self.article),
                        denied=denied,
                    )
                    self._found.append(found)
                    self._speaks_for[id(found)] = self.parties.country_of(party)
        return self._distinct()

    def _distinct(self) -> list[DenialCue]:
        """One denial per party, and one refusal to comment per party, in article order.

        News repeats a denial (lede, then quote, often in other words), so one party's
        explicit and implicit cues are one denial, of the strongest kind found; a refusal
        to comment is a separate act. A country and its ministry or government ("Iran",
        "the Iranian foreign ministry") are one party.
        """
        strongest: dict[tuple[str, str], DenialCue] = {}
        for cue in self._found:
            key = (self._speaks_for[id(cue)], "no_comment" if cue.kind == "no_comment" else "denial")
            if key not in strongest or _STRENGTH[cue.kind] > _STRENGTH[strongest[key].kind]:
                strongest[key] = cue
        return sorted(strongest.values(), key=lambda c: c.cue.start)

    # ------------------------------------------------------------------ cues

    def _cues_in(self, sentence: TokenSpan) -> list[_Cue]:
        found: list[_Cue] = []
        for rule, start, _ in self._token_matches:
            if sentence.start <= start < sentence.end:
                cue = self._checks[self.matcher.vocab.strings[rule]](self.doc[start])
                if cue is not None:
                    found.append(cue)
        for rule, start, end in self._phrase_matches:
            words = self.doc[start:end]
            if sentence.start <= start < sentence.end and not any(_covers(c.words, words) for c in found):
                if _in_subject_phrase(words.root) or _attributive(words.root, self.cues):
                    continue  # "false rumours can do harm", "if it published false information": said of something else
                of_self = rule in self.matcher.phrases_of_self
                found.append(_Cue(words.root, words, self.matcher.phrase_kinds[rule], spoken=True, of_self=of_self))
        return found

    def _verb_cue(self, token: Token) -> _Cue | None:
        if _negated(token):
            return None
        for entry in self.cues.verbs.get(token.lemma_.lower(), []):
            # "denied Sydney FC three points": the parse may hang what was taken on the verb as an adverb.
            objects = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass", "npadvmod")] + _named_as(token)
            objects += [c for o in objects for c in o.children if c.dep_ == "conj"]  # "the discipline and the report"
            # "disputed a United Nations finding that ...": the small tagger reads the noun as a verb.
            objects += [c for c in token.children if c.dep_ in ("advcl", "xcomp") and c.lower_ in self.cues.claims]
            # "were moved to night shifts and denied overtime": the second verb shares the first one's passive.
            own_subject = any(c.dep_ in SUBJECTS for c in token.children)
            shares = token.dep_ == "conj" and not own_subject and any(
                c.dep_ in ("nsubjpass", "auxpass") for c in token.head.children)
            passive = shares or any(c.dep_ == "nsubjpass" for c in token.children)
            if entry.deprivation and (
                any(c.dep_ == "dative" for c in token.children) or passive and any(c.dep_ == "dobj" for c in token.children)
            ):
                continue
            if any(o.lemma_.lower() in entry.false_objects for o in objects):
                continue
            if entry.deprivation and any(self._names_someone(o) for o in objects):
                continue  # "Neuer denied Rooney with a fine save": one denies claims, not people
            claims = self.cues.claims
            if entry.claim_object and not any(o.lemma_.lower() in claims or o.lower_ in claims for o in objects):
                continue
            kind = "explicit" if entry.kind == "implicit" and self._called_untrue(token) else entry.kind
            return _Cue(token, token.doc[token.i:token.i + 1], kind)
        return None

    def _called_untrue(self, verb: Token) -> bool:
        """ "rejected as "lies and baseless allegations" reports that ...": calling the claim untrue denies it."""
        described = {w.i for p in verb.children if _describes(p) for w in p.subtree}
        nouns = (self.cues.nouns.get(self.doc[i].lemma_.lower()) for i in described)
        phrases = (self.matcher.phrase_kinds[rule] for rule, start, _ in self._phrase_matches if start in described)
        return "explicit" in (*nouns, *phrases)

    def _names_someone(self, word: Token) -> bool:
        """A name, a person by role or by pronoun: "denied the Socceroos midfielder" a goal, "to deny them"."""
        referent = self.ranked.referent_at.get(word.i)
        return referent is not None and referent.kind in ("person", "org", "group", "actor") or (
            word.pos_ == "NOUN" and word.lemma_.lower() in self.names.titles) or word.lower_ in _PEOPLE

    def _noun_cue(self, token: Token) -> _Cue | None:
        if _absent(token):
            return None  # "the absence of a denial", "there was no denial"
        taken = {o for entry in self.cues.verbs.get("deny", []) for o in entry.false_objects}
        if any(c.dep_ == "compound" and c.lemma_.lower() in taken for c in token.children):
            return None  # "the visa denial": something refused, not a claim
        if token.head.lower_ == "in" or _in_subject_phrase(token):
            return None  # "should not be in denial", "the denial raises more questions"
        kind = self.cues.nouns[token.lemma_.lower()]
        return _Cue(token, token.doc[token.i:token.i + 1], kind, spoken=not any(c.dep_ == "poss" for c in token.children))

    def _refusal(self, token: Token) -> _Cue | None:
        if _negated(token):
            return None
        for child in token.children:
            if child.dep_ == "xcomp" and child.lemma_.lower() in self.cues.refused_infinitives:
                return _Cue(token, token.doc[token.i:child.i + 1], "no_comment")
            # "refused to give details", not "refused to give tutorials" nor "declined to give his name".
            if child.dep_ == "xcomp" and child.lemma_.lower() in self.cues.refused_givings and any(
                    o.dep_ == "dobj" and o.lemma_.lower() in self.cues.information and not _anonymous(o)
                    for o in child.children):
                return _Cue(token, token.doc[token.i:child.i + 1], "no_comment")
            if child.dep_ == "dobj" and child.lower_ in self.cues.refused_requests:
                return _Cue(token, token.doc[token.i:child.i + 1], "no_comment")
        return None

    def _withheld(self, token: Token) -> _Cue | None:
        entry = self.cues.withheld[token.lemma_.lower()]
        carrier = token if _negated(token) else _negated_wish(token)
        if carrier is None:
            return None
        joined = [c for c in token.children if c.dep_ in ("cc", "conj")]
        if entry.only_with and not any(c.lemma_.lower() in entry.only_with for c in joined):
            return None
        helpers = [c for w in {token, carrier} for c in w.children if c.dep_ in ("aux", "neg", "advmod", "acomp", "preconj")]
        if any(h.lower_ in entry.not_with or h.lemma_.lower() in entry.not_with for h in helpers):
            return None  # "could not confirm": unable, not unwilling
        first = min([token.i, *(h.i for h in helpers)])
        last = max([token.i, *(c.i for c in joined)])
        return _Cue(token, token.doc[first:last + 1], "no_comment")

    def _disowned(self, token: Token) -> _Cue | None:
        if not _negated(token, own=True) or not _past(token):
            return None  # "the army does not target civilians" states a policy, not what was done
        if self.parties.reporting_verb(token) is None and not first_person_subject(token):
            return None  # the reporter stating a fact, not a party denying
        if not self.parties.can_be_own_side(subject_of(token)):
            return None  # "tests showed many did not meet the standards, the bureau said": a finding, not a denial
        helpers = [c.i for c in token.children if c.dep_ in ("aux", "auxpass", "neg")]
        return _Cue(token, token.doc[min([token.i, *helpers]):token.i + 1], "explicit", spoken=True, of_self=True)

    # ------------------------------------------------------------------ what was denied

    def _denied(self, cue: _Cue) -> Span:
        """The cue's complement in whole words; the cue itself when it has none."""
        verb = cue.token
        if cue.spoken and verb.pos_ == "VERB":
            return self._words(cue.words.start, verb.right_edge.i + 1)  # "had not carried out any strikes"
        targets = [verb, *(c for c in verb.children if c.dep_ == "conj")]
        if cue.kind == "no_comment":
            targets = [*(c for c in verb.children if c.dep_ == "xcomp"), *targets]
        for target in targets:
            # The claim, not what it was called: "rejected as "lies" reports that ..." denied the reports.
            claims = [o for o in _named_as(target) if o.lemma_.lower() in self.cues.claims]
            complements = [c for c in sorted(target.children, key=_describes) if c.dep_ in _COMPLEMENTS]
            for child in [*claims, *complements]:
                if child.i > cue.words.end - 1 and not is_reporting(child, self.cues):
                    return self._words(child.left_edge.i, child.right_edge.i + 1)
        passive = [c for c in verb.children if c.dep_ == "nsubjpass"]
        if passive:
            return self._words(passive[0].left_edge.i, passive[0].right_edge.i + 1)
        if cue.spoken and verb.head.i != verb.i and verb.head.dep_ != "ROOT":
            return self._words(verb.head.left_edge.i, verb.head.right_edge.i + 1)
        return self._words(cue.words.start, cue.words.end)

    def _words(self, start: int, end: int) -> Span:
        while end - start > 1 and (self.doc[end - 1].is_punct or self.doc[end - 1].is_space):
            end -= 1
        while end - start > 1 and (self.doc[start].is_punct or self.doc[start].lower_ in ("that", "to")):
            start += 1
        return self._span(start, end)

    def _span(self, start: int, end: int) -> Span:
        return Span.of(self.article, self.doc[start].idx, self.doc[end - 1].idx + len(self.doc[end - 1].text))


def _negated(token: Token, *, own: bool = False) -> bool:
    """ "did not deny", "neither X nor Y would comment", the second verb of "did not confirm or deny", and
    "not prepared to deny"."""
    if any(_negates(c) for c in token.children):
        return True
    subject = next((c for c in token.children if c.dep_ in SUBJECTS), None)
    if subject is not None and any(_negates(c) for c in subject.children):
        return True
    if own:
        return False
    first = token.head if token.dep_ == "conj" else token
    if first is not token and any(_negates(c) for c in first.children):
        return True
    # "was not prepared to confirm or deny this information": the negation is on the verb it depends on
    governor = first.head
    governors = [governor, governor.head] if governor.dep_ in ("acomp", "xcomp") else [governor]
    return first.dep_ == "xcomp" and any(_negates(c) for g in governors for c in g.children)


def _negates(child: Token) -> bool:
    return child.dep_ == "neg" or child.lower_ == "neither"  # parsed as preconj, and as det before a name


def _absent(noun: Token) -> bool:
    if any(c.lower_ == "no" for c in noun.children):
        return True
    head = noun.head
    return noun.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in ("absence", "lack")


def _named_as(verb: Token) -> list[Token]:
    """The report of "dismissed as "propaganda" a report that ...": the object set after its description, which
    the parse hangs on "as" or beside what "as" names."""
    described = [o for p in verb.children if _describes(p) for o in p.children if o.dep_ == "pobj"]
    return described + [a for o in described for a in o.children if a.dep_ == "appos"]


def _anonymous(information: Token) -> bool:
    """ "declined to give his name": a source keeping themself out of the story, not a party withholding a fact."""
    own = any(c.dep_ == "poss" and c.pos_ == "PRON" for c in information.children)
    return own and information.lemma_.lower() in ("name", "identity")


def _describes(child: Token) -> bool:
    return child.dep_ == "prep" and child.lower_ == "as"


def _negated_wish(token: Token) -> Token | None:
    """ "does not want to comment", "would not like to comment": the verb that carries the negation."""
    head = token.head
    if token.dep_ == "xcomp" and head.lemma_ in ("want", "wish", "like", "intend", "plan") and _negated(head):
        return head
    return None


def _past(verb: Token) -> bool:
    """ "never met", "had not carried out", "did not order", "were not involved"."""
    return verb.tag_ in ("VBD", "VBN") or any(c.dep_ == "aux" and c.tag_ == "VBD" for c in verb.children)


def _attributive(word: Token, cues: CueTable) -> bool:
    """ "published false information": a denial word before a noun that is no predicate ("it is a baseless
    claim", "called the report fake news")."""
    noun = word.head
    predicate = noun.dep_ in ("attr", "oprd", "appos", "ROOT") or is_reporting(noun.head, cues)
    return word.dep_ == "amod" and not predicate


def _in_subject_phrase(token: Token) -> bool:
    """Whether a word sits inside the subject of its clause: "One false rumour can ...", "Calling it fake does ..."."""
    current = token
    while current.head.i != current.i:
        if current.dep_ in ("nsubj", "nsubjpass", "csubj", "csubjpass"):
            return True
        if current is not token and current.pos_ in ("VERB", "AUX"):
            return False
        current = current.head
    return False


def _covers(outer: TokenSpan, inner: TokenSpan) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end or inner.start <= outer.start and outer.end <= inner.end


