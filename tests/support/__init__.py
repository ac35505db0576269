"""What the tests and the benchmarks share: the seed article, a fake backend, a scriptable chat
server, real model servers, the contract's checks, serving an app in a thread or a child process,
a clean SUMMARIZER_* environment and the faulty-model scenario.

Benchmarks run as modules from the repository's root (`python -m bench.throughput`), so that
`service`, `summarizer_eval` and `tests.support` import as they do for pytest.
"""
