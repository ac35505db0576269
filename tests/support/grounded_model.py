"""A chat-server model that answers each call from that call's own article (bench.load, bench.jobs).

Article n is the seed article opened by a sentence naming a unique token ("Officer Zq<n> ...").
The model reads the text between <article> and </article> of the call's user message and
quotes its first sentence, naming a capitalised word of it (the unique token when the
sentence has one), so that an answer given to the wrong request shows.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .articles import SEED_ARTICLE
from .chat_server import Reply

TOKEN = re.compile(r"Zq\d+")
_ARTICLE = re.compile(r"<article>\n(.*)\n</article>", re.DOTALL)
_FIRST_SENTENCE = re.compile(r".+?[.!?](?=\s|$)", re.DOTALL)
_CAPITALISED = re.compile(r"\b[A-Z]\w*")


def numbered_article(n: int) -> str:
    return f"Officer Zq{n} filed this report from Baghdad on Monday. {SEED_ARTICLE}"


def grounded_reply(body: dict[str, Any], delay: float = 0.0) -> Reply:
    """Quote the first sentence of the article in the call's user message, and name a capitalised word of it; after `delay` seconds."""
    user = next(message["content"] for message in body["messages"] if message["role"] == "user")
    text = _ARTICLE.search(user).group(1)
    sentence = _FIRST_SENTENCE.match(text).group()
    words = _CAPITALISED.findall(sentence)
    name = next((word for word in words if TOKEN.fullmatch(word)), words[0])
    answer = {
        "who": [{"name": name, "role": None, "quote": sentence}],
        "what": {"text": sentence, "quote": sentence},
        "where": [],
        "denials": [],
    }
    return Reply(content=json.dumps(answer), delay=delay)
