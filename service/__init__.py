"""News-article summarizer: who, what, where and denials, every item grounded in the article.

One subpackage per layer, each importing only the layers below it:

    http/       the HTTP service: app, routes, intake, metrics, the review page
    batch/      many articles from a file or folder into a JSONL file, resumable
    jobs/       asynchronous summaries: durable jobs, idempotency records, signed webhooks
    pipeline/   one article in, one grounded summary out: cache, chunks, questions, re-asks
    checks/     the answer's JSON, schema and grounding in the article
    backends/   one request to a model, one answer back
    nlp/        the proposer of names, places and denials

and, below them all, the modules every layer uses: `errors`, `config`, `article`,
`summary` (the grounded summary's models) and `text` (matching form, sentences, Span).
`cli` is the `summarizer` command. The developer tools live beside this package, in
summarizer_eval, which this package never imports but for `summarizer eval`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsroom-summarizer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
