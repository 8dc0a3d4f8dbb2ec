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

down: ## stop the local stack (and the Redis Cluster of the cluster pass)
	@$(STACK) down
	@infra/redis-cluster.sh down >/dev/null

status: ## one line per local service
	@$(STACK) status

migrate: bootstrap ## apply pending SQL migrations
	@$(STACK) migrate

run: up web-vendor ## serve the API on :8080 and run the consumers (Ctrl-C stops them)
	@$(WITH_ENV) infra/run-local.sh

.PHONY: invoke events sam-env
invoke: ## run one function with an event, like sam local invoke: make invoke FN=user_info EVENT=events/user_info.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function> EVENT=<file> (events/ has one per function)" >&2; exit 2; }
	@$(WITH_ENV) $(PY) -m gophertok_local.invoke $(FN) $(EVENT)

events: ## regenerate events/ (a sample event for every function) from gophertok_local.sample_events
	@$(WITH_ENV) $(PY) -m gophertok_local.sample_events

sam-env: ## write .state/sam-env.json (this machine's settings) for sam local invoke --env-vars
	@$(WITH_ENV) $(PY) -m gophertok_local.sam_env

.PHONY: seed
seed: up ## publish demo users and 72 generated test-pattern videos (safe to run twice)
	@$(WITH_ENV) $(PY) infra/seed.py

logs: ## follow every local log, each line prefixed with its function or service
	@$(PY) -m gophertok_local.log_tail

traces: ## show the most recent traces collected locally (TRACE=<id> for one)
	@$(PY) -m gophertok_local.xray_collector show $(if $(TRACE),--trace $(TRACE),)

metrics: ## summarise the EMF metrics written to the local logs
	@$(PY) -m gophertok_local.metrics_report

test: up browser-deps web-vendor ## run unit, integration, fuzz and browser tests, then the cluster pass and the fault tests
	@$(WITH_ENV) $(PY) -m pytest $(or $(PYTEST_ARGS),--ignore=tests/faults)
	@$(if $(PYTEST_ARGS),,$(MAKE) --no-print-directory test-cluster test-faults)

# Last: they kill the broker and run it on S3 storage, whose traffic slows the emulator's S3 notifications for a while.
.PHONY: test-faults
test-faults: up ## fault injection under load: broker, MariaDB and Redis kill -9, Redis FLUSHALL, producer healing (tests/faults, a few minutes)
	@$(WITH_ENV) $(PY) -m pytest -p no:cacheprovider tests/faults

# The integration suite again with Redis as a 6-node cluster (3 masters + 3 replicas, infra/redis-cluster.sh).
# Round-trip budgets count per node there (tests/support/round_trips.py): a pipeline reaching three masters is one
# round trip on each, in parallel.
CLUSTER_PYTEST_ARGS ?= tests/integration tests/cluster
.PHONY: test-cluster cluster-up cluster-down
test-cluster: up cluster-up ## run the integration tests against a local Redis Cluster (REDIS_CLUSTER=true)
	@REDIS_CLUSTER_PORTS="$$(infra/redis-cluster.sh ports)" REDIS_CLUSTER=true REDIS_URL="$$(infra/redis-cluster.sh url)" \
		REDIS_CLUSTER_NODES="$$(infra/redis-cluster.sh nodes)" \
		$(WITH_ENV) $(PY) -m pytest -p no:cacheprovider $(CLUSTER_PYTEST_ARGS)

cluster-up: ## start the local Redis Cluster (ports: the six after REDIS_URL's, or REDIS_CLUSTER_PORTS)
	@infra/redis-cluster.sh up

cluster-down: ## stop the local Redis Cluster
	@infra/redis-cluster.sh down

unit: bootstrap ## unit tests only (no services)
	@$(WITH_ENV) $(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

lint: bootstrap ## ruff (lint + format) and mypy (strict on layers/ and functions/; config in pyproject.toml)
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

fmt: bootstrap
	@$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean-state: down ## delete all local data, logs and generated secrets
	rm -rf .state

.PHONY: lock
lock: bootstrap ## regenerate the hashed lock files from the .in files (UPGRADE=1 for newer transitive pins; needs PyPI)
	@UPGRADE=$(UPGRADE) infra/lock.sh

.PHONY: replay-dlq
replay-dlq: up ## re-drive the records parked in <TOPIC>.dlq to TOPIC (all consumer topics without TOPIC)
	@$(WITH_ENV) $(PY) infra/replay_dlq.py $(TOPIC)

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

.PHONY: package sam-build validate deploy-localstack
package: bootstrap ## build/: layer zips (manylinux wheels for python3.12, no boto3) and one zip per function
	@$(PY) infra/package.py

sam-build: bootstrap ## `sam build` without Docker into .aws-sam/build (aws-sam-cli in .state/venvs/sam; cached)
	@$(PY) infra/sam_build.py

validate: bootstrap ## cfn-lint template.yaml, translate it offline with the SAM translator and walk the result
	@$(VENV)/bin/cfn-lint template.yaml && $(PY) -m pytest -q tests/unit/test_template_validation.py tests/unit/test_registry_agreement.py tests/unit/test_template_deploy_path.py tests/unit/test_template_observability.py

deploy-localstack: ## deploy template.yaml to LocalStack *in Docker* with samlocal (docs/deploy.md); needs Docker
	@infra/deploy-localstack.sh
