"""The party of a denial: who says it, for whom, and who a pronoun or "the company" stands for.

The party is the grammatical subject of the cue's clause, the agent of a
passive, or for speech the subject of the reporting verb, found outside the
quotation marks when a quotation runs over sentences. A spokesperson or a
lawyer stands for the organisation or client they speak for ("a spokesman for
X", "X's spokesman", "his client"), also where the article names them again
("Armstrong's attorney, Tim Herman ... Herman said"); a spokesman for a person
speaks as himself. Pronouns go to the speaker that news keeps as its subject,
"the company" to the name the article introduced with that noun, "the
president" to the person named with that title, and an institution's noun
("the ministry") only to a name that holds it. A court or a judge rules and is
no party; a country's forces are a party apart from the country.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from spacy.tokens import Doc, Token
from spacy.tokens import Span as TokenSpan

from .clauses import (
    FIRST_PERSON,
    QUOTE_MARKS,
    SUBJECTS,
    according_to,
    first_person,
    first_quote_mark,
    is_reporting,
    last_quote_mark,
    principals_in,
    subject_clause,
    subject_of,
)
from .entities import Mention, Ranked, Referent
from .spans import DenialCue, Span
from .tables import CueTable, NameTable

_PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
_THING_PRONOUNS = {"it", "its", "they", "them", "their"}
_PRONOUNS = _PERSON_PRONOUNS | _THING_PRONOUNS
_RELATIVE = {"who", "which", "that"}
# Verbs that say what something is, or that issue a denial: "the report was untrue", "the study lacks credibility",
# "X issued a denial"; not "X produces fake news", "insurgents are spreading lies".
_ISSUING = {"be", "have", "lack", "issue", "repeat", "reiterate", "make"}
# How far back a pronoun or "the spokesman" may look for the actor it stands for.
_ANTECEDENT_SENTENCES = 3
# How many sentences a quotation may run on before its "X said".
_QUOTED_SENTENCES = 4


class Parties:
    def __init__(self, doc: Doc, ranked: Ranked, cues: CueTable, names: NameTable, said: list[DenialCue]):
        self.doc, self.ranked, self.cues, self.names = doc, ranked, cues, names
        # The denials found so far, in article order: "the spokesman" speaks for the last one's party.
        self._said = said
        self._sentences = list(doc.sents)
        # Sorted, for counting the sentences between two places: pronouns look back a few.
        self._sentence_starts = [sentence.start_char for sentence in self._sentences]
        # Each referent once: the article's named actors and places.
        self._referents = list({id(r): r for r in ranked.referent_at.values()}.values())
        # Each named spokesperson, lawyer or agent to whom they speak for, wherever the article names them again.
        self._principals = self._speakers_for_others()

    def of(self, token: Token, *, spoken: bool, of_self: bool = False) -> list[Referent]:
        """The party of the cue on this token, and each actor joined to its subject: "Smith and Jones denied",
        "neither X nor Y". `spoken`: the cue is said by someone ("the report was untrue"), who is its party;
        `of_self`: said of the speaker's own side, whose subject is the party when the speaker names none."""
        party = self._party(token, spoken, of_self)
        party = self._principals.get(id(party), party)
        own = subject_of(token)
        if party is None or self._rules(party) or own is not None and own.lemma_.lower() in self.names.courts:
            return []  # "the judge rejected that argument"
        if own is None or self._actor(own) is not party:
            return [party]  # the party speaks for the subject: a spokesman, a pronoun, a quotation
        joined = (self._actor(c) for c in own.children if c.dep_ == "conj")
        return [party, *(r for r in joined if r is not None and r is not party)]

    def can_be_own_side(self, subject: Token | None) -> bool:
        """Whether a party may speak of this subject's acts as its own: a pronoun, a name, an actor or its people
        ("it had not carried out", "Eritrean forces were not involved", "its fighters", "the cyclist"), not some
        of a thing ("many did not meet the standards")."""
        if subject is None or subject.pos_ == "PRON" and subject.lower_ in _PRONOUNS | FIRST_PERSON:
            return True
        named = subject.ent_type_ or any(c.ent_type_ in ("NORP", "GPE", "ORG") for c in subject.children)
        owned = any(c.dep_ == "poss" and c.pos_ == "PRON" for c in subject.children)  # "its fighters", "our company"
        members = subject.lemma_.lower() in self.names.institutions | self.names.members  # "the rebels had not fired"
        definite = subject.pos_ == "NOUN" and any(c.lower_ == "the" for c in subject.children)  # "the cyclist"
        return bool(named) or owned or members or definite or self._actor(subject) is not None

    def country_of(self, party: Referent) -> str:
        """Who the party is one with: the country whose government it is part of ("Mali's government", "the
        Iranian foreign ministry"); the country's forces, one party apart from the country ("the Israel Defense
        Forces", "an Israeli military spokesman"); else the party's own name, lower-cased."""
        own = party.longest.key
        last = party.longest.tokens[-1].lower_
        institution = party.kind == "org" and last in self.names.institutions
        if party.kind != "group" and not institution:
            return own
        country = self._country_named_in(party)
        if country is None:
            return own
        return f"{country} forces" if last in self.names.armed_forces else country

    def _country_named_in(self, party: Referent) -> str | None:
        words = [t.lower_ for t in party.longest.tokens]
        for country in self._referents:
            name = country.longest.key
            named = name.split()
            if country is party or len(named) >= len(words):
                continue
            # "Mali's ...", whatever the tagger called Mali elsewhere, and a nationality that begins as its
            # country does: "Iranian", "Russian", "Israeli", "North Korean".
            is_country = any(m.label == "GPE" for m in country.mentions)
            last, own_last = named[-1], words[len(named) - 1]
            nationality = is_country and len(last) >= 4 and own_last.startswith(last[:4])
            if words[:len(named) - 1] == named[:-1] and (own_last == last or nationality):
                return name
        return None

    def _speakers_for_others(self) -> dict[int, Referent]:
        """ "Armstrong's attorney, Tim Herman," or "Tim Herman, a lawyer for Armstrong,": Herman acts for Armstrong;
        "Foreign Ministry spokeswoman Jiang Yu": Jiang speaks for the ministry, also when named again ("Jiang denied")."""
        principals: dict[int, Referent] = {}
        for noun in self.doc:
            lemma = noun.lemma_.lower()
            named = [c for c in noun.children if c.dep_ == "appos"]
            if noun.dep_ == "appos":
                named.append(noun.head)  # "Tim Herman, a lawyer for Armstrong,"
            if lemma in self.names.advocates and noun.pos_ == "NOUN":
                represented = [self._actor(o) for c in noun.children for o in principals_in(c)]
                principal = next((r for r in represented if r is not None), None)
            elif noun.i in self.ranked.referent_at and noun.pos_ == "PROPN":
                named, principal = [noun], self._employer(noun)
            else:
                continue
            for name in named:
                speaker = self.ranked.referent_at.get(name.i)
                if principal is not None and speaker is not None and speaker is not principal:
                    principals[id(speaker)] = principal
        return principals

    def _rules(self, party: Referent) -> bool:
        """A court or a judge: "the court dismissed the lawsuit" is a ruling, not a denial."""
        titles = (m.tokens.doc[m.tokens.start - 1] for m in party.mentions if m.tokens.start > 0)  # "Judge X"
        heads = (m.tokens.root for m in party.mentions)
        return any(word.lemma_.lower() in self.names.courts for word in (*heads, *titles))

    def _party(self, token: Token, spoken: bool, of_self: bool) -> Referent | None:
        own = subject_of(token)
        speaker = self.reporting_verb(token)
        said_by = subject_of(speaker) if speaker is not None else None
        if said_by is None and (spoken or own is not None and self._speaks_as_self(own)):
            said_by = according_to(token) or self._quotation_speaker(token.sent)
        if own is not None and self._speaks_as_self(own):
            # '"We reject these claims," said X', or a quotation that goes on past its "X said".
            return self._actor(said_by) if said_by is not None else self._last_party(own)
        if said_by is not None and own is not None and own.pos_ == "PRON" and own.lower_ in _PRONOUNS:
            # "X said it had not carried out ...", "X said it ... but declined to comment": X, when X
            # can be what the pronoun stands for.
            teller = self._actor(said_by)
            if teller is not None and _is_person(teller) == (own.lower_ in _PERSON_PRONOUNS):
                return teller
            return self._actor(own)
        if said_by is not None and own is not None and self._definite_subject(own):
            # "An EFL spokesperson said the league would not comment": the teller, when it is what the noun names.
            teller = self._actor(said_by)
            if teller is not None and (own.lower_ in teller.longest.key or teller.kind == "org" and
                                       own.lemma_.lower() in self.names.organisation_nouns):
                return teller
        if own is None and said_by is not None:
            return self._actor(said_by)  # "X said Y had not been sacked, but would not comment": X
        if spoken and own is not None and not of_self and not self._says_of_a_claim(own):
            # "evidence that the New York Times produces fake news", "X said insurgents are spreading lies":
            # said of what someone does, an accusation rather than a denial.
            return None
        if not spoken or said_by is None:
            return self._actor(own) if own is not None else None
        # "X said the report was untrue"; "The spokesman said Pyongyang had nothing to do with the attack".
        return self._actor(said_by) or (self._actor(own) if of_self and own is not None else None)

    def _says_of_a_claim(self, subject: Token) -> bool:
        """Whether the subject's verb calls something false or issues a denial ("X rejected it as biased", "the
        report was untrue", "X issued a denial") rather than doing something called so ("X produces fake news")."""
        verb = subject.head
        return (verb.lemma_.lower() in (*_ISSUING, *self.cues.verbs) or is_reporting(verb, self.cues)
                or subject.lemma_.lower() in self.cues.claims)

    def _speaks_as_self(self, subject: Token) -> bool:
        """ "We", "our company"; not "my client", for whom a lawyer speaks."""
        return first_person(subject) and subject.lemma_.lower() not in self.names.clients

    def reporting_verb(self, token: Token) -> Token | None:
        """The verb of saying whose clause holds this token, if any."""
        for ancestor in token.ancestors:
            if is_reporting(ancestor, self.cues):
                return ancestor
        # "“We had nothing to do with it,” the spokesman said." is parsed the other way round at times.
        return next((c for c in token.children if c.dep_ in ("parataxis", "advcl") and
                     c.lemma_.lower() in self.cues.reporting), None)

    def _quotation_speaker(self, sentence: TokenSpan) -> Token | None:
        """Who speaks a quotation that runs over sentences: '"A. B," X said.' or 'X said: "A. B."'."""
        if not any(mark in sentence.text for mark in QUOTE_MARKS):
            return None
        at = self._sentences.index(sentence)
        # Outside the quotation only: after it closes, or before it opens in the sentence before.
        outside = {w.i for end in self._quotation_ends(at)[-1:] for w in end if w.i > last_quote_mark(end)}
        outside |= {w.i for previous in self._sentences[max(at - 1, 0):at] for w in previous
                    if w.i < first_quote_mark(previous)}
        for word in (self.doc[i] for i in sorted(outside)):
            if is_reporting(word, self.cues):
                subject = subject_of(word)
                # The speaker is named outside the quotation too, not found inside it by a garbled parse.
                if subject is not None and subject.i in outside and subject.lower_ not in FIRST_PERSON:
                    return subject
        return None

    def _quotation_ends(self, at: int) -> list[TokenSpan]:
        """The sentences after this one up to where its quotation closes: '"A. B. C," X said.'"""
        following = self._sentences[at + 1:at + 1 + _QUOTED_SENTENCES]
        opened = sum(self._sentences[at].text.count(mark) for mark in QUOTE_MARKS) % 2 == 1
        if not opened:
            return following[:1]
        for length, sentence in enumerate(following, start=1):
            if any(mark in sentence.text for mark in QUOTE_MARKS):
                return following[:length]
        return following[:1]

    def _actor(self, subject: Token) -> Referent | None:
        """The named actor a subject stands for, or None when it names no actor."""
        # "representatives for X", "the LCB statement", "a statement from X"
        speaks_for = subject.lemma_.lower() in self.names.spokespeople | self.names.statements
        named = [r for c in subject.children if c.dep_ == "appos" and not speaks_for
                 for r in [self._referent_of(c)] if r is not None]
        # A name, or an unnamed subject with one in apposition: "the company, Acme Corp, denied".
        referent = (self.ranked.referent_at.get(subject.i) or next(iter(named), None) or self._by_surname(subject)
                    or self._members_of(subject))
        if referent is not None:
            if referent.kind in ("person", "actor"):
                return self._employer(subject) or referent
            return referent if _can_act(referent) else None
        lower = subject.lower_
        if lower in _RELATIVE and subject.head.dep_ == "relcl":
            return self._actor(subject.head.head)  # "Acme Corp, which denies the allegations, ..."
        if speaks_for:
            return self._spoken_for(subject)
        if lower in self.names.clients:
            return self._client_of(subject)
        definite = any(c.lower_ == "the" for c in subject.children)
        if lower in self.names.institutions:
            # "the ministry" is a ministry the article named, never the nearest company; "the agency" may be any.
            return self._spoken_for(subject) or self._institution(subject) or (
                self._definite(subject) if definite else None)
        # "the minister" refers back; "the police chief of Kunduz province" is somebody else, unnamed.
        bare_title = lower in self.names.titles and subject.pos_ == "NOUN" and all(
            c.dep_ in ("det", "amod", "poss") or c.lower_ in self.names.titles for c in subject.children)
        if bare_title:
            return self._titled(subject) or self._antecedent(subject, person=True)
        titled = [c for c in subject.children if c.dep_ == "conj" and c.i in self.ranked.referent_at]
        if lower in self.names.titles and titled and not definite:
            return self._actor(titled[0])  # "Founder and chief executive Elizabeth Holmes", parsed as two subjects
        if lower in _PERSON_PRONOUNS and subject.pos_ == "PRON":
            return self._antecedent(subject, person=True)
        if lower in _THING_PRONOUNS and subject.pos_ == "PRON":  # not "IT" of "the state IT department"
            return None if self._unnamed_plural_before(subject) else self._antecedent(subject, person=False)
        if subject.pos_ == "NOUN" and definite:
            return self._definite(subject)
        return None

    def _members_of(self, noun: Token) -> Referent | None:
        """ "Tamil Tiger rebels", "Hamas fighters", "the National Police chief": the organisation or country whose
        members, or whose head, the noun names; not "a Kingsmere Town striker", who is one person of his own."""
        lemma = noun.lemma_.lower()
        members = noun.tag_ == "NNS" and lemma not in self.names.spokespeople
        if noun.pos_ != "NOUN" or not (members or lemma in self.names.leaders):
            return None
        if lemma in self.names.titles and (titled := self._titled(noun)) is not None:
            return titled  # "Thailand's army chief" of "army chief Gen. Anupong Paochinda"
        # The nearest name first: "Indonesia's National Police chief" is the National Police's; "England's players".
        named = (self.ranked.referent_at.get(c.i) for c in sorted(noun.children, key=lambda c: -c.i)
                 if c.dep_ == "compound" and c.pos_ == "PROPN" or c.dep_ == "poss")
        return next((r for r in named if r is not None and r.kind != "person" and _can_act(r)), None)

    def _unnamed_plural_before(self, pronoun: Token) -> bool:
        """ "Two other sources said ..., but they declined": "they" are the sources, whom the article does not name,
        not the country named before them."""
        if pronoun.lower_ not in ("they", "them", "their"):
            return False
        for word in self._words_before(pronoun):
            if word.dep_ in SUBJECTS and subject_clause(word) in ("ROOT", "conj"):
                return word.tag_ == "NNS" and word.i not in self.ranked.referent_at and self._actor(word) is None
        return False

    def _by_surname(self, name: Token) -> Referent | None:
        """ "PC Hargreaves", a name the tagger left out, by the surname of a person the article named."""
        if name.pos_ != "PROPN":
            return None
        people = [r for r in self._referents
                  if r.kind == "person" and len(r.longest.tokens) > 1 and r.longest.tokens[-1].lower_ == name.lower_]
        return people[0] if len(people) == 1 else None

    def _referent_of(self, token: Token) -> Referent | None:
        """The referent a name token belongs to, or the one of a name inside its compound."""
        referent_at = self.ranked.referent_at
        inside = (referent_at[c.i] for c in token.children if c.dep_ == "compound" and c.i in referent_at)
        return referent_at.get(token.i) or next(inside, None)

    def _country(self, noun: Token) -> Referent | None:
        """ "the kingdom", "the country": the nearest country named before, within a few sentences."""
        for word in self._words_before(noun):
            referent = self.ranked.referent_at.get(word.i)
            # A country, or one of its institutions: "Bahrain's foreign ministry ... said the kingdom".
            if referent is not None and (referent.kind == "group" or any(m.label == "GPE" for m in referent.mentions)):
                return referent
        return None

    def _definite(self, noun: Token, *, named_so: bool = False) -> Referent | None:
        """ "the company", "the club": the name the article introduced with that noun, else the nearest fitting
        actor: any organisation for a word that names one ("the company"), else (and with `named_so`) only one
        whose name holds the noun ("the laboratory" is no newspaper named before it)."""
        if noun.lemma_.lower() in self.names.country_nouns:
            return self._country(noun)
        any_organisation = not named_so and noun.lemma_.lower() in self.names.organisation_nouns
        return self._introduced_as(noun) or self._antecedent(
            noun, person=False, head=noun.lower_, named_so=not any_organisation)

    def _introduced_as(self, noun: Token) -> Referent | None:
        """X of "the company, X," "club X", "X, the company," or "Buckingham Palace" before this noun."""
        for earlier in reversed(self.doc[:noun.i]):
            if earlier.lemma_.lower() != noun.lemma_.lower():
                continue
            if earlier.i in self.ranked.referent_at and earlier.pos_ == "PROPN":
                return self.ranked.referent_at[earlier.i]  # the noun is the head of a name: "Buckingham Palace"
            if earlier.dep_ == "compound" and earlier.head.i in self.ranked.referent_at:
                return self.ranked.referent_at[earlier.head.i]
            if earlier.dep_ == "appos" and earlier.head.i in self.ranked.referent_at:
                return self.ranked.referent_at[earlier.head.i]
            named = [r for c in earlier.children if c.dep_ == "appos" for r in [self._referent_of(c)] if r is not None]
            if named:
                return named[0]
        return None

    def _titled(self, title: Token) -> Referent | None:
        """The person the article names with this title, before it or else after it: "the president" of
        "Mexico's President Andres Manuel Lopez Obrador", "Egypt's interior minister" of "Interior Minister Magdy
        Abdel Ghaffar" (a later "Foreign Minister X" is someone else)."""
        qualifiers = {c.lower_ for c in title.children if c.dep_ in ("compound", "amod")}
        before, after = reversed(self.doc[:title.i]), self.doc[title.i + 1:]
        for other in (*before, *after):
            if other.lemma_.lower() != title.lemma_.lower() or other.dep_ != "compound":
                continue
            named = other.head
            while named.dep_ == "compound" and named.head.i != named.i:
                named = named.head
            titles = {w.lower_ for w in self.doc[named.left_edge.i:named.i]}
            referent = self.ranked.referent_at.get(named.i)
            if referent is not None and _is_person(referent) and qualifiers <= titles:
                return referent
        return None

    def _client_of(self, client: Token) -> Referent | None:
        """ "A lawyer for X said his client denies ...": X."""
        speaker = self.reporting_verb(client.head) if client.head.i != client.i else None
        said_by = subject_of(speaker) if speaker is not None else None
        if said_by is None or said_by.lemma_.lower() not in self.names.spokespeople:
            return None
        return self._spoken_for(said_by)

    def _institution(self, noun: Token) -> Referent | None:
        """ "Police declined to say", "the army denied": an institution the article names no better.

        The article's own name for it comes first ("the ministry" after "Kenya's interior
        ministry"); only institutions that say who they are stand alone.
        """
        before = [c.i for c in noun.children if c.dep_ in ("compound", "amod", "nmod") and c.i < noun.i]
        # "the state IT department", "the Qingyuan ecology bureau", "the Saudi-led coalition"; not "a third-party agency".
        qualified = any(noun.doc[i].dep_ in ("compound", "nmod") and noun.doc[i].pos_ == "PROPN" for i in before) or any(
            w.ent_type_ in ("GPE", "NORP") for i in before for w in noun.doc[i].subtree)
        if noun.lower_ not in self.names.standalone_institutions and not qualified:
            return None
        named = [(i, r) for i, r in self.ranked.referent_at.items() if r.longest.tokens.root.lower_ == noun.lower_]
        earlier = [r for i, r in named if i < noun.i]
        bare = not before and not any(c.dep_ == "prep" for c in noun.children)
        if earlier or named and bare:
            # The article's name for it, however far back, else a later one: "the police" of "Brazilian police",
            # "the government has declined to comment" before "the South Korean government".
            return earlier[-1] if earlier else named[0][1]
        after = [c.right_edge.i for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"]  # "ministry of health"
        first = min([noun.i, *(noun.doc[i].left_edge.i for i in before)])  # "the Qingyuan ecology and environment bureau"
        while noun.doc[first].pos_ == "DET":
            first += 1
        return Referent([Mention(noun.doc[first:max([noun.i, *after]) + 1], "GROUP")])

    def _employer(self, name: Token) -> Referent | None:
        """ "Ministry of External Affairs Spokesperson Arindam Bagchi": the ministry speaks through its spokesperson;
        "chief spokesman Zabihullah Mujahid" right after a party's denial speaks for that party."""
        for child in name.children:
            if child.dep_ == "compound" and child.lower_ in self.names.spokespeople:
                for modifier in child.subtree:
                    referent = self.ranked.referent_at.get(modifier.i)
                    if referent is not None and referent.kind != "person" and _can_act(referent):
                        return referent
                if all(m.dep_ in ("amod", "det") for m in child.children):
                    return self._last_party(name)
        return None

    def _spoken_for(self, noun: Token) -> Referent | None:
        """ "A spokesman for X, Y,": X when X is an organisation or a country, else Y when named, else X.

        "X's spokesman" is the same; "the spokesman" or "a spokesperson" alone is the one who spoke last.
        """
        objects = [o for c in noun.children for o in principals_in(c)]
        represented = [self._actor(o) for o in objects]
        # "a palace spokesman": the palace the article named ("Buckingham Palace").
        represented += [self._definite(c, named_so=True) for c in noun.children if c.dep_ == "compound" and c.pos_ == "NOUN"]
        # "a spokesman for President X, Y," is often parsed with Y in apposition to X.
        appositions = [c for t in (noun, *objects) for c in t.children if c.dep_ == "appos"]
        named = [self._actor(c) for c in appositions if c.i in self.ranked.referent_at]
        organisations = [r for r in represented if r is not None and r.kind != "person"]
        for choice in (organisations, named, represented):
            found = [r for r in choice if r is not None]
            if found:
                return found[0]
        service = self._national_institution(noun)
        if service is not None:
            return service
        # "the spokesman", "the statement", and a bare "a spokesperson said" right after a party's denial; never
        # "a police official".
        bare = all(c.dep_ in ("det", "punct") for c in noun.children)
        if noun.lemma_.lower() in self.names.spokespeople | self.names.statements and bare:
            return self._last_party(noun)
        return None

    def _national_institution(self, noun: Token) -> Referent | None:
        """ "A Myanmar military spokesman", "an Israeli military spokesman": the country's institution."""
        words = [c for c in noun.children if c.dep_ in ("compound", "amod", "nmod") and c.i < noun.i]
        institution = [w for w in words if w.lower_ in self.names.institutions]
        country = [w for w in words if w.ent_type_ in ("GPE", "NORP")]
        if not institution or not country:
            return None
        return Referent([Mention(noun.doc[min(country[0].i, institution[-1].i):institution[-1].i + 1], "GROUP")])

    def _last_party(self, token: Token) -> Referent | None:
        for cue in reversed(self._said):
            if self._sentences_between(cue.sentence.start, token.idx) <= 2:
                return self._referent_named(cue.party)
        return None

    def _antecedent(self, token: Token, *, person: bool, head: str | None = None, named_so: bool = False) -> Referent | None:
        """The nearest actor mentioned before the token within a few sentences, one that was a subject first.

        "In a statement, OrchidPay said ... in Singapore and Indonesia. "...," it said.": news
        keeps its speaker as the subject, so "it" is OrchidPay, not the nearer Indonesia.
        """
        fitting = self._fitting(token, person, head, named_so)
        # The subject of a sentence's main clause first ("X told reporters that Y would ..., but he
        # declined" is X), then any subject; out of the subject, a place is where things happen.
        main = (referent for word, referent in fitting if subject_clause(word) in ("ROOT", "conj"))
        subjects = (referent for word, referent in fitting if subject_clause(word) is not None)
        actors = (referent for _, referent in fitting if referent.kind != "place")
        return next(main, None) or next(subjects, None) or next(actors, None)

    def _fitting(self, token: Token, person: bool, head: str | None, named_so: bool) -> list[tuple[Token, Referent]]:
        """The actors a pronoun or a noun may stand for within a few sentences before it, nearest first."""
        fitting: list[tuple[Token, Referent]] = []
        for word in self._words_before(token):
            referent = self.ranked.referent_at.get(word.i)
            if referent is None:
                # An unnamed subject that stands for a name: "the company said ... it said" is the company, and
                # "A spokesman for Russia's Defence Ministry rejected it. "...," he said." is the ministry.
                spokesperson = word.dep_ in SUBJECTS and word.lemma_.lower() in self.names.spokespeople
                resolved = (self._definite(word) if not person and head is None and self._definite_subject(word)
                            else self._spoken_for(word) if person and spokesperson else None)
                if resolved is not None:
                    fitting.append((word, resolved))
                continue
            if referent is None or not _can_act(referent):
                continue
            if referent.kind == "actor" and head is None or person == _is_person(referent) and (
                head is None or head in referent.longest.tokens.text.lower() or referent.kind in ("org", "group") and not named_so
            ):
                fitting.append((word, referent))
        return fitting

    def _words_before(self, token: Token) -> Iterator[Token]:
        """The words before a token, nearest first, as far back as a pronoun or "the company" may look."""
        for index in range(token.i - 1, -1, -1):
            if self._sentences_between(self.doc[index].idx, token.idx) > _ANTECEDENT_SENTENCES:
                return
            yield self.doc[index]

    def _definite_subject(self, word: Token) -> bool:
        return (word.pos_ == "NOUN" and word.dep_ in SUBJECTS and any(c.lower_ == "the" for c in word.children)
                and word.lower_ not in self.names.spokespeople)

    def _referent_named(self, name: Span) -> Referent | None:
        for token in self.doc.char_span(name.start, name.end, alignment_mode="expand") or []:
            if token.i in self.ranked.referent_at:
                return self.ranked.referent_at[token.i]
        return None

    def _sentences_between(self, start: int, end: int) -> int:
        """How many sentences begin after character `start` and at or before `end`."""
        return bisect_right(self._sentence_starts, end) - bisect_right(self._sentence_starts, start)


def _is_person(referent: Referent) -> bool:
    """A person, also when the tagger filed some of the name's mentions under ORG ("Bankman-Fried")."""
    return referent.kind == "person" or referent.longest.label == "PERSON" and len(referent.longest.tokens) > 1


def _can_act(referent: Referent) -> bool:
    return referent.kind in ("person", "org", "group", "actor") or any(m.label == "GPE" for m in referent.mentions)
