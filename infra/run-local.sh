#!/usr/bin/env bash
# Serve the API (gophertok_local.api_server: Chalice's routes, a pool of warm function instances) on
# $API_HOST:$API_PORT and run the local event-source runners (gophertok_local.consumers: Kafka, SQS, schedules)
# as two processes that gophertok_local.supervisor starts again with backoff whenever one dies, and beside them
# the X-Ray collector that receives the functions' trace segments.
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
echo "api: http://$host:$port  (consumers running; JSON logs: make logs, traces: make traces, metrics: make metrics)"
# The supervisor keeps two processes running: the gateway with its warm function instances
# (LOCAL_MAX_CONCURRENCY, default cores x 2), and the Kafka/SQS runners and schedules on a pool of their own.
# The console gets one line per request and per consumer batch (LOG_FORMAT=json for the JSON lines instead);
# every JSON line also goes to $LOGS/api.log and $LOGS/consumers.log.
$PY -m gophertok_local.supervisor --host "$host" --port "$port" --stage dev --log-dir "$LOGS" --pid-dir .state/run/local
