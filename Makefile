# stridecheck: developer tasks. GNU make; needs only python3 with venv and pip.
#
#   make demo         run the demo on the built-in sample data (creates .venv)
#   make test         lint, type-check and run the test suite (creates .venv)
#   make lint         ruff + mypy only
#   make sample-data  regenerate sample_data/ with scripts/make_sample_data.py
#   make bench        run every benchmark in benchmarks/
#   make clean        remove outputs and caches (keeps .venv; `make distclean` removes it too)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --quiet --disable-pip-version-check
# Installs are redone only when pyproject.toml changes.
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
LINT_PATHS := $(wildcard src tests benchmarks scripts)
PYTEST_ARGS ?= -n 2

.DEFAULT_GOAL := help
.PHONY: help demo test lint sample-data bench clean distclean

help:
	@sed -n '3,9s/^# \{0,1\}//p' Makefile

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(PY)
	$(PIP) install -e '.[dev]'
	@touch $@ $(STAMP_RUN)

sample_data/manifest.csv: | $(STAMP_RUN)
	$(PY) scripts/make_sample_data.py

demo: $(STAMP_RUN) | sample_data/manifest.csv
	$(BIN)/stridecheck demo

lint: $(STAMP_DEV)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

sample-data: $(STAMP_RUN)
	$(PY) scripts/make_sample_data.py

bench: $(STAMP_DEV)
	@set -e; found=0; for script in benchmarks/*.py; do \
		case "$$(basename "$$script")" in _*) continue;; esac; \
		[ -f "$$script" ] || continue; found=1; \
		echo "== $$script"; $(PY) "$$script"; \
	done; [ $$found = 1 ] || echo "no benchmarks in benchmarks/"

clean:
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis src/*.egg-info
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
