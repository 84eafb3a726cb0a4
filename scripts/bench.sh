#!/usr/bin/env bash
# The benchmark command (docs/performance.md): builds the release binary and, with gcc, the C floor, the libmodbus
# stand-in and the counting subscriber under .build/bench (apt: libmodbus-dev, next to what scripts/setup.sh
# installs), plus two empty Swift programs for the memory baseline; then runs `pro380-mqtt bench compare` (the bridge
# against the floor; the plot goes to .build/bench/meters.svg) and `pro380-mqtt bench wire` (bus-busy time on paced
# lines). Arguments go to `bench compare` (--quick for a short run, --json for tracking). About 8 minutes here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for pkg in libmodbus-dev gcc; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p .build/bench
flags="-O2 -Wall -Wextra $(pkg-config --cflags libmodbus libmosquitto)"
libs="$(pkg-config --libs libmodbus libmosquitto) -lm"
for program in floor standin counter; do
    # shellcheck disable=SC2086
    gcc $flags -o ".build/bench/$program" "Benchmarks/floor/$program.c" $libs
done
for program in empty-swift empty-foundation; do
    swiftc -O -o ".build/bench/$program" "Benchmarks/baseline/$program.swift"
done
swift build -c release --product pro380-mqtt

quick=()
json=false
for argument in "$@"; do
    case "$argument" in
        --quick) quick=(--warmup 2 --window 4 --rounds 1 --sweep 1,2,5,10) ;;
        --json) json=true ;;
    esac
done
args=()
for argument in "$@"; do [ "$argument" = "--quick" ] || args+=("$argument"); done

.build/release/pro380-mqtt bench compare "${quick[@]}" "${args[@]}"
if [ "$json" = true ]; then
    .build/release/pro380-mqtt bench wire --json
else
    echo
    echo "wire time: the bridge polling flat out on a paced line (11 bits a character, 5 ms turnaround)"
    .build/release/pro380-mqtt bench wire
fi
