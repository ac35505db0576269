"""The HTTP layer: everything between a request on the wire and the pipeline.

It owns the application factory (`app`), the routes and their dependencies
(`routes`, `dependencies`: API keys, rate limits, requests in flight, a client
that leaves), turning a body into an Article (`intake`, `extract` for HTML), the
API's request and error bodies (`models`), per-client rate limits (`limits`),
metrics and the request log (`observability`), the uvicorn configuration
(`serving`) and the review page (`review` and `static/`).

It may import every other layer; nothing else imports it, except the `summarizer`
command (service.cli), which serves it.
"""
