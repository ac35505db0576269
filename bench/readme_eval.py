"""Put the scores of a `summarizer eval` run into the README, between its eval markers.

    python -m bench.readme_eval out/eval/scores.json README.md

`make eval` runs the evaluation of the embedded default and then this.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from summarizer_eval.report import summary_table

START, END = "<!-- eval:start -->", "<!-- eval:end -->"


def main(scores_file: str, readme_file: str) -> int:
    scores = json.loads(Path(scores_file).read_text(encoding="utf-8"))
    readme = Path(readme_file)
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{readme_file} has no {START} ... {END} block", file=sys.stderr)
        return 1
    block = f"{START}\n{scores['backend']} backend, {scores['model']}:\n\n{summary_table(scores)}\n{END}"
    readme.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.DOTALL), encoding="utf-8")
    print(f"{readme_file}: eval block updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
