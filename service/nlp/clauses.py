"""The parse read as clauses: whose subject a verb has, which verbs report speech, where quotations open and close.

Shared by service.nlp.parties and service.nlp.denials, which ask these questions of spaCy's
dependency parse: "declined to comment" has the subject of "declined", "responded by saying"
the subject of "responded", "quoted X as saying" has X.
"""

from __future__ import annotations

from spacy.tokens import Span as TokenSpan
from spacy.tokens import Token

from .tables import CueTable

SUBJECTS = ("nsubj", "csubj")
QUOTE_MARKS = "\"“”"
FIRST_PERSON = {"i", "we", "me", "us", "our", "my"}


def subject_of(verb: Token) -> Token | None:
    """The subject of a verb's clause, through "declined to", "said ... but refused" and passives."""
    current = verb
    while True:
        for child in current.children:
            if child.dep_ in SUBJECTS:
                return child
            if child.dep_ == "agent":
                return next((c for c in child.children if c.dep_ == "pobj"), None)
        if current.dep_ in ("xcomp", "conj", "acomp", "advcl", "oprd") and current.head.i != current.i:
            current = current.head
            continue
        if current.dep_ == "acl" and current.head.i != current.i:
            current = current.head  # "issued a statement saying ...": the statement's issuer speaks
            continue
        if current.pos_ in ("NOUN", "PRON") and current.dep_ in ("dobj", "attr") and current.head.i != current.i:
            current = current.head  # "issued a denial", "it was a lie", "had nothing to do with"
            continue
        if current.dep_ == "pcomp" and current.head.dep_ == "prep":
            preposition, current = current.head, current.head.head  # "responded by saying", "after denying"
            quoted = [c for c in current.children if c.dep_ in ("dobj", "nsubjpass")]
            if preposition.lower_ == "as" and current.lemma_.lower() == "quote" and quoted:
                return quoted[0]  # "quoted the spokesman as saying", "was quoted as saying"
            continue
        poss = [c for c in current.children if c.dep_ == "poss"]
        return poss[0] if poss else None


def according_to(token: Token) -> Token | None:
    """X of "..., according to X": the source a sentence attributes its claim to."""
    for word in token.sent:
        if word.lower_ == "according" and word.i + 1 < len(word.doc) and word.doc[word.i + 1].lower_ == "to":
            objects = [c for c in word.doc[word.i + 1].children if c.dep_ == "pobj"]
            return objects[0] if objects else None
    return None


def principals_in(child: Token) -> list[Token]:
    """X of "X's spokesman", "a spokesman for X", "a Pentagon spokesman" and "a statement from X"."""
    if child.dep_ == "poss" or child.dep_ == "compound" and child.pos_ == "PROPN":  # not "state" of "state IT"
        return [child]
    if child.dep_ == "prep" and child.lower_ in ("for", "of", "at", "from"):
        return [c for c in child.children if c.dep_ == "pobj"]
    return []


def last_quote_mark(sentence: TokenSpan) -> int:
    return max((w.i for w in sentence if w.text in QUOTE_MARKS), default=sentence.start - 1)


def first_quote_mark(sentence: TokenSpan) -> int:
    return min((w.i for w in sentence if w.text in QUOTE_MARKS), default=sentence.end)


def subject_clause(word: Token) -> str | None:
    """When a name is, or speaks for, the subject of its clause ("X said", "X's spokesman said"), how
    that clause hangs in the sentence ("ROOT" for the main clause); None when it is no subject."""
    while word.dep_ in ("compound", "poss", "pobj", "prep", "appos") and word.head.i != word.i:
        word = word.head
    if word.dep_ not in SUBJECTS and word.dep_ != "nsubjpass":
        return None
    clause = word.head
    while clause.dep_ == "conj" and clause.head.i != clause.i:
        clause = clause.head  # "X arrived and said": the first verb's place
    return str(clause.dep_)


def first_person(subject: Token) -> bool:
    """ "We", "I", and "our company", "my family": the speaker speaking of themselves."""
    return subject.lower_ in FIRST_PERSON or any(c.dep_ == "poss" and c.lower_ in FIRST_PERSON for c in subject.children)


def first_person_subject(verb: Token) -> bool:
    subject = subject_of(verb)
    return subject is not None and first_person(subject)


def is_reporting(token: Token, cues: CueTable) -> bool:
    return token.pos_ == "VERB" and token.lemma_.lower() in cues.reporting
