#!/usr/bin/env bash
# infra/stack.sh up|down|status|migrate — the local stack: MariaDB, Redis, Kafka (tansu) and an AWS emulator
# (LocalStack or moto) as host processes with all state under .state/, or docker-compose.yml when a Docker
# engine answers (set USE_DOCKER=0 to force host processes). Settings come from .state/local.env.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${GT_LOCAL_ENV:-}" ]; then
    exec "$ROOT/infra/with-env.sh" "$ROOT/infra/stack.sh" "$@"
fi

# shellcheck source=infra/services/lib.sh
source "$ROOT/infra/services/lib.sh"
for f in mariadb redis kafka aws; do
    # shellcheck source=/dev/null
    source "$ROOT/infra/services/$f.sh"
done

SERVICES=(mariadb redis kafka aws)
# Slowest first, so MariaDB's first-run initialisation overlaps with LocalStack's start-up.
START_ORDER=(aws kafka redis mariadb)
UP_TIMEOUT="${GT_UP_TIMEOUT:-90}"
declare -A PORT_SETTING=([mariadb]=MYSQL_PORT [redis]=REDIS_URL [kafka]=KAFKA_BOOTSTRAP_SERVERS [aws]=AWS_ENDPOINT_URL)
declare -A COMPOSE_NAME=([mariadb]=mysql [redis]=redis [kafka]=kafka [aws]=localstack)

# Ports for docker-compose.yml, derived from the URLs in local.env.
export MYSQL_PORT="${MYSQL_PORT:-3307}"
REDIS_PORT="$(redis_port)" KAFKA_PORT="$(kafka_port)" AWS_PORT="$(aws_port)"
export REDIS_PORT KAFKA_PORT AWS_PORT

# Docker mode needs an engine that answers and the compose plugin.
use_docker() {
    [ "${USE_DOCKER:-1}" != 0 ] && command -v docker >/dev/null 2>&1 \
        && timeout 5 docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1
}

compose() {
    docker compose -f "$ROOT/docker-compose.yml" --project-directory "$ROOT" "$@"
}

require_venv() {
    [ -x "$VENV_PY" ] || die "stack: .venv is missing; run infra/bootstrap.sh (make bootstrap) first"
}

# Database/user, migrations, Kafka topics and AWS resources; all idempotent, run on every `up`.
post_up() {
    local mode="$1"
    if [ "$mode" = host ]; then
        mariadb_after_up
    fi
    "$VENV_PY" "$ROOT/infra/migrate.py"
    kafka_after_up
    aws_after_up
}

up_host() {
    local svc busy=0 to_start=()
    for svc in "${START_ORDER[@]}"; do
        if ! [[ "$(port "$svc")" =~ ^[0-9]+$ ]] || [ "$(port "$svc")" -lt 1 ] || [ "$(port "$svc")" -gt 65535 ]; then
            die "$svc: port '$(port "$svc")' from ${PORT_SETTING[$svc]} is not a TCP port (1-65535)"
        fi
        if pid_of "$svc" >/dev/null; then
            if [ -n "$(started_port "$svc")" ] && [ "$(started_port "$svc")" != "$(port "$svc")" ]; then
                printf '%s: running on port %s but %s now asks for %s; run make down first\n' \
                    "$svc" "$(started_port "$svc")" "${PORT_SETTING[$svc]}" "$(port "$svc")" >&2
                busy=1
            fi
            continue
        fi
        if port_open "$(port "$svc")"; then
            printf '%s: port %s is already in use by another process; stop it or set %s\n' \
                "$svc" "$(port "$svc")" "${PORT_SETTING[$svc]}" >&2
            busy=1
        else
            to_start+=("$svc")
        fi
    done
    [ "$busy" -eq 0 ] || exit 1
    for svc in "${to_start[@]}"; do
        "${svc}_start" || exit 1
    done
    for svc in "${SERVICES[@]}"; do
        wait_healthy "$svc" "$UP_TIMEOUT" || exit 1
        say "$(label "$svc"): up ($HOST:$(port "$svc"))"
    done
    post_up host
}

up_docker() {
    say "stack: Docker engine found: using docker-compose.yml (USE_DOCKER=0 for host processes)"
    aws_kind() { echo localstack; }
    mariadb_healthy() { port_open "$MYSQL_PORT"; }
    compose up -d --wait --wait-timeout "$UP_TIMEOUT" mysql redis kafka localstack \
        || die "stack: docker compose up failed; see \`docker compose logs\`"
    local svc
    for svc in "${SERVICES[@]}"; do
        wait_healthy "$svc" "$UP_TIMEOUT" docker || exit 1
        say "$(label "$svc"): up ($HOST:$(port "$svc"), docker)"
    done
    post_up docker
}

cmd_down() {
    local svc tmp
    if use_docker; then
        compose down || die "stack: docker compose down failed"
    fi
    # Host processes are stopped in parallel (LocalStack alone can take seconds); output stays in order.
    tmp="$(mktemp -d)"
    for svc in "${SERVICES[@]}"; do
        stop_svc "$svc" >"$tmp/$svc" 2>&1 &
    done
    wait
    for svc in "${SERVICES[@]}"; do
        cat "$tmp/$svc"
    done
    rm -rf "$tmp"
}

cmd_status() {
    local svc state note running=""
    if use_docker; then
        running=" $(compose ps --status running --services 2>/dev/null | tr '\n' ' ')"
        aws_kind() { echo localstack; }
    fi
    for svc in "${SERVICES[@]}"; do
        note=""
        if [ -n "$running" ]; then
            if [[ "$running" == *" ${COMPOSE_NAME[$svc]} "* ]]; then state=up; note="  (docker)"; else state=down; fi
        elif pid_of "$svc" >/dev/null; then
            if port_open "$(port "$svc")"; then state=up; else state=starting; fi
        else
            state=down
            port_open "$(port "$svc")" && note="  (port in use by another process)"
        fi
        printf '%-17s %-5s %s:%s%s\n' "$(label "$svc")" "$state" "$HOST" "$(port "$svc")" "$note"
    done
}

cmd_migrate() {
    require_venv
    if pid_of mariadb >/dev/null && mariadb_healthy; then
        mariadb_after_up
    fi
    "$VENV_PY" "$ROOT/infra/migrate.py"
}

case "${1:-}" in
up)
    require_venv
    if use_docker; then up_docker; else up_host; fi
    ;;
down) cmd_down ;;
status) cmd_status ;;
migrate) cmd_migrate ;;
*)
    echo "usage: infra/stack.sh up|down|status|migrate" >&2
    exit 2
    ;;
esac
