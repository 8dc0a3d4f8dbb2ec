# shellcheck shell=bash disable=SC2034  # NAME_proc and NAME_grace are read indirectly by lib.sh
# AWS emulator on 127.0.0.1:<port of AWS_ENDPOINT_URL>: LocalStack (host mode, own Python 3.13 venv) when the
# bootstrap installed it, else moto server from .venv. GT_AWS_EMULATOR=moto|localstack overrides the choice.
aws_proc='localstack\.runtime\.main|moto_server'
aws_grace=3
LS_VENV="$STATE/venvs/localstack"

aws_port() { port_of_url "${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}" || die "aws: cannot read a port from AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"; }

# The emulator that is running, else the one `up` would start.
aws_kind() {
    local pid
    if pid="$(pid_of aws)"; then
        if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q moto_server; then echo moto; else echo localstack; fi
    elif [ -n "${GT_AWS_EMULATOR:-}" ]; then
        echo "$GT_AWS_EMULATOR"
    elif [ -f "$STATE/aws-emulator" ]; then
        cat "$STATE/aws-emulator"
    elif [ -x "$LS_VENV/bin/python" ]; then
        echo localstack
    else
        echo moto
    fi
}

aws_label() { printf 'aws (%s)\n' "$(aws_kind)"; }

# Where the emulator listens: API_HOST like the API (0.0.0.0 lets a phone on the LAN fetch media), default 127.0.0.1.
aws_listen_host() { printf '%s\n' "${API_HOST:-$HOST}"; }

aws_start() {
    local port kind
    port="$(aws_port)"
    kind="$(aws_kind)"
    case "$kind" in
    localstack)
        [ -x "$LS_VENV/bin/python" ] || die "aws: LocalStack is not installed in .state/venvs/localstack; run infra/bootstrap.sh (or GT_AWS_EMULATOR=moto)"
        mkdir -p "$DATA/localstack"
        # OVERRIDE_IN_DOCKER=0: it sees /.dockerenv on these machines and would use /var/lib/localstack;
        # in host mode every directory it writes lives under FILESYSTEM_ROOT. DNS_ADDRESS=0: no DNS server
        # on port 53; SKIP_SSL_CERT_DOWNLOAD / DISABLE_EVENTS: no calls out to the internet.
        # EAGER_SERVICE_LOADING=0 in the environment trades ~1 s on first use of each service for ~250 MB less RSS.
        start_bg aws env -u AWS_ENDPOINT_URL \
            GATEWAY_LISTEN="$(aws_listen_host):$port" LOCALSTACK_HOST="$HOST:$port" \
            SQS_ENDPOINT_STRATEGY=path GATEWAY_SERVER=hypercorn \
            SERVICES=s3,sqs,sns,ssm,secretsmanager EAGER_SERVICE_LOADING="${EAGER_SERVICE_LOADING:-1}" \
            OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$DATA/localstack" \
            DNS_ADDRESS=0 SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 \
            "$LS_VENV/bin/python" -m localstack.runtime.main
        ;;
    moto)
        [ -x "$VENV/bin/moto_server" ] || die "aws: moto_server is not in .venv; run infra/bootstrap.sh (make bootstrap)"
        start_bg aws env -u AWS_ENDPOINT_URL "$VENV/bin/moto_server" -H "$(aws_listen_host)" -p "$port"
        ;;
    *) die "aws: unknown emulator '$kind' (GT_AWS_EMULATOR must be localstack or moto)" ;;
    esac
}

aws_healthy() {
    local port
    port="$(aws_port)"
    if [ "$(aws_kind)" = moto ]; then
        http_ok "$port" /moto-api/
    else
        http_ok "$port" /_localstack/health
    fi
}

aws_after_up() {
    "$VENV_PY" "$ROOT/localstack/init/ready.d/10-gophertok-resources.py"
}
