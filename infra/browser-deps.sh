#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/browser). Playwright drives it through
# executable_path; its own browser download is never used. Idempotent.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "browser-deps: need root or sudo to install chromium" >&2; exit 1; }
    sudo=sudo
fi
LOG="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.state/logs/browser-deps.log"
mkdir -p "$(dirname "$LOG")"
echo "browser-deps: apt-get install chromium (log: .state/logs/browser-deps.log)"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOG" 2>&1
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >>"$LOG" 2>&1 \
    || { echo "browser-deps: apt-get install chromium failed (see $LOG)" >&2; exit 1; }
