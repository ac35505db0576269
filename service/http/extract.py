"""Article text from HTML: the main content, without scripts, styles, navigation or markup.

trafilatura finds the article body of a whole page; a fragment it finds nothing
in (a CMS often sends just the body's paragraphs) falls back to the plain text
of the markup, still without scripts, styles and navigation.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
import trafilatura

_HTML = re.compile(r"<\s*(!doctype|html|head|body|p|div|article|section|span|br|h[1-6])\b", re.IGNORECASE)
_NOT_TEXT = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe")
_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "blockquote", "tr")


def looks_like_html(text: str) -> bool:
    return bool(_HTML.search(text[:4000]))


def text_from_html(html: str) -> str:
    """The article's text, paragraphs separated by blank lines; empty when there is none."""
    text = trafilatura.extract(html, favor_precision=True, include_comments=False, include_tables=False)
    if not text:
        text = _plain_text(html)
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _plain_text(html: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*_NOT_TEXT)):
        element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return str(root.text_content())
