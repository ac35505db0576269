"""A model's bad answers to the seed article, for the fault and reliability benchmarks to draw from.

Malformed JSON, an answer cut off at the token limit, and answers that carry a
name, a place, a party or a quote that the seed article does not have: the
service must re-ask or refuse, and never return one of them.
"""

from __future__ import annotations

import json
import random
from typing import Any

from .articles import seed_answer
from .chat_server import Reply

INVENTED_PERSON = "Viktor Halloran"
INVENTED_PLACE = "Camp Sarwan"
INVENTED_PARTY = "Colonel Amir Tavasoli"
INVENTED_QUOTE = "Israel confirmed that it carried out the strike"


def malformed(rng: random.Random) -> Reply:
    variants = (
        repr(seed_answer()),
        json.dumps(seed_answer()).replace('", "', '" "', 1),
        "I am sorry, but I cannot summarize this article as JSON.",
    )
    return Reply(content=rng.choice(variants))


def truncated(rng: random.Random) -> Reply:
    text = json.dumps(seed_answer())
    return Reply(content=text[: rng.randrange(len(text) // 10, len(text) * 9 // 10)], finish_reason="length")


def with_invented_person(answer: dict[str, Any]) -> None:
    quote = f"{INVENTED_PERSON} said the strike was a warning"
    answer["who"].append({"name": INVENTED_PERSON, "role": "militia commander", "quote": quote})


def with_invented_place(answer: dict[str, Any]) -> None:
    answer["where"].append({"name": INVENTED_PLACE, "quote": f"The strike targeted {INVENTED_PLACE}"})


def with_invented_party(answer: dict[str, Any]) -> None:
    quote = f"{INVENTED_PARTY} denied ordering the strike"
    answer["denials"].append({"who": INVENTED_PARTY, "denied": "ordering the strike", "kind": "explicit", "quote": quote})


def with_invented_quote(answer: dict[str, Any]) -> None:
    answer["who"][0]["quote"] = INVENTED_QUOTE
