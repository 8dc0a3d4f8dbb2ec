# shellcheck shell=bash disable=SC2034  # NAME_proc and NAME_grace are read indirectly by lib.sh
# MariaDB (MySQL-compatible) with a project-local datadir, on 127.0.0.1:$MYSQL_PORT.
mariadb_proc='mariadbd'
mariadb_grace=20
mariadb_label() { printf 'mariadb\n'; }
mariadb_port() { printf '%s\n' "${MYSQL_PORT:-3307}"; }

MARIADB_DATA="$DATA/mariadb"
MARIADB_SOCKET="$RUN/mariadb.sock"
# The OS user that owns the server; mariadb-install-db gives it a password-less socket login with all privileges.
MARIADB_OS_USER="$(id -un)"

mariadb_bin() { # mariadbd and mariadb-install-db live in /usr/sbin, /usr/bin, which a non-root PATH may lack
    command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && printf '/usr/sbin/%s\n' "$1"; } \
        || { [ -x "/usr/bin/$1" ] && printf '/usr/bin/%s\n' "$1"; } \
        || die "mariadb: $1 not found; run infra/bootstrap.sh (make bootstrap)"
}

mariadb_options() {
    local opts=(
        --datadir="$MARIADB_DATA"
        --port="$(mariadb_port)" --bind-address="$HOST"
        --socket="$MARIADB_SOCKET" --pid-file="$RUN/mariadb.pid"
        --log-error="$LOGS/mariadb.log"
        --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-log-buffer-size=8M
        --performance-schema=OFF --skip-name-resolve --max-connections=500
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
        --key-buffer-size=8M --table-open-cache=400
    )
    [ "$(id -u)" -eq 0 ] && opts+=(--user=root)
    printf '%s\n' "${opts[@]}"
}

mariadb_start() {
    mkdir -p "$DATA" "$LOGS" "$RUN"
    local opts
    mapfile -t opts < <(mariadb_options)
    if ! [ -f "$MARIADB_DATA/.gophertok-initialized" ]; then
        rm -rf "$MARIADB_DATA"
        say "mariadb: initialising ${MARIADB_DATA#"$ROOT/"}"
        if ! "$(mariadb_bin mariadb-install-db)" --no-defaults "${opts[@]}" --skip-test-db \
            --auth-root-authentication-method=socket --auth-root-socket-user="$MARIADB_OS_USER" \
            >"$LOGS/mariadb-install.log" 2>&1; then
            printf 'mariadb: mariadb-install-db failed; read %s\n' "${LOGS#"$ROOT/"}/mariadb-install.log" >&2
            tail -n 15 "$LOGS/mariadb-install.log" | sed 's/^/    /' >&2
            return 1
        fi
        touch "$MARIADB_DATA/.gophertok-initialized"
    fi
    start_bg mariadb "$(mariadb_bin mariadbd)" --no-defaults "${opts[@]}"
}

mariadb_client() { # as the socket-authenticated admin account
    # --host/--protocol: the clients would otherwise follow MYSQL_HOST and MYSQL_TCP_PORT from the environment.
    "$(mariadb_bin "$1")" --no-defaults --host=localhost --protocol=socket --socket="$MARIADB_SOCKET" --user="$MARIADB_OS_USER" "${@:2}"
}

mariadb_healthy() {
    [ -S "$MARIADB_SOCKET" ] && mariadb_client mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1 \
        && port_open "$(mariadb_port)"
}

# Creates the database and the application user (and keeps its password in sync with local.env).
mariadb_after_up() {
    local db="${MYSQL_DATABASE:-gophertok}" user="${MYSQL_USER:-gophertok}" pw="${MYSQL_PASSWORD:-}"
    [[ "$db" =~ ^[A-Za-z0-9_]+$ ]] || die "mariadb: MYSQL_DATABASE must be letters, digits and _ (got '$db')"
    [[ "$user" =~ ^[A-Za-z0-9_]+$ ]] || die "mariadb: MYSQL_USER must be letters, digits and _ (got '$user')"
    [ -n "$pw" ] || die "mariadb: MYSQL_PASSWORD is empty (see .state/local.env)"
    pw="${pw//\\/\\\\}"
    pw="${pw//\'/\\\'}"
    local host sql="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    for host in 127.0.0.1 localhost; do
        sql+="CREATE USER IF NOT EXISTS '$user'@'$host' IDENTIFIED BY '$pw';"
        sql+="ALTER USER '$user'@'$host' IDENTIFIED BY '$pw';"
        sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'$host';"
    done
    # Through stdin, so the password never shows in `ps`.
    if ! printf '%s\n' "$sql" | mariadb_client mariadb --batch 2>"$LOGS/mariadb-setup.log"; then
        printf 'mariadb: could not create database %s / user %s:\n' "$db" "$user" >&2
        sed 's/^/    /' "$LOGS/mariadb-setup.log" >&2
        return 1
    fi
}
