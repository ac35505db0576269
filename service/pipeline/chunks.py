"""Long articles: split into overlapping chunks that fit the model's context, and merge their summaries.

An article that fits is one chunk. A longer one is cut at paragraph and
sentence ends into chunks of at most the token budget, each beginning with the
last sentences of the one before, so that a sentence that needs its predecessor
is never read alone. Each chunk is summarized and grounded on its own (its
offsets already shifted to the whole article); merging then keeps one `what`
(the first chunk's: news puts the main event first), one entry per name with
its best evidence, and each denial once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..checks.ground import Grounding, add_unique
from ..summary import Denial, Evidence, Where, Who
from ..text import fold, sentence_bounds

# Token counts of pieces add up to slightly less or more than the whole; stay clear of the edge.
BUDGET_MARGIN = 0.95
OVERLAP_SHARE = 0.1
MAX_EVIDENCE = 3
MAX_MERGED_WHO, MAX_MERGED_WHERE = 12, 8
# The room left for the article is an upper estimate; below this a server too small for the
# prompt should say so itself rather than be sent thousands of slivers.
MIN_CHUNK_TOKENS = 1024


@dataclass(frozen=True)
class Chunk:
    start: int
    text: str


def split(text: str, budget: int, count_tokens: Callable[[str], int]) -> list[Chunk]:
    """The article in chunks of at most `budget` tokens, cut at boundaries and overlapping a little."""
    if count_tokens(text) <= budget:
        return [Chunk(0, text)]
    limit = max(int(budget * BUDGET_MARGIN), 1)
    pieces = [piece for unit in sentence_bounds(text) for piece in _fitting(text, unit, limit, count_tokens)]
    sizes = [count_tokens(text[start:end]) for start, end in pieces]
    chunks: list[Chunk] = []
    first = 0
    while first < len(pieces):
        last, used = first, sizes[first]
        while last + 1 < len(pieces) and used + sizes[last + 1] <= limit:
            last += 1
            used += sizes[last]
        chunks.append(Chunk(pieces[first][0], text[pieces[first][0] : pieces[last][1]]))
        if last + 1 == len(pieces):
            break
        first = _overlap_start(sizes, first, last, int(limit * OVERLAP_SHARE))
    return chunks


def _fitting(text: str, unit: tuple[int, int], limit: int, count_tokens: Callable[[str], int]) -> list[tuple[int, int]]:
    """A unit too long for any chunk (a paragraph with no sentence end), cut at spaces."""
    start, end = unit
    tokens = count_tokens(text[start:end])
    if tokens <= limit:
        return [unit]
    cut = start + max(int((end - start) * limit / tokens * BUDGET_MARGIN), 1)
    space = text.rfind(" ", start + 1, cut)
    cut = space + 1 if space > start else cut
    return [(start, cut), *_fitting(text, (cut, end), limit, count_tokens)]


def _overlap_start(sizes: list[int], first: int, last: int, overlap: int) -> int:
    """The piece the next chunk starts at: the last pieces of this chunk within the overlap, never going back."""
    start, used = last + 1, 0
    while start - 1 > first and used + sizes[start - 1] <= overlap:
        start -= 1
        used += sizes[start]
    return start


def merge(parts: list[Grounding]) -> Grounding:
    """One summary of the whole article from the summaries of its chunks, in article order."""
    if len(parts) == 1:
        return parts[0]
    merged = Grounding(what=next((part.what for part in parts if part.what), None))
    merged.who = _merge_named([part.who for part in parts], MAX_MERGED_WHO)
    merged.where = _merge_named([part.where for part in parts], MAX_MERGED_WHERE)
    for part in parts:
        for denial in part.denials:
            # The same words are the same denial, whether the overlap read them twice or the article repeats them.
            add_unique(merged.denials, denial, _same_denial)
    for denial in merged.denials:
        denial.evidence = sorted(denial.evidence, key=lambda evidence: evidence.start)[:MAX_EVIDENCE]
    merged.dropped = [
        dropped.model_copy(update={"chunk": number}) for number, part in enumerate(parts) for dropped in part.dropped
    ]
    return merged


def _same_denial(denial: Denial) -> tuple[str, str, str]:
    return fold(denial.who), denial.kind, fold(denial.evidence[0].quote)


Named = TypeVar("Named", Who, Where)


@dataclass
class _Entry(Generic[Named]):
    item: Named
    # (rank in its chunk's list, evidence) pairs: a name listed first in its chunk is its strongest evidence.
    evidence: list[tuple[int, Evidence]]
    chunks: int = 1
    first_seen: int = 0


def _merge_named(lists: list[list[Named]], most: int) -> list[Named]:
    """Names across chunks, each once: a bare surname joins the full name it ends."""
    named: list[_Entry[Named]] = []
    for chunk_items in lists:
        for rank, item in enumerate(chunk_items):
            ranked = [(rank, evidence) for evidence in item.evidence]
            same = next((entry for entry in named if _same_name(entry.item.name, item.name)), None)
            if same is None:
                named.append(_Entry(item.model_copy(), ranked, first_seen=len(named)))
                continue
            same.chunks += 1
            same.evidence.extend(ranked)
            if len(item.name) > len(same.item.name):
                same.item.name = item.name
            if isinstance(same.item, Who) and isinstance(item, Who) and same.item.role is None and item.role is not None:
                same.item.role = item.role
    # Named in more chunks is more central to the story; ties keep article order.
    named.sort(key=lambda entry: (-entry.chunks, entry.first_seen))
    return [entry.item.model_copy(update={"evidence": _strongest(entry.evidence)}) for entry in named[:most]]


def _same_name(one: str, other: str) -> bool:
    a, b = fold(one).split(), fold(other).split()
    shorter, longer = sorted((a, b), key=len)
    return shorter == longer[len(longer) - len(shorter) :]


def _strongest(evidence: list[tuple[int, Evidence]]) -> list[Evidence]:
    kept: list[Evidence] = []
    for _, item in sorted(evidence, key=lambda pair: (pair[0], pair[1].start)):
        if item not in kept:
            kept.append(item)
    return kept[:MAX_EVIDENCE]
