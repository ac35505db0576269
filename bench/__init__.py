"""Benchmarks, each a module run from the repository's root: `.venv/bin/python -m bench.throughput`.

They share the tests' harness (tests/support) and print each target beside its figure (checks.py).
"""
