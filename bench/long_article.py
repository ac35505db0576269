"""A 30,000-word article, summarized whole: chunks, time, and evidence from its far end.

Builds the article of tests/long_article.py (real articles in a row, with a
denial planted past 80 % of it) and summarizes it through the service's own
pipeline, on two backends in turn:

* openai: an instant local chat server (tests/chat_server.py) whose model reads
  only the chunk it is given, at SUMMARIZER_CONTEXT_TOKENS=8192, as a vLLM server
  with --max-model-len 8192 would be used; this times the service's own work;
* llama: the embedded SmolLM2-135M model on this machine's cores.

Targets, for each backend: the planted denial is found with its evidence past
the first 24,000 characters; every quote is the article's text at its offsets;
the what is the article's lead. Times are reported, not checked: they are the
machine's.

    python -m bench.long_article [--words 30000] [--backend openai|llama|both] [--no-check]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bench.checks import print_checks
from service.article import Article
from service.backends.llama import LlamaBackend, bundled_model_path
from service.backends.openai_compatible import OpenAIBackend
from service.pipeline.summarizer import Summarizer
from tests.support.chat_server import ChatServer
from tests.support.long_article import LATE_FROM, LATE_PARTY, chunk_reader, long_article

DEADLINE = 600.0
LEAD_WITHIN = 100


async def summarize(backend, article: str) -> tuple[dict, float]:
    summarizer = Summarizer(backend, deadline=DEADLINE)
    started = time.perf_counter()
    result = (await summarizer.summarize(Article(article))).as_body()
    return result, time.perf_counter() - started


async def on_openai(article: str) -> tuple[dict, float]:
    server = ChatServer(fallback=chunk_reader).start()
    backend = OpenAIBackend(model="bench-model", base_url=server.base_url, api_key=None, timeout=60, context_tokens=8192)
    try:
        return await summarize(backend, article)
    finally:
        await backend.aclose()
        server.stop()


async def on_llama(article: str) -> tuple[dict, float]:
    backend = LlamaBackend(bundled_model_path(), timeout=120)
    await asyncio.to_thread(backend.count_tokens, "warm-up")  # the model loads before the clock starts
    try:
        return await summarize(backend, article)
    finally:
        await backend.aclose()


def checks(name: str, article: str, result: dict, seconds: float) -> list[tuple[str, str, str, bool]]:
    meta = result["meta"]
    print(
        f"{name}: {len(article.split()):,} words, {len(article):,} characters, {meta['chunks']} chunks, "
        f"{meta['attempts']} model calls, {meta['usage']['prompt_tokens']:,} prompt tokens, {seconds:.1f} s"
    )
    late = [e["start"] for d in result["denials"] if d["who"] == LATE_PARTY for e in d["evidence"]]
    items = [*result["who"], *result["where"], *result["denials"], *([result["what"]] if result["what"] else [])]
    exact = all(article[e["start"] : e["end"]] == e["quote"] for item in items for e in item["evidence"])
    lead = result["what"]["evidence"][0]["start"] if result["what"] else -1
    return [
        (
            f"{name}: planted denial, evidence offset", str(late[0] if late else None), f"> {LATE_FROM:,}",
            bool(late) and late[0] > LATE_FROM,
        ),
        (f"{name}: quotes are article[start:end]", str(exact), "True", exact),
        (f"{name}: what is the lead, offset", str(lead), f"0..{LEAD_WITHIN}", 0 <= lead < LEAD_WITHIN),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=30_000)
    parser.add_argument("--backend", choices=("openai", "llama", "both"), default="both")
    parser.add_argument("--no-check", action="store_true", help="report only; always exit 0")
    args = parser.parse_args()
    article = long_article(args.words)
    runs = {"openai": on_openai, "llama": on_llama}
    rows = []
    for name in ("openai", "llama") if args.backend == "both" else (args.backend,):
        result, seconds = asyncio.run(runs[name](article))
        rows += checks(name, article, result, seconds)
    print()
    passed = print_checks(rows)
    return 0 if passed or args.no_check else 1


if __name__ == "__main__":
    sys.exit(main())
