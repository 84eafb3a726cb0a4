#!/usr/bin/env bash
# Installs what pro380-mqtt needs on a Debian machine that has the Swift toolchain:
# libmosquitto (the C client the MQTT module wraps) and libssl-dev (OpenSSL's headers: the MQTT module reads a
# failed TLS handshake's verification result), libsqlite3 (the outbox's SQLite, through GRDB), mosquitto (the
# broker the demo and tests start), mosquitto-clients, socat, pkg-config and python3-venv through apt-get (as root
# directly, otherwise through sudo), and with --with-test-peers (scripts/test.sh) the Python test peers of
# scripts/test-peers.txt (pymodbus, pyMeterBus, ...) in a venv under .build/test-venv.
# Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in libmosquitto-dev libssl-dev libsqlite3-dev mosquitto mosquitto-clients socat pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! python3 -m venv --help >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
        echo "setup: ${missing[*]} must be installed with apt-get: run this as root, or install sudo" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--with-test-peers" ]; then
    venv=".build/test-venv"
    requirements="scripts/test-peers.txt"
    stamp="$venv/.installed-$(sha1sum "$requirements" | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        echo "setup: creating the Python test-peer venv in $venv"
        rm -rf "$venv"
        mkdir -p .build
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        touch "$stamp"
    fi
fi
