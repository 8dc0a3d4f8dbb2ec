#!/usr/bin/env bash
# Serve the API (Chalice's local server) on $API_HOST:$API_PORT, with beside it the local event-source
# runners (Kafka, SQS) and the X-Ray collector that receives the functions' trace segments.
# Expects the stack to be up and the environment loaded (the Makefile's `run` does both).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOGS=.state/logs
mkdir -p "$LOGS"
host="${API_HOST:-127.0.0.1}"
port="${API_PORT:-8080}"
xray_port="${XRAY_PORT:-2000}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "api: port $port is already in use; stop that process or set API_PORT" >&2
  exit 1
fi
export AWS_XRAY_DAEMON_ADDRESS="${AWS_XRAY_DAEMON_ADDRESS:-127.0.0.1:$xray_port}"

children=()
start() {  # start NAME CMD...: run CMD in the background, its output prefixed into $LOGS/NAME.log
  local name="$1"; shift
  "$@" >>"$LOGS/$name.log" 2>&1 &
  children+=("$!")
}
stop_children() {
  kill "${children[@]}" 2>/dev/null || true
  wait "${children[@]}" 2>/dev/null || true
}
trap stop_children EXIT INT TERM

start xray $PY -m gophertok_local.xray_collector serve --port "$xray_port"
start consumers $PY -m gophertok_local.kafka_runner
start queue-consumers $PY -m gophertok_local.sqs_runner
echo "api: http://$host:$port  (consumers running; logs: make logs, traces: make traces, metrics: make metrics)"
# `chalice local` with query strings (tokens) kept out of the access log; `chalice local` itself works too.
$PY -m gophertok_local.api_server --host "$host" --port "$port" --stage dev 2>&1 | tee -a "$LOGS/api.log"
