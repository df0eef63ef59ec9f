#!/usr/bin/env bash
# Provides a Chromium that speaks Device Bound Session Credentials, for test/dbsc-browser.e2e-spec.ts,
# and prints its binary's path on stdout (everything else goes to stderr).
#
# Why not /usr/bin/chromium: Debian's Chromium 156 silently ignores the Secure-Session-Registration
# header whatever the flags (see docs/dbsc.md, "Browser support"); Debian's 150 build, still in
# bookworm main, runs the whole protocol with software keys. It is only unpacked, never installed
# (the system package is left alone), and runs on the libraries the system's chromium package brings.
#
# Idempotent: a second run only prints the path. The cache lives outside the repository:
# $NEST_SESSIONS_CACHE (default: $XDG_CACHE_HOME or ~/.cache, then /nest-sessions), about 340 MB.
# Another build: DBSC_CHROMIUM_VERSION=<Debian version of the chromium package>.
set -euo pipefail

VERSION="${DBSC_CHROMIUM_VERSION:-150.0.7871.100-1~deb12u1}"
CACHE="${NEST_SESSIONS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nest-sessions}"
DIR="$CACHE/chromium-${VERSION%%-*}"
BINARY="$DIR/root/usr/lib/chromium/chromium"

if [ -x "$BINARY" ] && [ -f "$DIR/.complete" ]; then
  echo "$BINARY"
  exit 0
fi

as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"

# apt-get download fetches into the current directory and needs the version in the package lists.
download() {
  (cd "$DIR/debs" && apt-get download -qq "chromium=$VERSION" "chromium-common=$VERSION") >&2
}

rm -rf "$DIR"
mkdir -p "$DIR/debs"
if ! download; then
  echo "Refreshing the package lists, then trying again" >&2
  $as_root apt-get update -qq >&2
  if ! download; then
    echo "chromium=$VERSION is not in this machine's Debian mirrors any more ('apt-cache policy chromium' lists what is)." >&2
    echo "Pick a Chromium release that registers DBSC sessions (149 or 150 did; 154-156 ignore the header)" >&2
    echo "and set DBSC_CHROMIUM_VERSION, or point DBSC_CHROMIUM at such a binary." >&2
    rm -rf "$DIR"
    exit 1
  fi
fi

for deb in "$DIR"/debs/*.deb; do
  dpkg-deb -x "$deb" "$DIR/root"
done
rm -rf "$DIR/debs"
if [ ! -x "$BINARY" ]; then
  echo "The packages unpacked, but $BINARY is missing" >&2
  exit 1
fi
touch "$DIR/.complete"
echo "$BINARY"
