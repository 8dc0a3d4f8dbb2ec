#!/usr/bin/env bash
# infra/redis-cluster.sh up|down|status|url|nodes|ports — a local Redis Cluster (3 masters + 3 replicas) for the cluster pass of
# the tests (`make test-cluster`). Ports: REDIS_CLUSTER_PORTS (six, space-separated), default the six ports after
# REDIS_URL's. State under .state/data/redis-cluster/, logs under .state/logs/, pids under .state/run/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${GT_LOCAL_ENV:-}" ]; then
    exec "$ROOT/infra/with-env.sh" "$ROOT/infra/redis-cluster.sh" "$@"
fi
# shellcheck source=infra/services/lib.sh
source "$ROOT/infra/services/lib.sh"

base="$(port_of_url "${REDIS_URL:-redis://127.0.0.1:6380/0}")" || die "redis-cluster: cannot read a port from REDIS_URL"
read -r -a PORTS <<<"${REDIS_CLUSTER_PORTS:-$((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) $((base + 5)) $((base + 6))}"
[ "${#PORTS[@]}" -eq 6 ] || die "redis-cluster: REDIS_CLUSTER_PORTS must name six ports, got '${PORTS[*]}'"
DIR="$DATA/redis-cluster"
UP_TIMEOUT="${GT_UP_TIMEOUT:-60}"

node_pid() { # prints the pid of our redis-server on port $1
    local file="$RUN/redis-cluster-$1.pid" pid
    [ -f "$file" ] || return 1
    pid="$(cat "$file")"
    [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "redis-server.*:$1" || return 1
    printf '%s\n' "$pid"
}

cli() { timeout 5 redis-cli -h "$HOST" -p "$1" "${@:2}"; }

cluster_ok() { [ "$(cli "${PORTS[0]}" cluster info 2>/dev/null | tr -d '\r' | grep -c '^cluster_state:ok$')" = 1 ]; }

url() { printf 'redis://%s:%s/0\n' "$HOST" "${PORTS[0]}"; }
nodes() { local p out=(); for p in "${PORTS[@]}"; do out+=("$HOST:$p"); done; (IFS=,; printf '%s\n' "${out[*]}"); }

cmd_up() {
    command -v redis-server >/dev/null || die "redis-cluster: redis-server not found; run infra/bootstrap.sh (make bootstrap)"
    local p fresh=0 deadline
    mkdir -p "$RUN" "$LOGS"
    for p in "${PORTS[@]}"; do
        node_pid "$p" >/dev/null && continue
        port_open "$p" && die "redis-cluster: port $p is in use by another process; set REDIS_CLUSTER_PORTS"
        # A node that is started again forgets its slots (no persistence): the whole cluster is made anew.
        rm -rf "${DIR:?}/$p"
        mkdir -p "$DIR/$p"
        redis-server --port "$p" --bind "$HOST" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" \
            --cluster-node-timeout "${REDIS_CLUSTER_NODE_TIMEOUT_MS:-5000}" \
            --cluster-replica-validity-factor 0 --save '' --appendonly no \
            --maxmemory "${REDIS_MAXMEMORY:-512mb}" --maxmemory-policy volatile-lru \
            --dir "$DIR/$p" --daemonize yes --pidfile "$RUN/redis-cluster-$p.pid" --logfile "$LOGS/redis-cluster-$p.log"
        fresh=1
    done
    deadline=$((SECONDS + UP_TIMEOUT))
    for p in "${PORTS[@]}"; do
        until [ "$(cli "$p" ping 2>/dev/null)" = PONG ]; do
            [ "$SECONDS" -lt "$deadline" ] || die "redis-cluster: node $p does not answer; read .state/logs/redis-cluster-$p.log"
            sleep 0.1
        done
    done
    if [ "$fresh" = 1 ] || ! cluster_ok; then # (re)build it: a restarted node has forgotten its slots
        local addrs=()
        for p in "${PORTS[@]}"; do
            cli "$p" flushall >/dev/null
            cli "$p" cluster reset hard >/dev/null
            addrs+=("$HOST:$p")
        done
        timeout 60 redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$LOGS/redis-cluster-create.log" 2>&1 \
            || die "redis-cluster: cluster create failed; read .state/logs/redis-cluster-create.log"
    fi
    until cluster_ok; do
        [ "$SECONDS" -lt "$deadline" ] || die "redis-cluster: cluster_state is not ok after ${UP_TIMEOUT}s"
        sleep 0.2
    done
    # Only a replica that is in sync takes over when its master dies: wait for every link.
    for p in "${PORTS[@]}"; do
        while cli "$p" info replication | tr -d '\r' | grep -q '^role:slave$' \
            && ! cli "$p" info replication | tr -d '\r' | grep -q '^master_link_status:up$'; do
            [ "$SECONDS" -lt "$deadline" ] || die "redis-cluster: replica $p is not in sync after ${UP_TIMEOUT}s"
            sleep 0.2
        done
    done
    say "redis cluster: up ($(nodes))"
}

cmd_down() {
    local p pid
    for p in "${PORTS[@]}"; do
        if pid="$(node_pid "$p")"; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$RUN/redis-cluster-$p.pid"
    done
    say "redis cluster: down"
}

cmd_status() {
    local p state
    for p in "${PORTS[@]}"; do
        if node_pid "$p" >/dev/null; then state=up; else state=down; fi
        printf 'redis-cluster %-5s %s:%s %s\n' "$state" "$HOST" "$p" "$(cli "$p" role 2>/dev/null | head -1 || true)"
    done
}

case "${1:-}" in
ports) printf '%s\n' "${PORTS[*]}" ;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
url) url ;;
nodes) nodes ;;
*) die "usage: infra/redis-cluster.sh up|down|status|url|nodes|ports" ;;
esac
