#!/usr/bin/env bash
# Builds the release binary the one way every script and the README use (demo.sh, bench.sh, install.sh,
# outbox-soak.sh): static Swift runtime and Foundation (`--static-swift-stdlib`), so the shipped, benchmarked and
# demonstrated binary are the same build, and needs no Swift toolchain to run. One flag set also means one build:
# SwiftPM rebuilds every module when the flags change. Prints nothing but the build's own output; the binary is
# .build/release/pro380-mqtt. docs/performance.md ("Where the memory goes") has what the static runtime saves.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --product pro380-mqtt --static-swift-stdlib "$@"
