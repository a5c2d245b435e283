# Serverless Shop: every everyday action is one target. `make run` and `make test` do their own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := 3.11
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := $(VENV)/tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
STAMP := $(VENV)/.installed
export SAM_CLI_TELEMETRY := 0
PYTEST_FLAGS ?=

.PHONY: help setup run admin audit-verify test lint typecheck validate build unit integration faults e2e security dynamodb-local bench bench-smoke fuzz fuzz-short deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt layers/shop/requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v == (3, 11) else "Python $(PYTHON_VERSION) is needed (the Lambda runtime is python$(PYTHON_VERSION)); found %d.%d" % v)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(SAM): | $(STAMP)
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)

setup: $(STAMP) $(SAM) ## Create the virtual environments (done by run and test themselves)

run: $(STAMP) ## Run the whole shop locally on the embedded emulator (Ctrl-C stops it)
	$(PY) -m shop_local run

# The password reaches python through the environment, never a command line (PASSWORD= is for
# scripts; without it the command asks). PROMOTE=1 makes an existing account admin instead, and
# then the password must be that account's own.
admin: export SHOP_ADMIN_PASSWORD := $(or $(value PASSWORD),$(SHOP_ADMIN_PASSWORD))
admin: $(STAMP) ## Create an admin in the running local shop: make admin EMAIL=.. [PASSWORD=..] [PROMOTE=1]
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=you@example.com [PASSWORD='a long password'] [PROMOTE=1]"; exit 2; }
	@$(PY) -m shop_local admin --email "$(EMAIL)" $(if $(PROMOTE),--promote)

audit-verify: $(STAMP) ## Verify the audit trail's hash chain (local shop; STACK=name or TABLE=name for AWS)
	@$(PY) -m shop_local.audit_verify $(if $(STACK),--stack "$(STACK)") $(if $(TABLE),--table "$(TABLE)")

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP) ## mypy, strict
	$(VENV)/bin/mypy layers/shop/shop infra/shop_local functions tests

validate: $(SAM) ## sam validate --lint (cfn-lint) on template.yaml
	$(SAM) validate --lint

build: $(SAM) ## sam build (layer and functions, arm64)
	$(SAM) build

unit: $(STAMP) ## Unit tests: no network
	$(PY) -m pytest tests/unit $(PYTEST_FLAGS)

integration: $(STAMP) ## Adapters against the embedded emulator, tables from template.yaml
	$(PY) -m pytest tests/integration $(PYTEST_FLAGS)

e2e: $(STAMP) ## HTTP against a local shop that the tests start and stop
	$(PY) -m pytest tests/e2e $(PYTEST_FLAGS)

faults: $(STAMP) ## Fault injection: throttling, conflicts, lost answers, bus outages, DLQ and redrive
	$(PY) -m pytest tests/faults $(PYTEST_FLAGS)

fuzz: $(STAMP) ## schemathesis: every operation x every role, 100 examples each, plus stateful link sequences
	FUZZ_EXAMPLES=100 $(PY) -m pytest tests/fuzz $(PYTEST_FLAGS)

fuzz-short: $(STAMP) ## The short schemathesis run inside `make test` (5 examples per operation and role)
	FUZZ_EXAMPLES=5 $(PY) -m pytest tests/fuzz $(PYTEST_FLAGS)

security: $(STAMP) ## OWASP API Security Top 10 suite over HTTP against a local shop the tests start and stop
	$(PY) -m pytest tests/security $(PYTEST_FLAGS)

dynamodb-local: $(STAMP) ## Tests on DynamoDB Local (the real engine), inside a private network namespace
	$(PY) -m shop_local.dynamodb_local install
	infra/run-in-netns.sh $(PY) -m pytest tests/dynamodb_local $(PYTEST_FLAGS)

bench: $(STAMP) ## Benchmarks -> BENCHMARKS.md (AWS calls, cold start, warm cost, hot product, cost per order)
	$(PY) -m shop_local.dynamodb_local install
	$(PY) tests/bench/run.py

bench-smoke: $(STAMP) ## The benchmarks with tiny counts: proves they still run (figures not kept)
	$(PY) -m shop_local.dynamodb_local install
	$(PY) tests/bench/run.py --quick

test: lint typecheck validate build unit integration faults e2e security fuzz-short dynamodb-local bench-smoke ## Every check

deploy: build ## Deploy to AWS with your credentials (sam deploy --guided the first time)
	$(SAM) deploy

clean: ## Remove build output and caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
