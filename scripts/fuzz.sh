#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Sources, every module instrumented with -sanitize=fuzzer,address) and runs one
# target, or each in turn, for RUNS inputs (default 10000).
#
# Usage: scripts/fuzz.sh TARGET|all [RUNS] [libFuzzer flags...]
#   targets: modbus-rtu modbus-tcp mbus-frame mbus-variable-data iec62056-data-block config-yaml command-payload
#   e.g.  scripts/fuzz.sh all 3000                  # the short pass scripts/test.sh runs
#         scripts/fuzz.sh mbus-frame 10000000 -jobs=1
#
# Seeds: Fuzz/Corpus/TARGET (committed, read only). New inputs go to .build-fuzz/corpus/TARGET, crashes to
# .build-fuzz/artifacts/TARGET/ (the script fails and prints the reproducer). Reproduce one with
#   SWIFT_BACKTRACE=enable=no PRO380_FUZZ_TARGET=TARGET .build-fuzz/release/pro380-fuzz CRASH_FILE
# PRO380_FUZZ_SANITIZERS=fuzzer builds without AddressSanitizer (faster, fewer findings);
# PRO380_FUZZ_CONFIGURATION=debug builds without optimization (quicker to build, slower to run).
set -euo pipefail
cd "$(dirname "$0")/.."
targets_all=(modbus-rtu modbus-tcp mbus-frame mbus-variable-data iec62056-data-block config-yaml command-payload)
target=${1:?"usage: scripts/fuzz.sh TARGET|all [RUNS] [libFuzzer flags...] (targets: ${targets_all[*]})"}
runs=${2:-10000}
shift $(($# < 2 ? $# : 2))

scratch=.build-fuzz
sanitizers=${PRO380_FUZZ_SANITIZERS:-fuzzer,address}
configuration=${PRO380_FUZZ_CONFIGURATION:-release}
# lld: gold fails to link AddressSanitizer's Swift objects here ("internal error in format_file_lineno").
PRO380_FUZZ=1 swift build -c "$configuration" --scratch-path "$scratch" --product pro380-fuzz \
    -Xswiftc "-sanitize=$sanitizers" -Xswiftc -use-ld=lld 2>&1 | grep -v -E "^\[[0-9]+/[0-9]+\]" || true
binary="$scratch/$configuration/pro380-fuzz"
[ -x "$binary" ] || { echo "fuzz: build failed"; exit 1; }

if [ "$target" = all ]; then targets=("${targets_all[@]}"); else targets=("$target"); fi
failed=0
passed=0
for name in "${targets[@]}"; do
    [ -d "Fuzz/Corpus/$name" ] || { echo "fuzz: unknown target $name (targets: ${targets_all[*]})"; exit 2; }
    work="$scratch/corpus/$name"
    artifacts="$scratch/artifacts/$name/"
    mkdir -p "$work" "$artifacts"
    log="$scratch/$configuration-$name.log"
    # The Swift runtime's crash backtracer would stall a crashing run; libFuzzer and ASan report crashes.
    if PRO380_FUZZ_TARGET="$name" SWIFT_BACKTRACE=enable=no "$binary" -runs="$runs" -max_len=4096 -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$artifacts" "$@" "$work" "Fuzz/Corpus/$name" \
        >"$log" 2>&1; then
        executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        seconds=$(grep -o '^Done [0-9]* runs in [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
        # libFuzzer reports 0 exec/s for a run shorter than a second.
        [ "$seconds" = 0 ] && speed=">$executed"
        echo "fuzz: $name: $executed inputs in $seconds s ($speed exec/s), $coverage, no crash"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "fuzz: $name: FAILED (log: $log)"
        grep -E "ERROR|SUMMARY|Test unit written|Base64|panic|Fatal error" "$log" | head -20
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
