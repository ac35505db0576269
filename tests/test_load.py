"""A bounded run of bench/load.py: concurrent requests, each answered from its own article only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_concurrent_requests_never_mix_up_answers():
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--requests", "400", "--concurrency", "50", "--max-seconds", "120"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("responses with another id", "quotes not article_n[start:end]", "responses naming another token"):
        assert any(line.startswith(check) and line.endswith("PASS") for line in done.stdout.splitlines()), check
