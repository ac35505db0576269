"""Long articles: split at boundaries with overlap, summarized per chunk, merged into one summary."""

from __future__ import annotations

import itertools
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from service.article import Article
from service.checks.ground import Grounding
from service.pipeline.chunks import MAX_EVIDENCE, MIN_CHUNK_TOKENS, Chunk, merge, split
from service.pipeline.summarizer import Summarizer
from service.summary import Denial, Dropped, Evidence, What, Who

from .support.chat_server import Reply
from .support.long_article import LATE_FROM, LATE_PARTY, LATE_PLACE, chunk_reader, long_article

ARTICLE = "\n\n".join(f"Paragraph {n} starts here. It has a second sentence! And a third one?" for n in range(40))


def assert_chunked(text: str, chunks: list[Chunk], budget: int) -> None:
    assert chunks[0].start == 0 and chunks[-1].start + len(chunks[-1].text) == len(text)
    for before, after in itertools.pairwise(chunks):
        assert before.start < after.start <= before.start + len(before.text), "chunks leave no gap and make progress"
    for chunk in chunks:
        assert text[chunk.start : chunk.start + len(chunk.text)] == chunk.text
        assert len(chunk.text) <= budget


def test_an_article_that_fits_is_one_chunk():
    assert split(ARTICLE, len(ARTICLE), len) == [Chunk(0, ARTICLE)]


def test_a_long_article_is_cut_at_sentence_ends_with_overlap():
    chunks = split(ARTICLE, 400, len)
    assert len(chunks) > 5
    assert_chunked(ARTICLE, chunks, 400)
    for chunk in chunks:
        assert re.match(r"(Paragraph|It|And)\b", chunk.text), chunk.text[:30]
        assert chunk.text.rstrip().endswith((".", "!", "?"))
    assert any(chunk.start < chunks[n].start + len(chunks[n].text) for n, chunk in enumerate(chunks[1:])), "overlap"


def test_a_paragraph_without_sentence_ends_is_cut_at_spaces():
    text = "word " * 500
    chunks = split(text, 120, len)
    assert_chunked(text, chunks, 120)
    assert all(chunk.text.startswith("word") for chunk in chunks)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n\"”"), max_size=600), st.integers(min_value=3, max_value=80))
def test_any_text_is_covered_exactly(text, budget):
    assert_chunked(text, split(text, budget, len), budget)


def _item(name: str, start: int, role: str | None = None) -> Who:
    return Who(name=name, role=role, evidence=[Evidence(quote=name, start=start, end=start + len(name))])


def _denial(who: str, quote: str, start: int) -> Denial:
    return Denial(who=who, denied="it", kind="explicit", evidence=[Evidence(quote=quote, start=start, end=start + len(quote))])


def test_merge_keeps_one_entry_per_name_the_first_what_and_each_denial_once():
    first = Grounding(
        who=[_item("Boris Johnson", 10), _item("Acme", 50)],
        what=What(text="Lead.", evidence=[]),
        denials=[_denial("Acme", "Acme denied it.", 60)],
        dropped=[Dropped(path="/who/2", field="who", reasons=["name_not_in_article"])],
    )
    second = Grounding(
        who=[_item("Johnson", 900, role="prime minister"), _item("Zed Corp", 950)],
        what=What(text="Later.", evidence=[]),
        denials=[_denial("Acme", "Acme denied it.", 60), _denial("Acme", "Acme denied it.", 5000)],
    )
    merged = merge([first, second])
    assert merged.what is not None and merged.what.text == "Lead."
    assert [w.name for w in merged.who] == ["Boris Johnson", "Acme", "Zed Corp"], "named in two chunks ranks first"
    johnson = merged.who[0]
    assert johnson.role == "prime minister" and [e.start for e in johnson.evidence] == [10, 900]
    assert len(merged.denials) == 1 and [e.start for e in merged.denials[0].evidence] == [60, 5000]
    assert [d.model_dump(exclude_unset=True) for d in merged.dropped] == [
        {"path": "/who/2", "field": "who", "reasons": ["name_not_in_article"], "chunk": 0}
    ]


def test_merge_keeps_the_strongest_evidence():
    parts = [Grounding(who=[_item("Other", 1), _item("Acme", 100 * n)]) for n in range(1, 6)]
    parts.append(Grounding(who=[_item("Acme", 9000)]))
    acme = next(w for w in merge(parts).who if w.name == "Acme")
    assert [e.start for e in acme.evidence] == [9000, 100, 200][:MAX_EVIDENCE], "listed first in its chunk wins"


def test_a_30000_word_article_is_summarized_whole(chat, service_on):
    article = long_article()
    assert len(article.split()) >= 30_000
    chat.fallback = chunk_reader
    with service_on(max_chars="400000", context_tokens="16384") as client:
        response = client.post("/v1/summaries", json={"text": article})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["chunks"] == len(chat.received) == body["meta"]["attempts"] > 1
    assert all(len(json.dumps(request["messages"]).encode()) / 3 < 16384 for request in chat.received)
    assert body["what"]["evidence"][0]["start"] == 0
    late = [evidence for denial in body["denials"] for evidence in denial["evidence"]]
    assert [d["who"] for d in body["denials"]] == [LATE_PARTY] and late[0]["start"] > LATE_FROM
    assert [w["name"] for w in body["where"]] == [LATE_PLACE]
    for item in (*body["who"], *body["where"], *body["denials"], body["what"]):
        for evidence in item["evidence"]:
            assert article[evidence["start"] : evidence["end"]] == evidence["quote"]


async def test_a_chunk_is_grounded_in_its_own_text(fake):
    article = "Acme Corp opened a plant in Leeds. " * 40 + "\n\n" + "Zed Ltd denied the report. " * 60
    summarizer = Summarizer(fake, max_attempts=1)
    fake.context = summarizer.asker.reserve_tokens(fake.count_tokens) + MIN_CHUNK_TOKENS
    answer = {"who": [{"name": "Acme Corp", "role": None, "quote": "Acme Corp opened a plant in Leeds."}],
              "what": {"text": "A plant opened.", "quote": "Acme Corp opened a plant"}, "where": [], "denials": []}
    fake.enqueue(*[answer] * 5)
    result = (await summarizer.summarize(Article(article))).as_body()
    assert result["meta"]["chunks"] == len(fake.requests) == 4
    # The last chunks never saw Acme: their answers' items are dropped, not grounded elsewhere in the article.
    assert {d["chunk"] for d in result["meta"]["dropped"]} == {2, 3}
    assert [w["name"] for w in result["who"]] == ["Acme Corp"]
    assert all(e["end"] <= 1400 for e in result["who"][0]["evidence"])


async def test_a_context_too_small_for_the_prompt_still_gives_chunks_of_a_useful_size(fake):
    fake.context = 10
    answer = {"who": [], "what": {"text": "A plant opened.", "quote": "Acme Corp opened a plant"}, "where": [], "denials": []}
    fake.enqueue(*[answer] * 10)
    await Summarizer(fake, max_attempts=1).summarize(Article("Acme Corp opened a plant in Leeds. " * 100))
    assert len(fake.requests) == 4  # 3,500 characters in chunks of at most 1,024 tokens, not slivers


def test_a_server_with_less_context_than_configured_gets_smaller_chunks(chat, service_on):
    article = long_article(words=6000)
    too_long = Reply.error(400, "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens.")
    chat.fallback = lambda body: too_long if len(json.dumps(body["messages"])) > 12_000 else chunk_reader(body)
    with service_on(context_tokens="16384") as client:
        first = client.post("/v1/summaries", json={"text": article})
        refused = len(chat.received) - first.json()["meta"]["attempts"]
        second = client.post("/v1/summaries", json={"text": article}, headers={"Cache-Control": "no-cache"})
    assert first.status_code == second.status_code == 200, first.text
    assert refused >= 1
    assert len(chat.received) == refused + first.json()["meta"]["attempts"] + second.json()["meta"]["attempts"]
    assert first.json()["denials"][0]["who"] == LATE_PARTY
    assert first.json()["meta"]["chunks"] == second.json()["meta"]["chunks"] > 1


def test_a_prompt_over_the_context_even_in_the_smallest_chunks_is_a_clear_502(chat, service_on):
    chat.fallback = lambda body: Reply.error(400, "the request exceeds the available context size")
    with service_on(context_tokens="16384") as client:
        response = client.post("/v1/summaries", json={"text": long_article(words=1000)})
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "context_too_long"
    assert "SUMMARIZER_CONTEXT_TOKENS" in response.json()["error"]["message"]
