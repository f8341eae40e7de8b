# Every target bootstraps its own virtualenv from nothing (a fresh machine has python3, pip, make, git).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQS := requirements-dev.txt layers/realty/requirements.txt $(wildcard functions/*/requirements.txt)

export PYTHONPATH := layers/realty:.

.PHONY: dev test lint format typecheck openapi bench package load fuzz clean

$(STAMP): $(REQS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

dev: $(STAMP)  ## the local stack: API on http://127.0.0.1:3000 with demo data
	$(BIN)/python -m local

test: $(STAMP) lint  ## everything CI runs
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)  ## ruff (lint + format check), mypy and the import contracts (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(STAMP)  ## regenerate docs/openapi.json from the resolvers
	$(BIN)/python -m tools.openapi --write

bench: $(STAMP)  ## cold starts, AWS calls and latency per route, long-recording processing -> bench/results.json
	$(BIN)/python -m bench $(BENCH_ARGS)

package: $(STAMP)  ## build every function and the layer for python3.13/arm64 into build/, check sizes
	$(BIN)/python scripts/package.py

load: $(STAMP)  ## concurrent bookings and confirmations on a local stack; checks no double booking, no lost write
	$(BIN)/python scripts/load_local.py

fuzz: $(STAMP)  ## Schemathesis against a fresh local stack as every role, every phase (reports in .local/fuzz)
	$(BIN)/python -m tests.fuzz.run $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) .local build .aws-sam
