# The two entry points of the README: `make serve` and `make test`.
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

.PHONY: serve test bench eval

# llama.cpp is compiled for this machine's CPU (-march=native), but without AMX: a virtual
# machine (Firecracker, for one) may report AMX without enabling its tile registers, and
# the first AMX instruction then kills the process with SIGILL.
ifeq ($(shell uname -m),x86_64)
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
$(INSTALLED): export CFLAGS += $(NO_AMX)
$(INSTALLED): export CXXFLAGS += $(NO_AMX)
endif

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

bench: $(INSTALLED)
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/reliability.py
	$(BIN)/python bench/embedded.py

eval: $(INSTALLED)
	$(BIN)/summarizer eval ../shared/data/dev_articles.jsonl --concurrency 1 --report out/eval
	$(BIN)/python bench/readme_eval.py out/eval/scores.json README.md
