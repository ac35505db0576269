"""HTML input: the article text is extracted, and offsets refer to that text."""

from __future__ import annotations

import pytest

from service.http.extract import looks_like_html, text_from_html

from .support.articles import seed_answer

PAGE = """<!doctype html><html><head><title>Missiles hit militia base</title>
<style>p { color: red }</style><script>var tracking = "SCRIPT-TEXT";</script></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> NAV-TEXT</nav>
<article><h1>Missiles hit militia base in Iraq</h1>
<p>BAGHDAD (Reuters) - A base of a pro-Iranian militia in Iraq was hit by missiles on Sunday night, killing two fighters and wounding several others, security sources said.</p>
<p>The strike targeted Kalsu Base, south of Baghdad, which is used by the Popular Mobilization Forces (PMF), an umbrella group of mostly Shi'ite armed factions.</p>
<p>Israel has denied any involvement with the attack in Iraq, a spokesman for the Israeli military said on Monday. &ldquo;We had nothing to do with it,&rdquo; the spokesman said.</p>
<p>The United States military said it had not carried out any strikes in the area. Iraqi Prime Minister Mohammed Shia al-Sudani ordered an investigation into the explosion.</p>
<p>A spokesman for the Popular Mobilization Forces declined to comment on the number of casualties.</p>
</article><footer>FOOTER-TEXT Copyright 2026</footer></body></html>"""


def test_a_whole_page_keeps_only_the_article():
    text = text_from_html(PAGE)
    assert "Israel has denied any involvement with the attack in Iraq" in text
    assert "“We had nothing to do with it,”" in text
    for boilerplate in ("SCRIPT-TEXT", "NAV-TEXT", "FOOTER-TEXT", "color: red", "<p>"):
        assert boilerplate not in text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One.</p><p>Two <b>bold</b>.</p>", "One.\n\nTwo bold."),
        ("<div>Body<script>alert(1)</script><style>x{}</style></div>", "Body"),
        ("<p></p>", ""),
        ("", ""),
    ],
    ids=["fragment", "script-in-fragment", "empty-paragraph", "empty"],
)
def test_fragments(html, expected):
    assert text_from_html(html) == expected


@pytest.mark.parametrize(("text", "is_html"), [("<p>x</p>", True), ("<!DOCTYPE html>", True), ("a < b > c", False), ("plain", False)])
def test_looks_like_html(text, is_html):
    assert looks_like_html(text) is is_html


def test_html_request_returns_the_extracted_text_and_offsets_into_it(fake_client, fake):
    fake.enqueue(seed_answer())
    response = fake_client.post("/v1/summaries", json={"html": PAGE})
    assert response.status_code == 200, response.text
    body = response.json()
    article = body["article_text"]
    assert article == text_from_html(PAGE)
    for denial in body["denials"]:
        evidence = denial["evidence"][0]
        assert article[evidence["start"] : evidence["end"]] == evidence["quote"]
    sent = fake.requests[0].messages[1]["content"]
    assert "SCRIPT-TEXT" not in sent and "<p>" not in sent and "NAV-TEXT" not in sent


def test_text_requests_do_not_echo_the_article(fake_client, fake):
    fake.enqueue(seed_answer())
    body = fake_client.post("/v1/summaries", json={"text": text_from_html(PAGE)}).json()
    assert "article_text" not in body


def test_html_without_text_is_422(fake_client, fake):
    response = fake_client.post("/v1/summaries", json={"html": "<div><script>only()</script></div>"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert fake.requests == []
