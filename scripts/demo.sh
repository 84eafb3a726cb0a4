#!/usr/bin/env bash
# The demo command of the README: installs what the bridge needs, builds it and runs `pro380-mqtt demo`, which
# starts a local mosquitto on a free port, the built-in PRO380 simulator on a pseudo-terminal and the bridge,
# and prints the values as they come back from the broker. Extra arguments go to `pro380-mqtt demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-release.sh
exec .build/release/pro380-mqtt demo "$@"
