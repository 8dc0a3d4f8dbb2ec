# GopherTok Serverless — the front door.
#   make run    bring up the local stack and serve the API on http://127.0.0.1:8080 with the consumers running
#   make test   bring up what the tests need and run them
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
WITH_ENV := infra/with-env.sh
STACK := infra/stack.sh
PYTEST_ARGS ?=

.PHONY: help bootstrap up down status migrate run test unit lint fmt clean-state logs traces metrics

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-14s %s\n",$$1,$$2}'

bootstrap: ## install system packages and the Python virtualenvs (idempotent)
	@infra/bootstrap.sh

up: bootstrap ## start MariaDB, Redis, Kafka and the AWS emulator; migrate; create topics and bucket
	@$(STACK) up

down: ## stop the local stack
	@$(STACK) down

status: ## one line per local service
	@$(STACK) status

migrate: bootstrap ## apply pending SQL migrations
	@$(STACK) migrate

run: up web-vendor ## serve the API on :8080 and run the consumers (Ctrl-C stops them)
	@$(WITH_ENV) infra/run-local.sh

.PHONY: seed
seed: up ## publish demo users and 72 generated test-pattern videos (safe to run twice)
	@$(WITH_ENV) $(PY) infra/seed.py

logs: ## follow every local log, each line prefixed with its function or service
	@$(PY) -m gophertok_local.log_tail

traces: ## show the most recent traces collected locally (TRACE=<id> for one)
	@$(PY) -m gophertok_local.xray_collector show $(if $(TRACE),--trace $(TRACE),)

metrics: ## summarise the EMF metrics written to the local logs
	@$(PY) -m gophertok_local.metrics_report

test: up browser-deps web-vendor ## run unit, integration, fuzz and browser tests against the real local stack
	@$(WITH_ENV) $(PY) -m pytest $(PYTEST_ARGS)

unit: bootstrap ## unit tests only (no services)
	@$(WITH_ENV) $(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

lint: bootstrap ## ruff
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

fmt: bootstrap
	@$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean-state: down ## delete all local data, logs and generated secrets
	rm -rf .state

.PHONY: browser-deps web-vendor web-deploy
web-vendor: ## vendor Swagger UI (npm swagger-ui-dist) into build/vendor/ for /docs (git-ignored)
	@infra/web-vendor.sh

browser-deps: ## Debian's chromium for the browser tests (Playwright drives it; no browser download)
	@infra/browser-deps.sh

web-deploy: ## copy web/ to s3://$$WEB_BUCKET/web/ with config.js pointing at $$API_URL (the stack's HTTP API)
	@test -n "$$WEB_BUCKET" -a -n "$$API_URL" || { echo "set WEB_BUCKET and API_URL" >&2; exit 1; }
	@$(PY) infra/web_deploy.py "$$WEB_BUCKET" "$$API_URL"

.PHONY: openapi
openapi: bootstrap ## regenerate docs/openapi.json from the registry and gophertok/contract (a test checks it)
	@$(PY) -m gophertok.contract.openapi > docs/openapi.json

.PHONY: package validate deploy-localstack
package: bootstrap ## build/: layer zips (manylinux wheels for python3.12, no boto3) and one zip per function
	@$(PY) infra/package.py

validate: bootstrap ## cfn-lint template.yaml, translate it offline with the SAM translator and walk the result
	@$(VENV)/bin/cfn-lint template.yaml && $(PY) -m pytest -q tests/unit/test_template_validation.py tests/unit/test_registry_agreement.py

deploy-localstack: ## deploy template.yaml to LocalStack *in Docker* with samlocal (docs/deploy.md); needs Docker
	@infra/deploy-localstack.sh
