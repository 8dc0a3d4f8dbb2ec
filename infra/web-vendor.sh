#!/usr/bin/env bash
# Vendor Swagger UI (npm swagger-ui-dist, which renders OpenAPI 3.1) into build/vendor/swagger-ui-dist,
# a git-ignored folder the local API serves at /docs. npm checks the tarball's registry integrity hash.
# Nothing is fetched at run time. Idempotent: a second run only reads the stamp.
set -euo pipefail
VERSION=5.35.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/build/vendor/swagger-ui-dist"
[ "$(cat "$DEST/.version" 2>/dev/null)" = "$VERSION" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "web-vendor: apt-get install npm"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "web-vendor: npm pack swagger-ui-dist@$VERSION"
(cd "$work" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tar -xzf "$work/swagger-ui-dist-$VERSION.tgz" -C "$work"
rm -rf "$DEST"
mkdir -p "$DEST"
for file in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png favicon-16x16.png LICENSE NOTICE; do
    cp "$work/package/$file" "$DEST/"
done
printf '%s\n' "$VERSION" >"$DEST/.version"
