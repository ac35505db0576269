"""The `summarizer` command, run as a real process against the chat server."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from .support.articles import DATA, SEED_ARTICLE, seed_answer
from .support.chat_server import Reply
from .support.environment import clean_environment
from .support.serving import free_port, summarizer_serve


def run_cli(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = clean_environment(**env)
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        input=stdin, capture_output=True, text=True, env=environment, timeout=60,
    )


def test_summarize_file_prints_the_response(chat):
    chat.enqueue(seed_answer())
    done = run_cli("summarize", str(DATA / "seed_article.txt"), base_url=chat.base_url, model="test-model")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["denials"][0]["who"] == "Israel"
    evidence = body["denials"][0]["evidence"][0]
    assert SEED_ARTICLE[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_summarize_stdin(chat):
    chat.enqueue(seed_answer())
    done = run_cli("summarize", "-", stdin=SEED_ARTICLE, base_url=chat.base_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["meta"]["backend"] == "openai"


def test_failure_prints_the_envelope_on_stderr(chat):
    chat.enqueue(Reply(content="no"), Reply(content="no"))
    done = run_cli("summarize", "-", stdin=SEED_ARTICLE, base_url=chat.base_url, max_attempts="2")
    assert done.returncode == 1
    assert done.stdout == ""
    assert json.loads(done.stderr.strip().splitlines()[-1])["error"]["code"] == "invalid_model_output"


def test_unreadable_file_and_empty_article(chat):
    missing = run_cli("summarize", "/nonexistent/article.txt", base_url=chat.base_url)
    assert missing.returncode == 1
    assert json.loads(missing.stderr.strip().splitlines()[-1])["error"]["code"] == "invalid_body"
    empty = run_cli("summarize", "-", stdin="  \n", base_url=chat.base_url)
    assert json.loads(empty.stderr.strip().splitlines()[-1])["error"]["code"] == "invalid_request"
    assert chat.received == []


def test_malformed_setting_stops_start_up_naming_the_variable():
    done = run_cli("summarize", "-", stdin=SEED_ARTICLE, timeout="soon", backend="openai")
    assert done.returncode == 2
    assert "SUMMARIZER_TIMEOUT" in done.stderr


def test_serve_answers_http(chat):
    port = free_port()
    environment = clean_environment(base_url=chat.base_url, model="test-model")
    with summarizer_serve(environment, port):
        chat.enqueue(seed_answer())
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/summaries", content=SEED_ARTICLE, headers={"Content-Type": "text/plain"},
            timeout=30,
        )
    assert response.status_code == 200
    assert response.json()["where"][0]["name"] == "Kalsu Base"


def test_summarize_an_html_file(chat, tmp_path):
    from .test_html import PAGE

    page = tmp_path / "article.html"
    page.write_text(PAGE, encoding="utf-8")
    chat.enqueue(seed_answer())
    done = run_cli("summarize", str(page), base_url=chat.base_url)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["article_text"].startswith("Missiles hit militia base in Iraq")
    assert "SCRIPT-TEXT" not in chat.received[0]["messages"][1]["content"]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean_environment(**env), timeout=120
    )


def test_serving_loads_none_of_the_developer_tools(chat):
    # tqdm is left out of the check: spaCy, a dependency of the service, imports it itself.
    served = run_python(
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from service.cli import main\n"
        "from service.http.app import create_app\n"
        "with TestClient(create_app()) as client:\n"
        "    assert client.get('/readyz').status_code == 200\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'matplotlib', 'summarizer_eval'}))\n",
        base_url=chat.base_url, model="test-model",
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "[]"


def test_eval_without_the_eval_extra_says_how_to_install_it(tmp_path):
    # None in sys.modules makes `import matplotlib` fail as it does when the extra is not installed.
    done = run_python(
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "from service.cli import main\n"
        f"sys.exit(main(['eval', {str(tmp_path / 'dev.jsonl')!r}]))\n",
        backend="openai",
    )
    assert done.returncode == 2
    assert "pip install 'newsroom-summarizer[eval]'" in done.stderr and "matplotlib" in done.stderr
