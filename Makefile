# Every target bootstraps its own virtualenv from nothing (a fresh machine has python3, pip, make, git).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQS := requirements-dev.txt layers/realty/requirements.txt $(wildcard functions/*/requirements.txt)

export PYTHONPATH := layers/realty:.

.PHONY: dev test lint format typecheck openapi bench clean

$(STAMP): $(REQS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

dev: $(STAMP)  ## the local stack: API on http://127.0.0.1:3000 with demo data
	$(BIN)/python -m local

test: $(STAMP) lint  ## everything CI runs
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(STAMP)  ## regenerate docs/openapi.json from the resolvers
	$(BIN)/python -m tools.openapi --write

clean:
	rm -rf $(VENV) .local build .aws-sam
