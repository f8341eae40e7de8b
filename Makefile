# Every target bootstraps its own virtualenv from nothing (a fresh machine has python3, pip, make, git).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov pins boto3 and packaging to releases of its own: it lives in a virtualenv of its own.
CHECKOV_STAMP := $(VENV)/checkov/.installed
REQS := requirements-dev.txt requirements.lock layers/realty/requirements.txt $(wildcard functions/*/requirements.txt)

export PYTHONPATH := layers/realty:.

.PHONY: first-admin email-index backfill rekey web publish-web dev test lint format typecheck openapi bench eval package load fuzz lock smoke scale clean

$(STAMP): $(REQS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

web: $(STAMP)  ## the web app: npm ci from web/package-lock.json, then the bundle in web/dist
	$(BIN)/python -m tools.web build

first-admin: $(STAMP)  ## make first-admin EMAIL=ops@example.com STACK=realtyforyou-prod [NAME=...] [REGION=...]: the first admin of a deployed stage
	$(BIN)/python scripts/first_admin.py --stack-name "$(STACK)" --email "$(EMAIL)" --name "$(NAME)" $(if $(REGION),--region "$(REGION)")

email-index: $(STAMP)  ## make email-index STACK=realtyforyou-prod [REGION=...]: once, the admin email search key for users saved before it existed
	$(BIN)/python scripts/email_index.py --stack-name "$(STACK)" $(if $(REGION),--region "$(REGION)")

backfill: $(STAMP)  ## make backfill STACK=realtyforyou-prod [REGION=...]: once, search items and participant copies for older items (resumable)
	$(BIN)/python scripts/backfill.py --stack-name "$(STACK)" $(if $(REGION),--region "$(REGION)")
rekey: $(STAMP)  ## make rekey STACK=realtyforyou-prod [REGION=...]: once after the sharded-keys release, old items onto the new population and audit keys (resumable)
	$(BIN)/python scripts/rekey.py --stack-name "$(STACK)" $(if $(REGION),--region "$(REGION)")

publish-web: $(STAMP)  ## make publish-web STACK=realtyforyou-dev: the app and its config.json into a deployed stack
	$(BIN)/python scripts/publish_web.py --stack-name "$(STACK)"

dev: $(STAMP) web  ## the local stack: the web app on http://127.0.0.1:3000/, the API under /api/v1, demo data
	$(BIN)/python -m local

test: $(STAMP) lint web  ## everything CI runs (the browser layer needs Chromium: installed here when missing)
	-$(BIN)/python -m tools.web chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup

$(CHECKOV_STAMP): requirements-checkov.txt $(STAMP)
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

lint: $(STAMP) $(CHECKOV_STAMP)  ## ruff (lint + format check), mypy, the import contracts (pyproject.toml), checkov over template.yaml (.checkov.yaml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(VENV)/checkov/bin/checkov --config-file .checkov.yaml

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(STAMP)  ## regenerate docs/openapi.json from the resolvers
	$(BIN)/python -m tools.openapi --write

scale: $(STAMP)  ## regenerate docs/scale.md (the scale model: limits at 1x/100x/1,000x, cost) from tools/scale_model.py
	$(BIN)/python -m tools.scale_model --write

bench: $(STAMP)  ## cold starts, AWS calls and latency per route, long-recording processing -> bench/results.json
	$(BIN)/python -m bench $(BENCH_ARGS)

eval: $(STAMP)  ## speaker labels, highlights and summary on the labelled two-voice set (eval/) -> eval/results.json (OpenAI too with OPENAI_API_KEY)
	$(BIN)/python -m tools.eval $(EVAL_ARGS)

lock: $(STAMP)  ## resolve the one lock (requirements.lock) and every requirements.txt from the requirements.in files
	$(BIN)/python -m tools.lock

package: $(STAMP)  ## build every function and the layer for python3.13/arm64 into build/, check sizes
	$(BIN)/python scripts/package.py

smoke: $(STAMP)  ## make smoke API_URL=<the stack's ApiUrl output>: the journey without media against a deployed stage
	$(BIN)/python -m tests.smoke --api-url "$(API_URL)" $(SMOKE_ARGS)

load: $(STAMP)  ## concurrent bookings and confirmations on a local stack (no double booking, no lost write); PROFILE=peak: a peak hour's mix, p50/p95 per route, hottest partitions, lists checked; BURST=500: the processing burst
ifdef BURST
	REALTY_PROCESSING_BURST=$(BURST) $(BIN)/python -m pytest -p no:xdist -q --timeout 0 tests/statemachine/test_processing_queue.py
else
	$(BIN)/python scripts/load_local.py $(if $(PROFILE),--profile $(PROFILE)) $(LOAD_ARGS)
endif

fuzz: $(STAMP)  ## Schemathesis against a fresh local stack as every role, every phase (reports in .local/fuzz)
	$(BIN)/python -m tests.fuzz.run $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) .local build .aws-sam
