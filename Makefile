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

run: up ## serve the API on :8080 and run the consumers (Ctrl-C stops them)
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

test: up ## run unit and integration tests against the real local stack, then the cluster pass and the fault tests
	@$(WITH_ENV) $(PY) -m pytest $(or $(PYTEST_ARGS),--ignore=tests/faults)
	@$(if $(PYTEST_ARGS),,$(MAKE) --no-print-directory test-cluster test-faults)

# Last: they kill the broker and run it on S3 storage, whose traffic slows the emulator's S3 notifications for a while.
.PHONY: test-faults
test-faults: up ## fault injection: broker kill -9 under load, producer healing (tests/faults, a few minutes)
	@$(WITH_ENV) $(PY) -m pytest -p no:cacheprovider tests/faults

# The integration suite again with Redis as a 6-node cluster (3 masters + 3 replicas, infra/redis-cluster.sh).
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

lint: bootstrap ## ruff
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

fmt: bootstrap
	@$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean-state: down ## delete all local data, logs and generated secrets
	rm -rf .state

.PHONY: package validate deploy-localstack
package: bootstrap ## build/: layer zips (manylinux wheels for python3.12, no boto3) and one zip per function
	@$(PY) infra/package.py

validate: bootstrap ## cfn-lint template.yaml, translate it offline with the SAM translator and walk the result
	@$(VENV)/bin/cfn-lint template.yaml && $(PY) -m pytest -q tests/unit/test_template_validation.py tests/unit/test_registry_agreement.py

deploy-localstack: ## deploy template.yaml to LocalStack *in Docker* with samlocal (docs/deploy.md); needs Docker
	@infra/deploy-localstack.sh
