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

.PHONY: help setup run admin audit-verify rotate-signing-key api-docs test lint typecheck validate build unit integration faults e2e security iam-report dynamodb-local bench bench-smoke load fuzz fuzz-short deploy clean

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

run: $(STAMP) console ## Run the whole shop locally on the embedded emulator (Ctrl-C stops it)
	$(PY) -m shop_local run

# The password reaches python through the environment, never a command line (PASSWORD= is for
# scripts; without it the command asks). PROMOTE=1 makes an existing account admin instead, and
# then the password must be that account's own.
admin: export SHOP_ADMIN_PASSWORD := $(or $(value PASSWORD),$(SHOP_ADMIN_PASSWORD))
# STACK=name works on a deployed stack instead, with only your AWS credentials: its tables, key and
# secrets are read from CloudFormation, in samconfig.toml's region unless REGION= says another.
admin: $(STAMP) ## Create an admin: make admin EMAIL=.. [PASSWORD=..] [PROMOTE=1] [STACK=deployed stack, else the local shop]
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=you@example.com [PASSWORD='a long password'] [PROMOTE=1] [STACK=deployed-stack [REGION=..]]"; exit 2; }
	@$(if $(STACK),$(in_stack_region))$(PY) -m shop_tools admin --email "$(EMAIL)" $(if $(PROMOTE),--promote) $(if $(STACK),--stack "$(STACK)")

rotate-signing-key: $(STAMP) ## Rotate the token signing key of the running local shop (on AWS: raise SigningKeyGeneration)
	@$(PY) -m shop_tools.rotate_signing_key

audit-verify: $(STAMP) ## Verify every audit chain and signed checkpoint (local shop; STACK=name or TABLE=name for AWS)
	@$(if $(STACK)$(TABLE),$(in_stack_region))$(PY) -m shop_tools.audit_verify $(if $(STACK),--stack "$(STACK)") $(if $(TABLE),--table "$(TABLE)")

api-docs: $(STAMP) ## Regenerate the operations part of docs/API.md from the handlers (make test checks it)
	$(PY) -m shop_tools.api_reference

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP) ## mypy, strict
	$(VENV)/bin/mypy layers/shop/shop infra/shop_local infra/shop_tools functions tests

validate: $(SAM) ## sam validate --lint (cfn-lint) on template.yaml
	$(SAM) validate --lint

LAYER_BUILD = .aws-sam/build/ShopCoreLayer/python

build: $(SAM) ## sam build (layer and functions, arm64); the layer ships every module's bytecode
	$(SAM) build
	@sources=$$(find $(LAYER_BUILD) -name '*.py' | wc -l); compiled=$$(find $(LAYER_BUILD) -name '*.pyc' | wc -l); \
	[ "$$sources" -gt 0 ] && [ "$$sources" -eq "$$compiled" ] || \
	{ echo "the built layer has $$sources modules but $$compiled .pyc files (layers/shop/Makefile)"; exit 1; }

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

# The integration and e2e suites always check IAM (unless SHOP_IAM_CHECK=off); this target keeps
# the records in .local/iam and rewrites SECURITY.md's last section from them, pass or fail.
iam-report: $(STAMP) ## Integration + e2e with every AWS call checked against template.yaml's policies; unused grants -> SECURITY.md
	rm -rf .local/iam
	SHOP_IAM_CHECK=record:.local/iam $(PY) -m pytest tests/integration tests/e2e $(PYTEST_FLAGS); status=$$?; \
	$(PY) -m shop_local.iam.report .local/iam --security-md SECURITY.md && exit $$status

dynamodb-local: $(STAMP) ## Tests on DynamoDB Local (the real engine), inside a private network namespace
	$(PY) -m shop_local.engines.dynamodb_local install
	infra/run-in-netns.sh $(PY) -m pytest tests/dynamodb_local $(PYTEST_FLAGS)

bench: $(STAMP) ## Benchmarks -> BENCHMARKS.md (AWS calls, cold start, warm cost, hot product, cost per order)
	$(PY) -m shop_local.engines.dynamodb_local install
	$(PY) tests/bench/run.py

bench-smoke: $(STAMP) ## The benchmarks with tiny counts: proves they still run (figures not kept)
	$(PY) -m shop_local.engines.dynamodb_local install
	$(PY) tests/bench/run.py --quick

# Without URL= it starts a local shop on free ports and makes its admin; with URL= it loads a deployed
# stack, signing the admin in with $SHOP_LOAD_ADMIN_EMAIL and $SHOP_LOAD_ADMIN_PASSWORD. Exit 1 if
# a unit was oversold. LOAD_FLAGS: more options (--hot-stock N, --summary file.json, --benchmarks BENCHMARKS.md).
load: $(STAMP) ## Locust load test, headless: make load [SCENARIO=all|browse|flash|admin] [USERS=10] [DURATION=60s] [URL=https://..]
	$(PY) -m tests.load.run $(if $(URL),--url "$(URL)") $(if $(USERS),--users "$(USERS)") $(if $(DURATION),--duration "$(DURATION)") $(if $(SCENARIO),--scenario "$(SCENARIO)") $(LOAD_FLAGS)

test: lint typecheck validate build unit integration faults e2e security console-test browser fuzz-short dynamodb-local bench-smoke ## Every check

# ---- admin console (admin-console/: react-admin, built with the machine's Node.js and npm)
CONSOLE := admin-console
CONSOLE_MODULES := $(CONSOLE)/node_modules/.package-lock.json
CONSOLE_DIST := $(CONSOLE)/dist/index.html
CONSOLE_SOURCES := $(shell find $(CONSOLE)/src -type f 2>/dev/null) $(addprefix $(CONSOLE)/,index.html vite.config.ts tsconfig.json package.json)
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: console console-test browser console-bench console-screenshots

$(CONSOLE_MODULES): $(CONSOLE)/package.json $(CONSOLE)/package-lock.json
	@command -v npm >/dev/null || { echo "the console needs Node.js 20 and npm"; exit 1; }
	cd $(CONSOLE) && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_DIST): $(CONSOLE_MODULES) $(CONSOLE_SOURCES)
	cd $(CONSOLE) && npm run build

$(CHROMIUM):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium

console: $(CONSOLE_DIST) ## Build the admin console into admin-console/dist (served at /console/ by make run)

console-test: $(CONSOLE_MODULES) ## The console's unit tests (Vitest)
	cd $(CONSOLE) && npm test

browser: $(STAMP) $(CONSOLE_DIST) $(CHROMIUM) ## The console in Chromium (Playwright) against a local shop the tests start and stop
	$(PY) -m pytest tests/browser $(PYTEST_FLAGS)

console-screenshots: $(STAMP) $(CONSOLE_DIST) $(CHROMIUM) ## The browser tests, saving a screenshot of each screen in docs/console/
	CONSOLE_SCREENSHOTS=docs/console $(PY) -m pytest tests/browser $(PYTEST_FLAGS)

console-bench: $(STAMP) $(CONSOLE_DIST) $(CHROMIUM) ## Console budgets: initial JavaScript (gzipped) and dashboard render time
	$(PY) tests/browser/bench_console.py

# ---- deploying (docs/deploy.md): to AWS with your credentials, or to a running LocalStack
# CONFIG_ENV picks the samconfig.toml env. A deployed stack's name and region are samconfig.toml's
# (where `make deploy` saved them) unless STACK= and REGION= say otherwise.
CONFIG_ENV ?= default
LOCALSTACK_ENDPOINT ?= http://localhost.localstack.cloud:4566
samconfig = $(shell $(PY) -m shop_tools.samconfig $(1) --config-env "$(CONFIG_ENV)")
stack_region = $(or $(REGION),$(call samconfig,region))
in_stack_region = $(foreach r,$(stack_region),AWS_REGION=$(r) AWS_DEFAULT_REGION=$(r) )

.PHONY: deploy logs localstack-deploy

deploy: build console ## Deploy to AWS (sam deploy, guided the first time), then upload the console: [CONFIG_ENV=..] [REGION=..] [GUIDED=1]
	$(PY) -m shop_tools.deploy --sam $(SAM) --config-env "$(CONFIG_ENV)" $(if $(GUIDED),--guided) $(if $(REGION),--region "$(REGION)") -- $(DEPLOY_FLAGS)

logs: $(STAMP) $(SAM) ## Tail a deployed stack's logs (sam logs --tail): make logs [STACK=name] [FUNCTION=LogicalId] [REGION=..]
	$(SAM) logs --tail --config-env "$(CONFIG_ENV)" --stack-name "$(or $(STACK),$(call samconfig,stack_name))" $(foreach r,$(stack_region),--region "$(r)") $(if $(FUNCTION),--name "$(FUNCTION)") $(LOGS_FLAGS)

localstack-deploy: build ## Deploy the stack to a running LocalStack (needs Docker; never tried here: docs/deploy.md)
	$(PY) -m shop_tools.localstack_deploy --sam $(SAM) --endpoint "$(LOCALSTACK_ENDPOINT)" -- $(DEPLOY_FLAGS)

clean: ## Remove build output and caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
