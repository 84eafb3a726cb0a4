#!/usr/bin/env bash
# Builds the release binary the one way every script and the README use (demo.sh, bench.sh, install.sh,
# outbox-soak.sh), so the shipped, benchmarked and demonstrated binary are one build (and one build folder: SwiftPM
# rebuilds every module when the flags change):
#   --static-swift-stdlib        the Swift runtime and Foundation linked in: no toolchain needed to run it, and
#                                3.5 MiB less RSS than the shared libraries (docs/performance.md, "Where the memory goes")
#   lld, pack-relative-relocs    the toolchain's lld with DT_RELR relocations (glibc 2.36+, Debian 12): the
#                                position-independent binary's 2.2 MiB relocation table shrinks to 37 KiB, about
#                                2.5 MiB less RSS
# Extra arguments go to `swift build` (e.g. --scratch-path). The binary is .build/release/pro380-mqtt.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --product pro380-mqtt --static-swift-stdlib \
    -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs "$@"
