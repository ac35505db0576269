"""What the model is asked, and how its answer is read back as a summary.

Two ways of asking, one result:

- WrittenAnswer: the model writes the whole summary as JSON. For capable models.
- ChosenAnswer: the proposer (service.nlp, spaCy's pipeline) proposes spans of
  the article (names, places, sentences, denials) and the model only picks
  names and places among them, under a schema whose every value is one of the
  candidates. For small models, which choose far better than they write. What
  a small model cannot do reliably (the lead sentence, denials) comes from the
  proposer alone.

Either way the answer is read back in the summary schema's shape and then goes
through the same schema check and grounding as any other answer.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..article import Article
from ..backends.base import Message
from ..backends.profile import grammar_label
from ..checks.answer import Answer, AnsweredDenial, AnsweredWhat, AnsweredWhere, AnsweredWho, checked_answer
from ..checks.validate import SchemaValidator, check_schema, parse_json
from ..nlp import Candidates, Proposer
from ..text import Span
from .resources import AnswerSchema, Prompts

MAX_WHO_OFFERED, MAX_WHO = 10, 6
MAX_WHERE_OFFERED, MAX_WHERE = 8, 4
# The model names the story's main actors and places, not every one: each token it writes under a
# grammar costs the embedded model about 20 ms on 2 cores, and it fills any room it is given.
MAX_WHO_CHOSEN, MAX_WHERE_CHOSEN = 3, 2
# Room in a small model's context for its prompt, the lists of candidates and the answer.
CHOICE_RESERVE_TOKENS = 900
# Room for a written answer; a re-ask also carries the rejected one.
ANSWER_RESERVE_TOKENS = 1500
# A chosen answer at its longest: the field names and brackets, and per item its quotes and comma
# and the whitespace that a JSON grammar lets a model put between items.
CHOICE_FIELD_TOKENS, CHOICE_ITEM_TOKENS = 8, 8
# Never more than the embedded model was measured with: inside a grammar a small model that
# loses its way pads with whitespace until the cap, and each token costs it time.
MAX_CHOICE_TOKENS = 256
# The model choosing among names sees the title and the article's opening, not all of it: the
# names on offer were ranked on the whole text, news puts the main actors and place first, and
# each token of prompt costs the embedded model about 4 ms on 2 cores (bench/embedded.py).
LEAD_WORDS = 60


@dataclass(frozen=True)
class Question:
    prompts: Prompts
    messages: tuple[Message, ...]
    schema: Mapping[str, Any]
    schema_name: str
    # What to tell a model that the server cannot hold to the schema.
    schema_hint: str
    # The raw answer read as a schema-valid answer; raises AnswerRejected.
    read: Callable[[str], Answer]
    # Tokens the answer may need at most: the model is stopped there.
    answer_tokens: int


_CLOSING_TAG = re.compile(r"<\s*/\s*article", re.IGNORECASE)


def _fenced(text: str) -> str:
    # A closing tag inside the article, in any case or spacing, must not end the data block early.
    return _CLOSING_TAG.sub(r"<\\/article", text)


def _hint(prompts: Prompts, schema: Mapping[str, Any]) -> str:
    return prompts.schema_hint.substitute(schema=json.dumps(schema))


class WrittenAnswer:
    # The model reads the article in whatever language it is written.
    reads_english_only = False

    def __init__(self, prompts: Prompts, schema: AnswerSchema):
        self.prompts = prompts
        self.schema = schema
        self._hint = _hint(prompts, schema.for_model)

    def reserve_tokens(self, count_tokens: Callable[[str], int]) -> int:
        """The context a question takes besides the article, a re-ask included."""
        fixed = "".join((self.prompts.system, self.prompts.user.template, self._hint, self.prompts.reask.template))
        return count_tokens(fixed) + 2 * ANSWER_RESERVE_TOKENS

    async def ask(self, article: Article) -> Question:
        user = self.prompts.user.substitute(
            title=article.title or "(none)", language=article.language or "not given", article=_fenced(article.text)
        )

        def read(raw: str) -> Answer:
            return checked_answer(parse_json(raw), self.schema.validator, raw)

        return Question(
            prompts=self.prompts,
            messages=({"role": "system", "content": self.prompts.system}, {"role": "user", "content": user}),
            schema=self.schema.for_model,
            schema_name=self.schema.version.replace("-", "_"),
            schema_hint=self._hint,
            read=read,
            answer_tokens=ANSWER_RESERVE_TOKENS,
        )


class ChosenAnswer:
    # The proposer's pipeline and cue tables are English: other articles get only their lead.
    reads_english_only = True

    def __init__(self, prompts: Prompts, schema: AnswerSchema, proposer: Proposer):
        self.prompts = prompts
        self.schema = schema
        self.proposer = proposer

    def reserve_tokens(self, count_tokens: Callable[[str], int]) -> int:
        return CHOICE_RESERVE_TOKENS

    async def ask(self, article: Article) -> Question:
        return await asyncio.to_thread(self._ask, article)

    def _ask(self, article: Article) -> Question:
        candidates = self.proposer.propose(article.text, title=article.title, language_hint=article.language)
        offer = _Offer(candidates)
        user = self.prompts.user.substitute(
            title=article.title or "(none)",
            lead=_fenced(_lead(article.text, candidates.sentences)),
            who=_listed(offer.who) or "(no names proposed)",
            where=_listed(offer.where) or "(no places proposed)",
        )
        return Question(
            prompts=self.prompts,
            messages=({"role": "system", "content": self.prompts.system}, {"role": "user", "content": user}),
            schema=offer.schema,
            schema_name="choices",
            schema_hint=_hint(self.prompts, offer.schema),
            read=lambda raw: offer.summary(parse_json(raw), raw, self.schema),
            answer_tokens=offer.answer_tokens(),
        )


def _lead(text: str, sentences: list[Span]) -> str:
    """The article's first sentences, up to LEAD_WORDS words (the first sentence whatever its length)."""
    words = 0
    for sentence in sentences:
        words += len(sentence.text.split())
        if words >= LEAD_WORDS:
            return text[: sentence.end]
    return text


class _Offer:
    """The proposer's candidates put before the model, the schema of its choices, and their reading.

    The model chooses names by writing them, which a small model does far better
    than choosing numbers; each name it may write is an enum label made safe
    for a llama.cpp grammar and mapped back to its exact span of the article.
    """

    def __init__(self, candidates: Candidates):
        self.candidates = candidates
        self.who = _labelled(candidates.who[:MAX_WHO_OFFERED])
        self.where = _labelled(candidates.where[:MAX_WHERE_OFFERED])
        properties = {
            field_name: {"type": "array", "items": {"type": "string", "enum": list(options)}, "maxItems": most}
            for field_name, options, most in (("who", self.who, MAX_WHO_CHOSEN), ("where", self.where, MAX_WHERE_CHOSEN))
            if options
        }
        self.schema = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
        self._validator = SchemaValidator(self.schema)

    def answer_tokens(self) -> int:
        """The tokens of the longest answer the schema allows (a token is at least one byte), at most MAX_CHOICE_TOKENS."""
        needed = CHOICE_FIELD_TOKENS
        for options, most in ((self.who, MAX_WHO_CHOSEN), (self.where, MAX_WHERE_CHOSEN)):
            longest = sorted((len(label.encode()) for label in options), reverse=True)[:most]
            needed += CHOICE_FIELD_TOKENS + sum(size + CHOICE_ITEM_TOKENS for size in longest)
        return min(needed, MAX_CHOICE_TOKENS)

    def summary(self, choices: Any, raw: str, summary_schema: AnswerSchema) -> Answer:
        check_schema(choices, self._validator, raw)
        # The proposer's ranked names and places stand; the model's choice is held to its schema but
        # does not change them. On the half of the development set that the proposer was not
        # developed on, the bundled model choosing the weaker slots cut who F1 from 0.83 to 0.71
        # and where F1 from 0.85 to 0.75 (bench/extraction.py against bench/embedded.py --split reserved).
        picked_who = list(self.who.values())[:MAX_WHO]
        picked_where = list(self.where.values())[:MAX_WHERE]
        answer = Answer(
            who=[AnsweredWho(name=s.text, role=None, quote=self._sentence_of(s).text) for s in picked_who],
            what=self._what(),
            where=[AnsweredWhere(name=s.text, quote=self._sentence_of(s).text) for s in picked_where],
            denials=[
                AnsweredDenial(who=d.party.text, denied=" ".join(d.denied.text.split()), kind=d.kind,
                               quote=d.sentence.text)
                for d in self.candidates.denials
            ],
        )
        check_schema(answer.model_dump(), summary_schema.validator, raw)
        return answer

    def _what(self) -> AnsweredWhat:
        """The lead sentence: news writing puts the main event first."""
        lead = self.candidates.sentences[0].text if self.candidates.sentences else ""
        return AnsweredWhat(text=" ".join(lead.split()), quote=lead)

    def _sentence_of(self, span: Span) -> Span:
        return next((s for s in self.candidates.sentences if s.start <= span.start < s.end), span)


def _labelled(spans: list[Span]) -> dict[str, Span]:
    """Each span under a label that a grammar literal can carry; the first span keeps a shared label."""
    labels: dict[str, Span] = {}
    for span in spans:
        label = grammar_label(span.text)
        if label and label not in labels:
            labels[label] = span
    return labels


def _listed(items: Iterable[str]) -> str:
    return "\n".join(f"- {label}" for label in items)
