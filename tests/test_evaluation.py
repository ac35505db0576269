"""The scorer as a table of cases, and `summarizer eval` end to end against the local chat server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer_eval.evaluation import load_records
from summarizer_eval.scoring import Score, primary_found, score_denials, score_names

from .support.articles import DATA, SEED_ARTICLE, seed_answer
from .support.environment import clean_environment

JOHNSON = "Boris Johnson"


@pytest.mark.parametrize(
    ("pred", "gold", "acceptable", "expected"),
    [
        ([JOHNSON], [JOHNSON], [], Score(1, 0, 0)),
        (["boris johnson."], ["Boris Johnson"], [], Score(1, 0, 0)),
        (["Johnson"], [JOHNSON], [], Score(1, 0, 0)),
        (["Prime Minister Boris Johnson"], [JOHNSON], [], Score(1, 0, 0)),
        (["Boris Smith"], [JOHNSON], [], Score(0, 1, 1)),
        (["Spanish Football Federation"], ["Royal Spanish Football Federation"], [], Score(1, 0, 0)),
        (["Football Association"], ["Royal Spanish Football Federation"], [], Score(0, 1, 1)),
        (["The Spectator", JOHNSON], [JOHNSON], ["The Spectator"], Score(1, 0, 0, neutral=1)),
        ([], [], [], Score(0, 0, 0)),
        (["London"], [], [], Score(0, 1, 0)),
        ([], [JOHNSON, "Sajid Javid"], [], Score(0, 0, 2)),
        ([JOHNSON, "Johnson", JOHNSON], [JOHNSON], [], Score(1, 1, 0)),
        (["Russia’s army"], ["Russia"], [], Score(1, 0, 0)),
        (["US"], ["Russia"], [], Score(0, 1, 1)),
        (["At"], ["At least seven people"], [], Score(0, 1, 1)),
    ],
    ids=[
        "exact", "case-and-punctuation", "containment", "containment-other-way", "one-word-shared",
        "partial-overlap-kept", "partial-overlap-too-small", "acceptable-is-neutral", "empty-gold-and-prediction",
        "empty-gold", "empty-prediction", "duplicates", "possessive", "no-sub-word-containment", "function-words",
    ],
)
def test_score_names(pred, gold, acceptable, expected):
    assert score_names(pred, gold, acceptable) == expected


def test_empty_gold_scores_recall_one_and_every_prediction_counts_against_precision():
    assert score_names([], []).recall == 1.0
    assert score_names(["Paris"], []).precision == 0.0


@pytest.mark.parametrize(
    ("pred", "with_kind", "expected"),
    [
        ([{"who": "Johnson", "kind": "explicit"}], False, Score(1, 0, 1)),
        ([{"who": "Prime Minister", "kind": "explicit"}], False, Score(1, 0, 1)),
        ([{"who": "Johnson", "kind": "explicit"}, {"who": "Johnson", "kind": "no_comment"}], False, Score(2, 0, 0)),
        ([{"who": "Johnson", "kind": "implicit"}], True, Score(0, 1, 2)),
        ([{"who": "Downing Street", "kind": "explicit"}], False, Score(0, 0, 2, neutral=1)),
        ([{"who": "Edwardes", "kind": "explicit"}], False, Score(0, 1, 2)),
        ([], False, Score(0, 0, 2)),
    ],
    ids=["party", "party-by-alternative-name", "two-denials-one-party", "kind-must-match",
         "acceptable-is-neutral", "wrong-party", "nothing-found"],
)
def test_score_denials(pred, with_kind, expected):
    gold = [
        {"who": JOHNSON, "kind": "explicit", "who_alt": ["Johnson", "Prime Minister"]},
        {"who": JOHNSON, "kind": "no_comment", "who_alt": ["Johnson"]},
    ]
    acceptable = [{"who": "Downing Street", "kind": "explicit"}]
    assert score_denials(pred, gold, acceptable, with_kind=with_kind) == expected


def test_primary_found():
    assert primary_found(["Kremlin", "Dmitry Peskov"], ["Peskov", "Kremlin spokesman Dmitry Peskov"])
    assert not primary_found(["Kremlin"], ["Donald Trump"])
    assert not primary_found([], ["Donald Trump"])


def test_giveme5w1h_folder_is_read_as_primary_who_and_where():
    records = load_records(DATA / "giveme5w1h")
    assert [(r.id, r.title, r.gold) for r in records] == [
        ("acme-leeds", "Acme Corp opens a plant in Leeds", None), ("storm", "Storm closes schools", None)]
    assert [r.primary for r in records] == [
        {"who": ["Acme Corp"], "where": ["Leeds", "in Leeds"]}, {"who": [], "where": ["across the region"]}]


def annotated(record_id: str, text: str, who: list[str], where: list[str], denials: list[dict]) -> dict:
    return {"id": record_id, "title": None, "text": text, "acceptable": {},
            "gold": {"who": who, "where": where, "what": "", "denials": denials}}


def test_eval_end_to_end_on_three_records(chat, tmp_path: Path):
    good = seed_answer()
    wrong = seed_answer()
    wrong["who"] = [wrong["who"][0]]
    wrong["denials"] = []
    records = [
        annotated("seed-1", SEED_ARTICLE, ["Israel", "Popular Mobilization Forces", "Mohammed Shia al-Sudani"],
                  ["Kalsu Base", "Iraq"], [{"who": "Israel", "kind": "explicit"}, {"who": "Popular Mobilization Forces", "kind": "no_comment"}]),
        annotated("seed-2", SEED_ARTICLE, ["Israel", "Popular Mobilization Forces"], ["Kalsu Base"], [{"who": "Israel", "kind": "explicit"}]),
        annotated("seed-3", SEED_ARTICLE, ["Israel"], ["Iraq"], []),
    ]
    data = tmp_path / "three.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    from .support.chat_server import Reply

    chat.enqueue(good, wrong, *[Reply(content="not json") for _ in range(3)])
    environment = clean_environment(base_url=chat.base_url, model="test-model")
    report = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "service", "eval", str(data), "--report", str(report), "--concurrency", "1"],
        capture_output=True, text=True, env=environment, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "| who |" in done.stdout and "invalid_model_output 1" in done.stdout
    assert sorted(p.name for p in report.iterdir()) == ["chart.png", "report.md", "results.jsonl", "scores.json"]

    scores = json.loads((report / "scores.json").read_text())
    assert scores["articles"] == 3 and scores["schema_valid_rate"] == pytest.approx(2 / 3)
    assert scores["grounded_rate"] == pytest.approx(2 / 3)
    assert scores["failures"] == {"invalid_model_output": 1}
    who = scores["fields"]["who"]["system"]
    assert (who["tp"], who["fp"], who["fn"]) == (4, 0, 2)  # seed-1: 3 of 3; seed-2: 1 of 2; seed-3: failed, 0 of 1
    # seed-3 has no denial: the model gave none (it failed), and the baseline took its "denied" sentence for one.
    assert scores["false_alarms"] == {"articles_without_denials": 1, "system": 0, "baseline": 1}
    assert scores["attempts_per_article"] == 1.0

    results = [json.loads(line) for line in (report / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in results] == ["seed-1", "seed-2", "seed-3"]
    assert results[2]["error"]["code"] == "invalid_model_output" and results[2]["response"] is None
    markdown = (report / "report.md").read_text()
    assert "## Worst articles: denials" in markdown and "seed-2" in markdown
    assert (report / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
