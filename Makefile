# Smart Notes. `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST := $(PY) -m pytest
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run worker worker-realtime worker-demo worker-gpu migrate fmt lint typecheck test test-fast test-e2e test-browser test-all bench check

help: ## List the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Browser-test tools (axe-core), exactly as locked; node_modules/ is not committed.
# Only the test targets need them, so `make run` works without Node.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed node_modules/.package-lock.json ## Create .venv, install runtime + dev requirements and the npm test tools

migrate: $(VENV)/.installed ## Apply database migrations
	$(PY) manage.py migrate --noinput

run: migrate ## Web server + Celery workers (batch and realtime) on the embedded default (Ctrl-C stops all)
	PORT=$(PORT) $(PY) -m smartnotes.devrun

worker: install ## A CPU worker: submissions, inference (gpu queue, as fallback), analytics; lower CPU priority
	nice -n 10 $(PY) -m celery -A smartnotes worker -Q submissions,gpu,analytics -c 2 --hostname cpu@%h --loglevel INFO

worker-realtime: install ## The realtime worker: single-claim and draft checks only (keep one running)
	SMARTNOTES_NLI_CPU_THREADS=1 $(PY) -m celery -A smartnotes worker -Q realtime --pool threads -c 4 --hostname realtime@%h --loglevel INFO

worker-demo: install ## The public demo's worker: its own queue, one task at a time
	$(PY) -m celery -A smartnotes worker -Q demo -c 1 --loglevel INFO

worker-gpu: install ## A GPU worker: model inference only, one task at a time
	$(PY) -m celery -A smartnotes worker -Q gpu --pool solo --loglevel INFO

fmt: $(VENV)/.installed ## Format and auto-fix
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

lint: $(VENV)/.installed ## Lint
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

typecheck: $(VENV)/.installed ## Type-check the engine (strict)
	$(PY) -m mypy verification/engine

test: install ## The whole suite that runs on a CPU machine (e2e and browser included)
	$(PY) scripts/pytest_run.py -m "not gpu"

test-fast: install ## Inner loop: skip e2e and browser tests
	$(PY) scripts/pytest_run.py -m "not gpu and not e2e and not browser"

test-e2e: install ## End-to-end tests (real worker; Postgres/Redis when configured)
	$(PY) scripts/pytest_run.py -m e2e

test-browser: install ## Browser tests in headless Chromium
	$(PY) scripts/pytest_run.py -m browser

test-all: install ## Everything, GPU tests included (skipped without a GPU)
	$(PY) scripts/pytest_run.py

bench: $(VENV)/.installed ## Verification engine benchmark
	$(PY) -m bench.engine

check: lint typecheck test ## Lint, type-check and test
