#!/usr/bin/env bash
# The benchmark command (docs/performance.md): builds the release binary (scripts/build-release.sh, the shipped
# build) and, with gcc, the C floor, the libmodbus stand-in and the counting subscriber under .build/bench (apt:
# libmodbus-dev, next to what scripts/setup.sh installs), plus two empty Swift programs for the memory baseline
# (static runtime, like the release binary); then runs `pro380-mqtt bench compare` (the bridge against the floor; the
# plot goes to .build/bench/meters.svg) and `pro380-mqtt bench wire` (bus-busy time on paced lines). Arguments go to
# `bench compare` (--quick for a short run, --json for tracking). About 10 minutes here.
# --deadmeter adds `bench deadmeter` (a dead meter among 7 on a paced line, about 4 minutes), --scale adds
# `bench scale` (100 to 1000 meters behind Modbus TCP gateways and a growth run, about 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
for argument in "$@"; do
    case "$argument" in
        -h | --help)
            cat <<'USAGE'
usage: scripts/bench.sh [--quick] [--deadmeter] [--scale] [--json] [bench compare options]

Builds the C tools of Benchmarks/floor (the floor, the libmodbus stand-in, the counting subscriber) with
`gcc -O2` against libmodbus and libmosquitto (pkg-config) into .build/bench, installing gcc and libmodbus-dev with
apt when missing; two empty Swift programs (the memory baseline); and the release binary
(scripts/build-release.sh). Then runs `pro380-mqtt bench compare` (the bridge against the C floor) and `pro380-mqtt bench wire`
(bus-busy time on paced lines). About 10 minutes; --quick about 4.
  --quick       short windows, one round, a sweep of 1, 2, 5 and 10 meters
  --deadmeter   also `bench deadmeter` (a dead meter among 7 on a paced line, about 4 minutes)
  --scale       also `bench scale` (100 to 1000 meters behind Modbus TCP gateways and a growth run, about 10 minutes)
  --json        every report as JSON, for tracking
Any other option goes to `bench compare` (`pro380-mqtt bench compare --help` lists them). docs/performance.md
explains the figures.
USAGE
            exit 0
            ;;
    esac
done
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
    swiftc -O -static-stdlib -o ".build/bench/$program" "Benchmarks/baseline/$program.swift"
done
scripts/build-release.sh

quick=()
json=false
deadmeter=false
scale=false
args=()
for argument in "$@"; do
    case "$argument" in
        --quick) quick=(--warmup 10 --window 4 --rounds 1 --sweep 1,2,5,10) ;;
        --deadmeter) deadmeter=true ;;
        --scale) scale=true ;;
        *) args+=("$argument") ;;
    esac
    if [ "$argument" = "--json" ]; then json=true; fi
done

.build/release/pro380-mqtt bench compare "${quick[@]}" "${args[@]}"
if [ "$json" = true ]; then
    .build/release/pro380-mqtt bench wire --json
else
    echo
    echo "wire time: the bridge polling flat out on a paced line (11 bits a character, 5 ms turnaround)"
    .build/release/pro380-mqtt bench wire
fi
for extra in deadmeter scale; do
    [ "${!extra}" = true ] || continue
    if [ "$json" = true ]; then
        nice .build/release/pro380-mqtt bench "$extra" --json
    else
        echo
        nice .build/release/pro380-mqtt bench "$extra"
    fi
done
