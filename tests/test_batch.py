"""`summarizer batch`: one line per article, failures included, resumable, through the result cache."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.backends.base import ChatRequest, Completion
from service.batch.articles import Articles
from service.batch.runner import Batch, Tally
from service.cli import main
from service.errors import BackendUnavailable
from service.pipeline.cache import SQLiteCache
from service.pipeline.summarizer import Summarizer

from .support.articles import SEED_ARTICLE, seed_answer
from .support.chat_server import Reply
from .support.fakes import FakeBackend
from .test_cli import run_cli
from .test_html import PAGE

MAX_CHARS = 200_000


class OverlapCountingBackend(FakeBackend):
    """The fake, counting how many of its calls were under way at once."""

    def __init__(self) -> None:
        super().__init__()
        self.under_way = 0
        self.most_at_once = 0

    async def complete(self, request: ChatRequest) -> Completion:
        self.under_way += 1
        self.most_at_once = max(self.most_at_once, self.under_way)
        try:
            return await super().complete(request)
        finally:
            self.under_way -= 1


def body(number: int) -> dict[str, Any]:
    # Each its own headline, so that each is its own entry in the result cache.
    return {"id": f"a{number}", "title": f"Story {number}", "text": SEED_ARTICLE}


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8")
    return path


def read_out(out: Path) -> dict[str, dict[str, Any]]:
    """OUT's lines by id, checking that every line is whole JSON and every id appears once."""
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)), f"an id appears more than once: {ids}"
    return {record["id"]: record for record in records}


@pytest.fixture
def cache(tmp_path: Path) -> SQLiteCache:
    return SQLiteCache(tmp_path / "results.sqlite3", ttl=3600)


def summarizer_of(backend: FakeBackend, cache: SQLiteCache) -> Summarizer:
    return Summarizer(backend, max_attempts=1, cache=cache)


async def run_batch(summarizer: Summarizer, source: Path, out: Path, **options: Any) -> Tally:
    return await Batch(summarizer, out, progress_to=None, **options).run(Articles(source, MAX_CHARS))


def lines_in(out: Path) -> int:
    return out.read_bytes().count(b"\n") if out.exists() else 0


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.005)


async def test_jsonl_in_one_line_out_per_article_failures_included(tmp_path, cache):
    source = write_jsonl(tmp_path / "in.jsonl", [
        body(0),
        '{"id": "broken", "text": ',
        body(1),
        "",
        {"id": "empty", "text": "   "},
        [1, 2],
        {**body(3), "id": 3},
        body(2),
    ])
    fake = FakeBackend().enqueue(seed_answer(), BackendUnavailable("the model server is unreachable"), seed_answer())
    out = tmp_path / "out.jsonl"
    tally = await run_batch(summarizer_of(fake, cache), source, out, concurrency=1)

    records = read_out(out)
    assert set(records) == {"a0", "line 2", "a1", "empty", "line 6", "line 7", "a2"}
    done = records["a0"]
    assert done["status"] == "done"
    assert done["summary"]["id"] == "a0"
    evidence = done["summary"]["denials"][0]["evidence"][0]
    assert SEED_ARTICLE[evidence["start"] : evidence["end"]] == evidence["quote"]
    assert records["a2"]["status"] == "done"
    assert records["a1"] == {"id": "a1", "status": "failed", "error": {
        "code": "backend_unavailable", "message": "the model server is unreachable", "details": None,
    }}
    assert records["line 2"]["error"]["code"] == "invalid_body"
    assert "line 2 is not valid JSON" in records["line 2"]["error"]["message"]
    assert records["line 6"]["error"]["code"] == "invalid_body"
    assert records["empty"]["error"]["code"] == "invalid_request"
    assert records["line 7"]["error"]["details"][0]["path"] == "/id"
    assert (tally.done, tally.failed, tally.skipped) == (2, 5, 0)
    assert len(fake.requests) == 3


async def test_an_unexpected_error_is_logged_and_recorded_in_our_words(tmp_path, cache, caplog):
    source = write_jsonl(tmp_path / "in.jsonl", [body(0), body(1)])
    out = tmp_path / "out.jsonl"
    fake = FakeBackend().enqueue(RuntimeError("SECRET-DETAIL"), seed_answer())
    tally = await run_batch(summarizer_of(fake, cache), source, out, concurrency=1)

    records = read_out(out)
    assert records["a0"]["error"]["code"] == "internal_error"
    assert "SECRET-DETAIL" not in out.read_text(encoding="utf-8")
    assert records["a1"]["status"] == "done"
    assert (tally.done, tally.failed) == (1, 1)
    logged = [record for record in caplog.records if "'a0'" in record.getMessage()]
    assert logged and logged[0].exc_info is not None


async def test_a_folder_of_text_and_html_files(tmp_path, cache):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "seed.txt").write_text(SEED_ARTICLE, encoding="utf-8")
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    fake = FakeBackend().enqueue(seed_answer(), seed_answer())
    out = tmp_path / "out.jsonl"
    await run_batch(summarizer_of(fake, cache), folder, out)

    records = read_out(out)
    assert set(records) == {"seed", "page", "latin1"}
    assert records["seed"]["summary"]["id"] == "seed"
    page = records["page"]["summary"]
    assert page["article_text"].startswith("Missiles hit militia base in Iraq")
    assert "SCRIPT-TEXT" not in page["article_text"]
    assert all("SCRIPT-TEXT" not in request.messages[-1]["content"] for request in fake.requests)
    assert records["latin1"]["error"]["code"] == "invalid_body"
    assert len(fake.requests) == 2


@pytest.mark.parametrize("abandon", [False, True], ids=["in-flight-finished", "in-flight-abandoned"])
async def test_stopped_part_way_then_resumed(tmp_path, cache, abandon):
    source = write_jsonl(tmp_path / "in.jsonl", [body(n) for n in range(12)])
    out = tmp_path / "out.jsonl"
    first = FakeBackend().enqueue(*[seed_answer()] * 12)
    first.delay = 0.05
    batch = Batch(summarizer_of(first, cache), out, concurrency=3, progress_to=None)
    running = asyncio.create_task(batch.run(Articles(source, MAX_CHARS)))
    # Stopped with some lines written and some model calls under way.
    await until(lambda: lines_in(out) >= 4 and len(first.requests) > lines_in(out))
    batch.stop()
    if abandon:
        batch.stop()
    tally = await running

    assert tally.stopped_by == signal.SIGINT
    made_before = read_out(out)
    assert 4 <= len(made_before) < 12
    assert (first.cancelled > 0) is abandon
    assert len(made_before) == len(first.requests) - first.cancelled  # every call not abandoned has its line
    second = FakeBackend().enqueue(*[seed_answer()] * 12)
    await run_batch(summarizer_of(second, cache), source, out, concurrency=3)

    records = read_out(out)
    assert set(records) == {f"a{n}" for n in range(12)}
    assert all(record["status"] == "done" for record in records.values())
    assert len(second.requests) == 12 - len(made_before)


async def test_a_line_cut_short_by_a_kill_is_made_again(tmp_path, cache):
    source = write_jsonl(tmp_path / "in.jsonl", [body(n) for n in range(3)])
    out = tmp_path / "out.jsonl"
    await run_batch(summarizer_of(FakeBackend().enqueue(*[seed_answer()] * 3), cache), source, out, concurrency=1)
    whole = out.read_bytes()
    out.write_bytes(whole[: whole.rindex(b"\n", 0, -1) + 40])  # the last line, cut 40 bytes in

    again = FakeBackend()
    tally = await run_batch(summarizer_of(again, cache), source, out)

    records = read_out(out)
    assert set(records) == {"a0", "a1", "a2"}
    assert (tally.done, tally.skipped) == (1, 2)
    assert records["a2"]["summary"]["meta"]["cached"] is True
    assert again.requests == []


async def test_a_finished_batch_run_again_makes_no_model_call(tmp_path, cache):
    source = write_jsonl(tmp_path / "in.jsonl", [body(n) for n in range(3)])
    out = tmp_path / "out.jsonl"
    await run_batch(summarizer_of(FakeBackend().enqueue(*[seed_answer()] * 3), cache), source, out)
    finished = out.read_bytes()

    again = FakeBackend()
    tally = await run_batch(summarizer_of(again, cache), source, out)
    assert (tally.done, tally.failed, tally.skipped) == (0, 0, 3)
    assert out.read_bytes() == finished

    elsewhere = tmp_path / "elsewhere.jsonl"
    await run_batch(summarizer_of(again, cache), source, elsewhere)
    assert all(record["summary"]["meta"]["cached"] for record in read_out(elsewhere).values())
    assert again.requests == []


async def test_the_same_article_twice_is_asked_once_and_a_repeated_id_is_made_once(tmp_path, cache):
    twin = {**body(0), "id": "twin"}
    source = write_jsonl(tmp_path / "in.jsonl", [body(0), twin, {**body(1), "id": "a0"}])
    fake = FakeBackend().enqueue(seed_answer())
    fake.delay = 0.05
    tally = await run_batch(summarizer_of(fake, cache), source, tmp_path / "out.jsonl", concurrency=2)

    records = read_out(tmp_path / "out.jsonl")
    assert set(records) == {"a0", "twin"}
    assert records["a0"]["summary"]["id"] == "a0"
    assert records["twin"]["summary"]["meta"]["cached"] is True
    assert (tally.done, tally.skipped) == (2, 1)
    assert len(fake.requests) == 1


async def test_retry_failed_makes_the_failed_articles_again(tmp_path, cache):
    source = write_jsonl(tmp_path / "in.jsonl", [body(0), body(1)])
    out = tmp_path / "out.jsonl"
    failing = FakeBackend().enqueue(seed_answer(), BackendUnavailable("the model server is unreachable"))
    await run_batch(summarizer_of(failing, cache), source, out, concurrency=1)
    assert read_out(out)["a1"]["status"] == "failed"
    elsewhere = {"id": "elsewhere", "status": "failed", "error": {"code": "backend_error", "message": "", "details": None}}
    write_jsonl(out, [out.read_text(encoding="utf-8").strip(), elsewhere])  # from another INPUT

    later = FakeBackend().enqueue(seed_answer())
    plain = await run_batch(summarizer_of(later, cache), source, out)
    assert later.requests == []  # a plain re-run keeps the failure
    assert (plain.skipped, plain.failed_before) == (2, 1)
    tally = await run_batch(summarizer_of(later, cache), source, out, retry_failed=True)

    records = read_out(out)
    assert [records[id]["status"] for id in ("a0", "a1", "elsewhere")] == ["done", "done", "failed"]
    assert (tally.done, tally.skipped) == (1, 1)
    assert len(later.requests) == 1


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_concurrency_is_how_many_articles_are_in_flight(tmp_path, cache, concurrency):
    source = write_jsonl(tmp_path / "in.jsonl", [body(n) for n in range(8)])
    backend = OverlapCountingBackend().enqueue(*[seed_answer()] * 8)
    backend.delay = 0.05
    await run_batch(summarizer_of(backend, cache), source, tmp_path / "out.jsonl", concurrency=concurrency)
    assert backend.most_at_once == concurrency
    assert len(read_out(tmp_path / "out.jsonl")) == 8


async def test_the_progress_bar_counts_skipped_articles_and_shows_a_rate(tmp_path, cache):
    source = write_jsonl(tmp_path / "in.jsonl", [body(n) for n in range(5)])
    out = write_jsonl(tmp_path / "out.jsonl", [{"id": f"a{n}", "status": "done", "summary": {}} for n in range(3)])
    shown = io.StringIO()
    fake = FakeBackend().enqueue(seed_answer(), seed_answer())
    await Batch(summarizer_of(fake, cache), out, progress_to=shown).run(Articles(source, MAX_CHARS))

    last = shown.getvalue().split("\r")[-1]
    assert "5/5" in last
    assert "article/s" in last
    assert "done=2" in last and "skipped=3" in last and "failed=0" in last


def test_batch_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["batch", "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    for option in ("--out", "--concurrency", "--retry-failed", "folder of .txt and .html"):
        assert option in shown


def test_the_command_runs_a_batch_against_a_model_server(tmp_path, chat, settings_env, capsys):
    settings_env.setenv("SUMMARIZER_BASE_URL", chat.base_url)
    settings_env.setenv("SUMMARIZER_MODEL", "test-model")
    source = write_jsonl(tmp_path / "in.jsonl", [body(0), body(1)])
    out = tmp_path / "out.jsonl"
    chat.enqueue(seed_answer(), seed_answer())
    assert main(["batch", str(source), "--out", str(out), "--concurrency", "2"]) == 0
    assert {record["status"] for record in read_out(out).values()} == {"done"}
    assert "2 done, 0 failed, 0 skipped" in capsys.readouterr().err

    write_jsonl(source, [body(0), body(1), {"id": "empty", "text": ""}])
    assert main(["batch", str(source), "--out", str(out)]) == 1
    assert "1 article(s) failed" in capsys.readouterr().err
    assert main(["batch", str(source), "--out", str(out)]) == 1
    told = capsys.readouterr().err
    assert "1 article(s) failed, 1 of them in an earlier run" in told
    assert "--retry-failed" in told
    assert len(chat.received) == 2


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["/nonexistent/archive", "--out", "{tmp}/out.jsonl"], "neither a JSONL file nor a folder"),
        (["{tmp}/in.jsonl", "--out", "{tmp}/out.jsonl", "--concurrency", "0"], "--concurrency must be 1 or more"),
        (["{tmp}/in.jsonl", "--out", "{tmp}"], "is a folder"),
        (["{tmp}/in.jsonl", "--out", "{tmp}/in.jsonl"], "is INPUT itself"),
        (["{tmp}/in.jsonl", "--out", "{tmp}/missing/out.jsonl"], "does not exist"),
        (["{tmp}/empty", "--out", "{tmp}/out.jsonl"], "no .txt or .html files"),
    ],
    ids=["no-input", "no-concurrency", "out-is-a-folder", "out-is-input", "no-out-folder", "no-articles"],
)
def test_unusable_arguments_exit_2_saying_why(tmp_path, chat, settings_env, capsys, arguments, said):
    settings_env.setenv("SUMMARIZER_BASE_URL", chat.base_url)
    write_jsonl(tmp_path / "in.jsonl", [body(0)])
    (tmp_path / "empty").mkdir()
    assert main(["batch", *(argument.format(tmp=tmp_path) for argument in arguments)]) == 2
    assert said in capsys.readouterr().err
    assert chat.received == []


def test_ctrl_c_stops_the_command_cleanly_and_a_re_run_resumes(tmp_path, chat):
    source = write_jsonl(tmp_path / "in.jsonl", [body(n) for n in range(10)])
    out = tmp_path / "out.jsonl"
    chat.enqueue(*[Reply.json(seed_answer(), delay=0.3) for _ in range(10)])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    environment.update(SUMMARIZER_BASE_URL=chat.base_url, SUMMARIZER_MODEL="test-model")
    command = subprocess.Popen(
        [sys.executable, "-m", "service", "batch", str(source), "--out", str(out), "--concurrency", "2"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not out.exists() or out.read_bytes().count(b"\n") < 2:
            assert time.monotonic() < deadline and command.poll() is None
            time.sleep(0.02)
        command.send_signal(signal.SIGINT)
        _, stderr = command.communicate(timeout=30)
    finally:
        command.kill()
    assert command.returncode == 128 + signal.SIGINT, stderr
    assert f"--out {out}" in stderr
    made_before = read_out(out)
    asked_before = len(chat.received)
    assert len(made_before) < 10

    resumed = run_cli("batch", str(source), "--out", str(out), base_url=chat.base_url, model="test-model")
    assert resumed.returncode == 0, resumed.stderr
    records = read_out(out)
    assert set(records) == {f"a{n}" for n in range(10)}
    assert len(chat.received) - asked_before == 10 - len(made_before)
