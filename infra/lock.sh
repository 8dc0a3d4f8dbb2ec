#!/usr/bin/env bash
# Regenerate the hashed lock files from their .in sources (`make lock`; `make lock UPGRADE=1` moves every
# unpinned transitive dependency to its newest release). Needs PyPI. Order matters: the layers are locked
# for Lambda first (CPython 3.12, manylinux x86_64, so the hashes cover the wheels `make package` and
# `sam build` install), then the dev lock, constrained by the layers' locks so both agree on every shared
# package. tests/unit/test_lock_files.py checks that the .in files and the locks agree.
set -euo pipefail
cd "$(dirname "$0")/.."

UV="${UV:-.venv/bin/uv}"
[ -x "$UV" ] || command -v "$UV" >/dev/null 2>&1 || { echo "lock: $UV not found: run make bootstrap" >&2; exit 1; }
extra=()
[ -n "${UPGRADE:-}" ] && extra+=(--upgrade)

compile() {
    "$UV" pip compile --quiet --generate-hashes --python-version 3.12 --custom-compile-command "make lock" \
        "${extra[@]}" "$@"
}

lambda=(--python-platform x86_64-manylinux_2_28)
compile "${lambda[@]}" layers/gophertok/requirements.in -o layers/gophertok/python/requirements.txt
compile "${lambda[@]}" layers/ffmpeg/requirements.in -o layers/ffmpeg/requirements.txt
# The dev lock is universal (Linux, macOS, Windows markers) so a laptop can install it too.
compile --universal requirements-dev.in -o requirements-dev.txt
echo "lock: requirements-dev.txt, layers/gophertok/python/requirements.txt, layers/ffmpeg/requirements.txt"
