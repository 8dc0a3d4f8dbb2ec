#!/usr/bin/env bash
# Serve the API with `chalice local` on $API_PORT and run the Kafka event-source runner beside it.
# Expects the stack to be up and the environment loaded (the Makefile's `run` does both).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p .state/logs
port="${API_PORT:-8080}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "api: port $port is already in use; stop that process or set API_PORT" >&2
  exit 1
fi
$PY -m gophertok_local.kafka_runner > >(tee -a .state/logs/consumers.log) 2>&1 &
runner=$!
trap 'kill "$runner" 2>/dev/null || true; wait "$runner" 2>/dev/null || true' EXIT INT TERM
echo "api: http://127.0.0.1:$port  (consumers running, logs in .state/logs/)"
.venv/bin/chalice local --host 127.0.0.1 --port "$port" --stage dev --no-autoreload 2>&1 | tee -a .state/logs/api.log
