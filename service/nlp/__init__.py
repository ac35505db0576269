"""The proposer: names, places and denials of an English news article, from spaCy's pipeline.

It owns everything between an article's text and the `Candidates` that the
choosing strategy offers a small model (`service.pipeline.questions.ChosenAnswer`),
and it may import only the standard library, spaCy, py3langid and the modules at
the top of the package (`service.errors`, `service.config`, `service.text`). Every
proposal is an exact substring of the article: a `Span` (service.text) with
`text == article[start:end]`.

- `proposer`: loads the spaCy pipeline once, off the event loop, and runs the
  steps below on one article.
- `language`: the article's language; the cue tables are English, so an
  article in another language gets only its sentences.
- `entities`: named-entity mentions (PERSON, ORG, NORP, GPE, LOC, FAC),
  clustered per referent and ranked by salience into who and where.
- `denials`: denial cues matched on lemmas and checked on the dependency
  parse; what was denied is the cue's complement.
- `parties`: whose denial it is: the grammatical subject (or the passive's
  agent), the speaker of a quotation, whom a spokesperson or lawyer speaks
  for, and what a pronoun or "the company" stands for.
- `tables`: the data files beside this module: `cues.toml` (cue lemmas and
  phrases, kinds, false friends) and `names.toml` (datelines, wire and photo
  credits, institutions, facility heads).
"""

from ..text import Span
from .proposer import Proposer
from .spans import Candidates, DenialCue, Entity

__all__ = ["Candidates", "DenialCue", "Entity", "Proposer", "Span"]
