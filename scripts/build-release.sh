#!/usr/bin/env bash
# Builds the release binary the one way every script and the README use (demo.sh, bench.sh, install.sh,
# outbox-soak.sh), so the shipped, benchmarked and demonstrated binary are one build (and one build folder: SwiftPM
# rebuilds every module when the flags change):
#   --static-swift-stdlib        the Swift runtime and Foundation linked in: no toolchain needed to run it, and
#                                3.5 MiB less RSS than the shared libraries (docs/performance.md, "Where the memory goes")
#   lld, pack-relative-relocs    the toolchain's lld with DT_RELR relocations (glibc 2.36+, Debian 12): the
#                                position-independent binary's 2.2 MiB relocation table shrinks to 37 KiB, about
#                                2.5 MiB less RSS
#   -function-sections           every Swift function in a section of its own (the Swift compiler puts most of a
#                                file's functions in one .text otherwise), so the linker can place them one by one
#   --symbol-ordering-file       Benchmarks/symbol-order.txt (scripts/make-symbol-order.sh makes it): the functions
#                                the running bridge uses, packed together, so that the code pages it keeps resident
#                                hold little else (the kernel maps 64 KiB around every page touched); with the
#                                start-up page release about 15 MiB less RSS (docs/performance.md)
#   scripts/rodata-split.ld      a linker script that keeps .rodata read-only: the Swift compiler marks some of its
#                                .rodata inputs writable, which made all 36 MiB of it one writable mapping that the
#                                page release must leave alone; about 1 MiB less RSS (docs/performance.md)
# Extra arguments go to `swift build` (e.g. --scratch-path). The binary is .build/release/pro380-mqtt.
set -euo pipefail
cd "$(dirname "$0")/.."
order="$PWD/Benchmarks/symbol-order.txt"
split="$PWD/scripts/rodata-split.ld"
# SwiftPM does not relink when only the order file or the linker script changed: drop the binary so that it does.
stamp=.build/link-inputs.sha256
if ! sha256sum --status -c "$stamp" 2>/dev/null; then rm -f .build/release/pro380-mqtt; fi
swift build -c release --product pro380-mqtt --static-swift-stdlib \
    -Xswiftc -Xfrontend -Xswiftc -function-sections \
    -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
    -Xlinker --symbol-ordering-file="$order" -Xlinker --no-warn-symbol-ordering \
    -Xlinker -T -Xlinker "$split" "$@"
sha256sum "$order" "$split" >"$stamp"
