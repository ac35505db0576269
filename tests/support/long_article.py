"""A 30,000-word article, built from several real articles, with facts planted past the first 24,000 characters."""

from __future__ import annotations

import json
import re
from typing import Any

from .articles import DATA
from .chat_server import Reply

SAMPLE = DATA / "dev_sample.jsonl"
LATE_FROM = 24_000
# Planted once, near the end: the only place these names occur.
LATE_DENIAL = "Northwind Logistics denied that it had shipped the drones to Tallinn."
LATE_PARAGRAPH = f"In a separate case, customs officers seized a cargo of drones at the port. {LATE_DENIAL}"
LATE_PARTY, LATE_PLACE = "Northwind Logistics", "Tallinn"


def long_article(words: int = 30_000) -> str:
    texts = [json.loads(line)["text"] for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    parts: list[str] = []
    count = 0
    while count < words:
        if count >= words * 0.8 and LATE_PARAGRAPH not in parts:
            parts.append(LATE_PARAGRAPH)
        text = texts[len(parts) % len(texts)]
        parts.append(text)
        count += len(text.split())
    return "\n\n".join(parts)


def chunk_reader(body: dict[str, Any]) -> Reply:
    """A chat-server model that reads only the chunk it is given and reports the planted denial when it is there."""
    chunk = body["messages"][1]["content"].split("<article>\n", 1)[1].rsplit("\n</article>", 1)[0]
    lead = re.match(r".+?[.!?](?=\s)", chunk, re.DOTALL).group()
    answer = {"who": [], "what": {"text": "The news.", "quote": lead}, "where": [], "denials": []}
    if LATE_DENIAL in chunk:
        answer["who"] = [{"name": LATE_PARTY, "role": None, "quote": LATE_DENIAL}]
        answer["where"] = [{"name": LATE_PLACE, "quote": LATE_DENIAL}]
        answer["denials"] = [{"who": LATE_PARTY, "denied": "shipping the drones", "kind": "explicit", "quote": LATE_DENIAL}]
    return Reply(content=json.dumps(answer))
