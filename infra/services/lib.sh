# shellcheck shell=bash disable=SC2034,SC2016  # paths are used by the files that source this one
# Helpers shared by infra/stack.sh and the per-service files in infra/services/. Sourced, not executed.
# Each service file defines, for a service NAME: NAME_port, NAME_label, NAME_proc (a regex matched against the
# process's command line, so a recycled pid is never mistaken for ours), NAME_start, NAME_healthy and
# optionally NAME_after_up and NAME_grace (seconds between SIGTERM and SIGKILL).

STATE="$ROOT/.state"
DATA="$STATE/data"
LOGS="$STATE/logs"
RUN="$STATE/run"
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"
HOST=127.0.0.1

say() { printf '%s\n' "$*"; }
die() { printf '%s\n' "$*" >&2; exit 1; }

# port_of_url redis://127.0.0.1:6380/0 -> 6380 (also host:port lists: the first entry)
port_of_url() {
    local rest="${1#*://}"
    rest="${rest%%,*}"
    rest="${rest%%/*}"
    rest="${rest##*@}"
    local port="${rest##*:}"
    [[ "$port" =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$port"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# True when GET http://127.0.0.1:$1$2 answers 200.
http_ok() {
    timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
        IFS= read -r status <&3
        [[ "$status" == HTTP/*" 200"* ]]' "$HOST" "$1" "$2" 2>/dev/null
}

pidfile() { printf '%s/%s.pid\n' "$RUN" "$1"; }

# Prints the pid of our running process for service $1; fails (and removes a stale pid file) otherwise.
pid_of() {
    local svc="$1" file pid cmdline
    file="$(pidfile "$svc")"
    [ -f "$file" ] || return 1
    pid="$(cat "$file" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ]; then
        cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
        local proc_var="${svc}_proc"
        if [[ "$cmdline" =~ ${!proc_var} ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    fi
    rm -f "$file"
    return 1
}

# start_bg SVC CMD... : runs CMD in its own session (so Ctrl-C on `make` does not reach it) with output
# appended to .state/logs/SVC.log, and records its pid (setsid does not fork here: we are not a group leader).
start_bg() {
    local svc="$1"
    shift
    mkdir -p "$LOGS" "$RUN"
    printf '\n=== %s starting %s\n' "$(date '+%F %T')" "$svc" >>"$LOGS/$svc.log"
    setsid "$@" >>"$LOGS/$svc.log" 2>&1 </dev/null &
    local pid="$!" proc_var="${svc}_proc" i
    printf '%s\n' "$pid" >"$(pidfile "$svc")"
    port "$svc" >"$RUN/$svc.port"
    # Until the child has exec'd, its command line is still ours and pid_of would call it stale.
    for ((i = 0; i < 50; i++)); do
        [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" =~ ${!proc_var} ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
}

# The port service $1 was started on (empty if unknown).
started_port() { cat "$RUN/$1.port" 2>/dev/null || true; }

# Stops service $1 by pid: SIGTERM to its process group, SIGKILL after its grace period.
stop_svc() {
    local svc="$1" pid grace_var grace i
    grace_var="${svc}_grace"
    grace="${!grace_var:-10}"
    if ! pid="$(pid_of "$svc")"; then
        say "$(label "$svc"): down"
        return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        say "$(label "$svc"): stopped (killed after ${grace}s)"
    else
        say "$(label "$svc"): stopped"
    fi
    rm -f "$(pidfile "$svc")" "$RUN/$svc.port"
}

label() { "${1}_label"; }
port() { "${1}_port"; }

show_log_tail() {
    local log="$LOGS/$1.log"
    [ -f "$log" ] || return 0
    printf '  last lines of %s:\n' "${log#"$ROOT/"}" >&2
    tail -n 15 "$log" | sed 's/^/    /' >&2
}

# wait_healthy SVC SECONDS [docker]: polls NAME_healthy; fails with the log's last lines on timeout
# or as soon as our process has exited.
wait_healthy() {
    local svc="$1" timeout="$2" mode="${3:-host}" deadline
    deadline=$((SECONDS + timeout))
    while ! "${svc}_healthy"; do
        if [ "$mode" = host ] && ! pid_of "$svc" >/dev/null; then
            printf '%s: exited during startup; read %s\n' "$(label "$svc")" "${LOGS#"$ROOT/"}/$svc.log" >&2
            show_log_tail "$svc"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            if [ "$mode" = host ]; then
                printf '%s: not healthy after %ss; read %s\n' "$(label "$svc")" "$timeout" "${LOGS#"$ROOT/"}/$svc.log" >&2
                show_log_tail "$svc"
            else
                printf '%s: not healthy after %ss; read `docker compose logs %s`\n' "$(label "$svc")" "$timeout" "$svc" >&2
            fi
            return 1
        fi
        sleep 0.2
    done
}
