"""The pipeline: one article in, one grounded summary out.

It owns the request's path between the HTTP layer and the model: the result
cache and the single flight of a summary that is being made (`cache`,
`single_flight`), long articles in chunks (`chunks`), what the model is asked
(`questions`, with the prompts and the answer schema of `resources`), the
re-ask loop (`reask`) and the summarizer that ties them together
(`summarizer`).

It may import the checks, the backends, the proposer (service.nlp) and the
modules at the top of the package; never the HTTP layer.
"""
