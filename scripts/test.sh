#!/usr/bin/env bash
# The test command of the README: installs what the tests need, runs every test target with `swift test`, then a
# short pass of every fuzz target (scripts/fuzz.sh; skipped when arguments select tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-peers
export PRO380_TEST_PYTHON="$PWD/.build/test-venv/bin/python"
# Style first (seconds): the house format, as configured in .swift-format.
swift format lint --strict --recursive Sources Tests Fuzz/Sources
swift build --build-tests
# One test at a time (about five minutes on two cores): many tests talk to real brokers, ptys and scripted peers
# with reply timeouts, and on a 2-core machine 300 of them at once starve each other into false timeouts.
swift test --skip-build --no-parallel "$@"
# A short fuzzing pass: 3000 inputs per target on a debug build with AddressSanitizer in .build-fuzz (about a
# minute to build); a crash fails it. scripts/fuzz.sh without the variable builds optimized, for long runs.
if [ $# -eq 0 ]; then PRO380_FUZZ_CONFIGURATION=debug scripts/fuzz.sh all 3000; fi
