# The two entry points of the README: `make serve` and `make test`; `make check` lints and type-checks.
# Both create ./.venv and install the package into it on first use; `make test` also
# installs Debian's Chromium (the review page's browser tests) and redis-server (the
# result cache's tests start their own server on loopback).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The review page's browser tests drive Debian's Chromium.
CHROMIUM := /usr/bin/chromedriver
REDIS := /usr/bin/redis-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# llama.cpp is compiled for a portable x86-64 level (AVX2), not for the build machine: a
# native build uses every instruction the CPU reports, and some virtual machines report
# AMX tiles that they then refuse (SIGILL on the first generated token).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: serve test check bench eval

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(CHROMIUM) $(REDIS) &:
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium chromium-driver redis-server

serve: $(INSTALLED)
	$(BIN)/summarizer serve

test: $(INSTALLED) $(CHROMIUM) $(REDIS)
	$(BIN)/python -m pytest

# ruff and mypy, as configured in pyproject.toml; CI runs it before the tests.
check: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(INSTALLED)
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.reliability
	$(BIN)/python -m bench.embedded

eval: $(INSTALLED)
	$(BIN)/summarizer eval ../shared/data/dev_articles.jsonl --concurrency 1 --report out/eval
	$(BIN)/python -m bench.readme_eval out/eval/scores.json README.md
