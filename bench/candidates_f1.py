"""Who / where / denial scores of the rule candidates against the no-model baseline.

    python bench/candidates_f1.py [--data DIR] [--who-k 6] [--per-record]

Scores service.candidates (via rule_answer: top-k who, top-4 where, one denial
per party and kind) and service.baseline with the same scorer
(service.scoring) on /work/shared/data/dev_articles.jsonl, then checks the
recall of the primary who/where on the unseen giveme5w1h articles, and times
propose(). Exit status 1 when a dev target is missed:
who F1 >= 0.6, where F1 >= 0.6, denials F1 >= 0.65, no denial on the 10
no-denial records.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service import candidates as cand  # noqa: E402
from service.baseline import baseline  # noqa: E402
from service.scoring import Score, primary_found, score_record  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def rules(text: str, who_k: int) -> dict:
    return cand.rule_answer(cand.propose(text), who_limit=who_k)


def evaluate(records: list[dict], system) -> dict[str, object]:
    totals = {"who": Score(0, 0, 0), "where": Score(0, 0, 0), "denials": Score(0, 0, 0)}
    groups: dict[str, Score] = {}
    alarms = {"no-denial": 0, "traps": 0}
    rows = []
    for record in records:
        pred = system(record["text"])
        gold = record["gold"]
        scores = score_record(pred, record)
        who, where, denials = scores["who"], scores["where"], scores["denials"]
        for field in totals:
            totals[field] += scores[field]
        group = record["id"].split("-")[1][0]  # d / n
        groups[group] = groups.get(group, Score(0, 0, 0)) + denials
        if not gold["denials"] and pred["denials"]:
            alarms["no-denial"] += 1
            if record["meta"].get("trap"):
                alarms["traps"] += 1
        rows.append((record["id"], who, where, denials, pred))
    return {"totals": totals, "alarms": alarms, "rows": rows, "groups": groups}


def giveme_recall(system, directory: Path) -> dict[str, float]:
    hits = {"who": [0, 0], "where": [0, 0]}
    for path in sorted(directory.glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        text = article.get("text") or ""
        pred = system(text)
        for field in ("who", "where"):
            gold = [a["text"] for a in article["fiveWoneH"][field].get("annotated", []) if a.get("text")]
            if not gold:
                continue
            hits[field][1] += 1
            if primary_found(pred[field], gold):
                hits[field][0] += 1
    return {f: (h / n if n else 0.0, n) for f, (h, n) in hits.items()}


def timing(records: list[dict]) -> tuple[float, float]:
    times = []
    for record in records:
        start = time.perf_counter()
        cand.propose(record["text"])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def fmt(score: Score) -> str:
    return f"{score.precision:5.2f} {score.recall:5.2f} {score.f1:5.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--who-k", type=int, default=6)
    parser.add_argument("--per-record", action="store_true")
    args = parser.parse_args()
    records = [json.loads(line) for line in (args.data / "dev_articles.jsonl").read_text().splitlines() if line]
    systems = {"rules": lambda t: rules(t, args.who_k), "baseline": baseline}
    results = {name: evaluate(records, system) for name, system in systems.items()}

    print(f"dev set: {len(records)} articles; rules: top-{args.who_k} who, top-4 where")
    print(f"{'':10} {'rules  P     R     F1':>24}   {'baseline  P     R     F1':>27}")
    for field in ("who", "where", "denials"):
        print(f"{field:10} {fmt(results['rules']['totals'][field]):>24}   "
              f"{fmt(results['baseline']['totals'][field]):>27}")
    for group, label in (("d", "denials d*"), ("n", "denials n*")):
        print(f"{label:10} {fmt(results['rules']['groups'][group]):>24}   "
              f"{fmt(results['baseline']['groups'][group]):>27}")
    for key, n in (("no-denial", 10), ("traps", 3)):
        print(f"{'alarms ' + key:18} {results['rules']['alarms'][key]:>3}/{n:<3}"
              f"{'':20}{results['baseline']['alarms'][key]:>3}/{n}")

    give = args.data / "giveme5w1h_train"
    if give.is_dir():
        for name, system in systems.items():
            recall = giveme_recall(system, give)
            print(f"giveme5w1h {name:8} primary-who recall {recall['who'][0]:.2f} (n={recall['who'][1]}), "
                  f"primary-where recall {recall['where'][0]:.2f} (n={recall['where'][1]})")
    median, worst = timing(records)
    print(f"propose(): median {median:.1f} ms, max {worst:.1f} ms per dev article")

    if args.per_record:
        for rid, who, where, den, pred in results["rules"]["rows"]:
            print(f"\n{rid}: who {fmt(who)} where {fmt(where)} den {den}")
            print("  who:", pred["who"])
            print("  where:", pred["where"])
            print("  denials:", [(d["who"], d["kind"]) for d in pred["denials"]])

    totals = results["rules"]["totals"]
    ok = (totals["who"].f1 >= 0.6 and totals["where"].f1 >= 0.6 and totals["denials"].f1 >= 0.65
          and results["rules"]["alarms"]["no-denial"] == 0)
    print("targets:", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
