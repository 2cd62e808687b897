# One vocabulary for the project. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_SAM := .venv-sam
VENV_CLIENTS := .venv-clients
PY := $(VENV)/bin/python
SAM := $(VENV_SAM)/bin/sam

HOST ?= 127.0.0.1
PORT ?= 3000
BILLING_DB_PATH ?= .data/billing.db
export HOST PORT BILLING_DB_PATH
export SAM_CLI_TELEMETRY := 0

# `sam build` for Runtime python3.12 needs a python3.12 on PATH; the machine's default python3 is 3.11,
# and pyenv keeps a 3.12 beside it.
PYTHON312_BIN := $(shell d=$$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin 2>/dev/null | tail -n 1); \
	if [ -n "$$d" ]; then echo "$$d"; elif command -v python3.12 >/dev/null 2>&1; then dirname "$$(command -v python3.12)"; fi)

.PHONY: help run schedule test test-fast lint bench bench-quick events openapi sam-validate sam-build deploy-dashboard clean setup

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: $(VENV)/.installed frontend/dist/index.html ## Install the virtualenv and npm packages, build the dashboard

$(VENV)/.installed: requirements-dev.txt shared/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV_SAM)/.installed: requirements-sam.txt
	$(PYTHON) -m venv $(VENV_SAM)
	$(VENV_SAM)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

# The OpenMeter, Lago and Stripe Python clients for the drop-in end-to-end tests, apart from ours (their pins clash).
$(VENV_CLIENTS)/.installed: requirements-clients.txt
	$(PYTHON) -m venv $(VENV_CLIENTS)
	$(VENV_CLIENTS)/bin/pip install --quiet -r requirements-clients.txt
	touch $@

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/tsconfig.json
	cd frontend && npm run --silent build

run: setup ## Serve the API (template.yaml's routes) and the dashboard on http://$(HOST):$(PORT), SQLite at $(BILLING_DB_PATH)
	$(PY) -m local_gateway --template template.yaml --static frontend/dist

test: setup $(VENV_SAM)/.installed $(VENV_CLIENTS)/.installed /usr/bin/chromium ## Run every test: unit, handlers, storage, end-to-end over HTTP, SAM validate/build
	@if [ -z "$(PYTHON312_BIN)" ]; then echo "sam build needs python3.12 (pyenv 3.12.x or python3.12 on PATH)"; exit 1; fi
	PATH="$(PYTHON312_BIN):$$PATH" SAM_CLI="$(abspath $(SAM))" $(PY) -m pytest -n 2 --dist loadfile

# The browser tests (tests/browser) drive Debian's Chromium through the pip playwright package; no browser download.
/usr/bin/chromium: export DEBIAN_FRONTEND := noninteractive
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium

test-fast: $(VENV)/.installed ## Unit, scenario (both adapters) and handler tests, in under a minute
	$(PY) -m pytest -n 2 --dist loadfile -q tests/unit tests/scenarios tests/handlers

lint: $(VENV)/.installed ## ruff, mypy, the import layering and the TypeScript type check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=shared:. $(VENV)/bin/lint-imports --no-cache
	cd frontend && npm run --silent typecheck

bench: setup ## Benchmarks; results go to docs/benchmarks.md
	$(PY) -m bench

bench-quick: setup ## Benchmarks in about a minute
	$(PY) -m bench --quick

schedule: $(VENV)/.installed ## Fire a schedule locally: make schedule ACTION=bill|finalize NOW=2025-10-01T14:00:00Z
	$(PY) -m local_gateway.schedule --template template.yaml --action $(or $(ACTION),bill) $(if $(NOW),--now $(NOW))

events: $(VENV)/.installed ## Regenerate events/ (one sample payload per function)
	$(PY) -m tools.events --template template.yaml --out events

openapi: $(VENV)/.installed frontend/node_modules/.package-lock.json ## Regenerate functions/openapi/openapi.json (the document GET /v1/openapi.json serves) from the routes, and the dashboard's wire types from it
	PYTHONPATH=shared $(PY) -m tools.openapi functions functions/openapi/openapi.json
	cd frontend && npm run --silent generate

sam-validate: $(VENV_SAM)/.installed ## sam validate --lint
	$(SAM) validate --lint --template template.yaml

sam-build: $(VENV_SAM)/.installed ## sam build (python3.12, arm64 layer)
	PATH="$(PYTHON312_BIN):$$PATH" $(SAM) build --template template.yaml

deploy-dashboard: setup ## Upload the dashboard to the stack's bucket (after sam deploy)
	bucket=$$(aws cloudformation describe-stacks --stack-name $${STACK:-usage-billing} \
		--query "Stacks[0].Outputs[?OutputKey=='DashboardBucketName'].OutputValue" --output text) && \
	aws s3 sync frontend/dist "s3://$$bucket" --delete

clean: ## Remove build output (keeps .data)
	rm -rf .aws-sam frontend/dist .pytest_cache .ruff_cache .mypy_cache
