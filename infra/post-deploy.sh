#!/usr/bin/env bash
# After `sam deploy`: create the Kafka topics and apply the schema migrations by invoking the stack's ops
# functions, which run inside the VPC with the stack's secrets (no machine needs to reach Kafka or MySQL).
# Fails when either function fails. Needs the AWS CLI and credentials for the stack's account and region.
#
# Usage: infra/post-deploy.sh STACK_NAME        (e.g. gophertok-dev; .github/workflows/deploy.yml runs it)
set -euo pipefail

stack="${1:?usage: infra/post-deploy.sh STACK_NAME}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

output() {
    aws cloudformation describe-stacks --stack-name "$stack" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

for name in KafkaTopicsFunctionName DbMigrateFunctionName; do
    function="$(output "$name")"
    [ -n "$function" ] && [ "$function" != None ] || { echo "post-deploy: $stack has no output $name" >&2; exit 1; }
    aws lambda invoke --function-name "$function" --cli-binary-format raw-in-base64-out --payload '{}' \
        "$work/answer.json" >"$work/meta.json"
    printf 'post-deploy: %s answered %s\n' "$function" "$(cat "$work/answer.json")"
    if grep -q '"FunctionError"' "$work/meta.json"; then
        echo "post-deploy: $function failed (see its log group)" >&2
        exit 1
    fi
done
