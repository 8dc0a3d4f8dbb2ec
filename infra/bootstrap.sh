#!/usr/bin/env bash
# Install everything the local stack needs: Debian's MariaDB and Redis, the project virtualenv (.venv)
# and LocalStack's own Python 3.13 virtualenv. Idempotent; a second run only compares stamp files.
#
# Environment:
#   PYTHON     interpreter for .venv (default: first of python3, python3.13, python3.12, python3.11 that is >= 3.11)
#   PYTHON313  interpreter for the LocalStack venv (default: python3.13 on PATH, then pyenv's 3.13)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STATE="$ROOT/.state"
VENV="$ROOT/.venv"
LS_VENV="$STATE/venvs/localstack"
EMULATOR_FILE="$STATE/aws-emulator"
LOGS="$STATE/logs"
LOCALSTACK_PINS=('localstack-core[runtime]==2026.3.0' service_identity 'pyopenssl<26' 'cryptography<47' 'cbor2<6')

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

# Prints the pip errors of a failed install (not its whole log) and where the full log is.
pip_failed() {
    local what="$1" log="$2"
    grep -E '^(ERROR|error):' "$log" | tail -n 5 | sed 's/^/  /' >&2 || true
    die "could not install $what (network? see $log)"
}

sudo_prefix() {
    if [ "$(id -u)" -eq 0 ]; then
        return 0
    fi
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to install Debian packages ($*)"
    printf 'sudo\n'
}

apt_updated=0
apt_install() {
    local sudo
    sudo="$(sudo_prefix "$@")"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
    if [ "$apt_updated" -eq 0 ]; then
        say "apt-get update"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOGS/bootstrap-apt.log" 2>&1 \
            || die "apt-get update failed (see $LOGS/bootstrap-apt.log)"
        apt_updated=1
    fi
    say "apt-get install $*"
    # apt may try to start the system services: harmless, the stack runs its own instances.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >>"$LOGS/bootstrap-apt.log" 2>&1 || die "apt-get install $* failed (see $LOGS/bootstrap-apt.log)"
}

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

# Prints the real path of the interpreter if it runs and its version is >= $2.$3 (and <= $4.$5 if given).
python_ok() {
    local cand="$1"
    command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || return 1
    "$cand" - "$2" "$3" "${4:-99}" "${5:-99}" 2>/dev/null <<'PY' || return 1
import sys
lo = (int(sys.argv[1]), int(sys.argv[2])); hi = (int(sys.argv[3]), int(sys.argv[4]))
assert lo <= sys.version_info[:2] <= hi
import venv, ensurepip  # noqa: F401  (both are needed to build a venv)
print(sys.executable)
PY
}

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

mkdir -p "$STATE/venvs" "$LOGS"

# --- Debian packages ---------------------------------------------------------------------------
missing=()
have mariadbd || missing+=(mariadb-server mariadb-client)
have redis-server || missing+=(redis-server redis-tools)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# --- AWS emulator: LocalStack (needs Python 3.13) or moto ----------------------------------------
# Decided first so that LocalStack's install (the slow one) runs while .venv installs.
ls_stamp="$(printf '%s\n' "${LOCALSTACK_PINS[@]}" | sha256sum | cut -d' ' -f1)"
ls_pid=""
if [ "$(cat "$LS_VENV/.gophertok-stamp" 2>/dev/null)" = "$ls_stamp" ] && "$LS_VENV/bin/python" -c '' 2>/dev/null; then
    [ "$(cat "$EMULATOR_FILE" 2>/dev/null)" = localstack ] || printf 'localstack\n' >"$EMULATOR_FILE"
else
    py313=""
    cands=()
    [ -n "${PYTHON313:-}" ] && cands+=("$PYTHON313")
    cands+=(python3.13)
    for p in "$HOME"/.pyenv/versions/3.13*/bin/python3.13; do
        [ -x "$p" ] && cands+=("$p")
    done
    for cand in "${cands[@]}"; do
        py313="$(python_ok "$cand" 3 13 3 13)" && break
        py313=""
    done
    if [ -z "$py313" ]; then
        say "no Python 3.13 found: moto server (from .venv) will be the AWS emulator instead of LocalStack"
        printf 'moto\n' >"$EMULATOR_FILE"
    else
        say "installing LocalStack into .state/venvs/localstack with $py313 (log: .state/logs/bootstrap-localstack.log)"
        rm -rf "$LS_VENV"
        (
            "$py313" -m venv "$LS_VENV" \
                && "$LS_VENV/bin/python" -m pip install --disable-pip-version-check -q "${LOCALSTACK_PINS[@]}" \
                && printf '%s\n' "$ls_stamp" >"$LS_VENV/.gophertok-stamp"
        ) >"$LOGS/bootstrap-localstack.log" 2>&1 &
        ls_pid=$!
    fi
fi

# --- project virtualenv ------------------------------------------------------------------------
req_files=(requirements-dev.txt layers/*/requirements.txt layers/*/python/requirements.txt)
pth_lines="$ROOT/layers/gophertok/python
$ROOT/infra"
venv_stamp="$(printf '%s\n%s\n' "$(hash_of "${req_files[@]}")" "$pth_lines" | sha256sum | cut -d' ' -f1)"

if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' 2>/dev/null \
    || { [ -n "${PYTHON:-}" ] && [ "$(cat "$VENV/.gophertok-python" 2>/dev/null)" != "$PYTHON" ]; }; then
    py=""
    if [ -n "${PYTHON:-}" ]; then
        py="$(python_ok "$PYTHON" 3 11)" || die "PYTHON=$PYTHON is not a Python >= 3.11 with venv and ensurepip"
    else
        for cand in python3 python3.13 python3.12 python3.11; do
            py="$(python_ok "$cand" 3 11)" && break
            py=""
        done
        if [ -z "$py" ] && python_ok_version=$(/usr/bin/python3 -c 'import sys; print(sys.version_info >= (3, 11))' 2>/dev/null) \
            && [ "$python_ok_version" = True ]; then
            apt_install python3-venv # Debian's python3 lacks venv/ensurepip until this is installed
            py="$(python_ok /usr/bin/python3 3 11)" || py=""
        fi
        [ -n "$py" ] || die "no Python >= 3.11 with the venv module found (set PYTHON=/path/to/python3.11+)"
    fi
    say "creating .venv with $py"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" >"$LOGS/bootstrap-venv.log" 2>&1 || die "could not create .venv (see $LOGS/bootstrap-venv.log)"
    printf '%s\n' "${PYTHON:-}" >"$VENV/.gophertok-python"
fi

if [ "$(cat "$VENV/.gophertok-stamp" 2>/dev/null)" != "$venv_stamp" ]; then
    say "installing requirements-dev.txt into .venv (log: .state/logs/bootstrap-pip.log)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements-dev.txt \
        >"$LOGS/bootstrap-pip.log" 2>&1 || pip_failed "requirements-dev.txt into .venv" "$LOGS/bootstrap-pip.log"
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    # Makes `import gophertok` (the layer) and `import gophertok_local` (infra tooling) work without sys.path hacks.
    printf '%s\n' "$pth_lines" >"$site/gophertok-local.pth"
    printf '%s\n' "$venv_stamp" >"$VENV/.gophertok-stamp"
fi

if [ -n "$ls_pid" ]; then
    if wait "$ls_pid"; then
        printf 'localstack\n' >"$EMULATOR_FILE"
        say "LocalStack installed"
    else
        grep -E '^(ERROR|error):' "$LOGS/bootstrap-localstack.log" | tail -n 3 | sed 's/^/  /' >&2 || true
        say "warning: LocalStack could not be installed (see .state/logs/bootstrap-localstack.log): moto server will be the AWS emulator"
        printf 'moto\n' >"$EMULATOR_FILE"
    fi
fi
