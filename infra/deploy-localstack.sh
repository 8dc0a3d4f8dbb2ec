#!/usr/bin/env bash
# Deploy template.yaml to a LocalStack running in Docker (docker compose up localstack), with samlocal.
#
# Lambda execution inside LocalStack needs Docker: LocalStack runs every function in a container of the
# python3.12 Lambda image. On a machine without Docker (like the host-mode stack of `make up`) this stops
# with an explanation; use `make run` there, which runs the same handlers through the local runners.
# Prerequisites: Docker, LocalStack in Docker on :4566, and `pip install aws-sam-cli aws-sam-cli-local`.
# The stack's parameters point the functions at the docker-compose services (see docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "deploy-localstack: $*" >&2; exit 1; }
if ! { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }; then
    die "needs a running Docker engine: LocalStack executes Lambda functions in containers (see docs/deploy.md)"
fi
command -v samlocal >/dev/null 2>&1 || die "needs samlocal: pip install aws-sam-cli aws-sam-cli-local"
curl -fsS "${AWS_ENDPOINT_URL:-http://localhost:4566}/_localstack/health" >/dev/null \
    || die "no LocalStack on ${AWS_ENDPOINT_URL:-http://localhost:4566}: docker compose up -d localstack"

stage="${STAGE:-dev}"
# Inside LocalStack's Lambda containers the compose services are reached by their service names.
samlocal build --template template.yaml
samlocal deploy \
    --stack-name "gophertok-localstack-$stage" \
    --resolve-s3 \
    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
    --no-confirm-changeset --no-fail-on-empty-changeset \
    --parameter-overrides \
        "Stage=$stage" KafkaMode=self-managed MskClusterArn="" \
        "KafkaBootstrapServers=${LS_KAFKA:-kafka:9092}" \
        "MysqlHost=${LS_MYSQL_HOST:-mysql}" MysqlPort=3306 \
        "MysqlSecretArn=${LS_MYSQL_SECRET_ARN:?create the secret first, see docs/deploy.md}" \
        "JwtSecretArn=${LS_JWT_SECRET_ARN:?create the secret first, see docs/deploy.md}" \
        "RedisUrl=${LS_REDIS_URL:-redis://redis:6379/0}" \
        "SubnetIds=${LS_SUBNET_IDS:?subnet ids of the LocalStack default VPC, see docs/deploy.md}" \
        "SecurityGroupIds=${LS_SECURITY_GROUP_IDS:?security group id of the LocalStack default VPC, see docs/deploy.md}"
samlocal list stack-outputs --stack-name "gophertok-localstack-$stage"
