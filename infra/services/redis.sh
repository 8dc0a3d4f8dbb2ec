# shellcheck shell=bash disable=SC2034  # NAME_proc and NAME_grace are read indirectly by lib.sh
# Redis on 127.0.0.1:<port of REDIS_URL>, no persistence (MySQL is the durable truth; Redis can be flushed).
# A memory cap with volatile-lru, as ElastiCache runs by default: every key expires (gophertok/keys.py), so
# any of them may be evicted under pressure and is rebuilt on its next read.
redis_proc='redis-server'
redis_grace=10
redis_label() { printf 'redis\n'; }
redis_port() { port_of_url "${REDIS_URL:-redis://127.0.0.1:6380/0}" || die "redis: cannot read a port from REDIS_URL=$REDIS_URL"; }

redis_start() {
    command -v redis-server >/dev/null 2>&1 || die "redis: redis-server not found; run infra/bootstrap.sh (make bootstrap)"
    mkdir -p "$DATA/redis"
    start_bg redis redis-server --port "$(redis_port)" --bind "$HOST" --dir "$DATA/redis" \
        --save '' --appendonly no --daemonize no \
        --maxmemory "${REDIS_MAXMEMORY:-512mb}" --maxmemory-policy volatile-lru \
        --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log"
}

redis_healthy() {
    [ "$(timeout 3 redis-cli -h "$HOST" -p "$(redis_port)" ping 2>/dev/null)" = PONG ]
}
