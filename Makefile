# Smart Notes. `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST := $(PY) -m pytest
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run worker worker-demo worker-gpu migrate fmt lint typecheck test test-fast test-e2e test-browser test-all bench check

help: ## List the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Browser-test tools (axe-core), exactly as locked; node_modules/ is not committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed node_modules/.package-lock.json ## Create .venv, install runtime + dev requirements and the npm test tools

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

run: migrate ## Web server + Celery worker on the embedded default (Ctrl-C stops both)
	PORT=$(PORT) $(PY) -m smartnotes.devrun

worker: install ## A CPU worker on every queue (gpu included, as fallback)
	$(PY) -m celery -A smartnotes worker -Q realtime,submissions,gpu,analytics -c 2 --loglevel INFO

worker-demo: install ## The public demo's worker: its own queue, one task at a time
	$(PY) -m celery -A smartnotes worker -Q demo -c 1 --loglevel INFO

worker-gpu: install ## A GPU worker: model inference only, one task at a time
	$(PY) -m celery -A smartnotes worker -Q gpu --pool solo --loglevel INFO

fmt: install ## Format and auto-fix
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

lint: install ## Lint
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

typecheck: install ## Type-check the engine (strict)
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

bench: install ## Verification engine benchmark
	$(PY) -m bench.engine

check: lint typecheck test ## Lint, type-check and test
