"""The articles the tests read: the seed article, and a correct answer for it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"
SEED_ARTICLE = (DATA / "seed_article.txt").read_text(encoding="utf-8")

# A correct answer for the seed article, as a careful model would give it.
SEED_ANSWER: dict[str, Any] = {
    "who": [
        {"name": "Israel", "role": "denied involvement in the attack",
         "quote": "Israel has denied any involvement with the attack in Iraq"},
        {"name": "Popular Mobilization Forces", "role": "militia group whose base was hit",
         "quote": "which is used by the Popular Mobilization Forces (PMF)"},
        {"name": "Mohammed Shia al-Sudani", "role": "Iraqi Prime Minister; ordered an investigation",
         "quote": "Iraqi Prime Minister Mohammed Shia al-Sudani ordered an investigation into the explosion."},
    ],
    "what": {"text": "Missiles hit Kalsu Base, a base of a pro-Iranian militia in Iraq, killing two fighters.",
             "quote": "A base of a pro-Iranian militia in Iraq was hit by missiles on Sunday night"},
    "where": [{"name": "Kalsu Base", "quote": "The strike targeted Kalsu Base, south of Baghdad"},
              {"name": "Iraq", "quote": "A base of a pro-Iranian militia in Iraq was hit by missiles"}],
    "denials": [
        {"who": "Israel", "denied": "involvement in the attack in Iraq", "kind": "explicit",
         "quote": "Israel has denied any involvement with the attack in Iraq"},
        {"who": "Popular Mobilization Forces", "denied": "the number of casualties", "kind": "no_comment",
         "quote": "declined to comment on the number of casualties"},
    ],
}


def seed_answer() -> dict[str, Any]:
    return copy.deepcopy(SEED_ANSWER)
