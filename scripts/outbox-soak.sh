#!/usr/bin/env bash
# The outbox's long figures (issue 10), printed, not asserted:
#   1. memory through a broker outage: the bridge's RSS at the start, middle and end of an outage of OUTAGE seconds
#      (default 600) while 3 simulated meters are polled every second, then after the backlog drained;
#   2. with --kill-test: the acceptance test with a 60 s outage (bridge killed with SIGKILL mid-outage and
#      mid-replay), i.e. OutboxCrashTests with PRO380_OUTBOX_OUTAGE=60.
# Usage: scripts/outbox-soak.sh [--outage SECONDS] [--kill-test]. BIN overrides the binary (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
outage=600
kill_test=0
while [ $# -gt 0 ]; do
    case "$1" in
        --outage) outage="$2"; shift 2 ;;
        --kill-test) kill_test=1; shift ;;
        *) echo "usage: $0 [--outage SECONDS] [--kill-test]" >&2; exit 2 ;;
    esac
done
scripts/setup.sh
if [ -z "${BIN:-}" ]; then
    swift build -c release --product pro380-mqtt >/dev/null
    BIN=.build/release/pro380-mqtt
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/pro380-soak.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

broker_port=$(free_port)
sim_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser %s\n' "$broker_port" "$(id -un)" >"$work/mosquitto.conf"
start_broker() { /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 & broker_pid=$!; pids+=("$broker_pid"); sleep 1; }
start_broker
"$BIN" simulate --modbus-tcp "127.0.0.1:$sim_port" --meters 3 --log-level error >"$work/sim.log" 2>&1 &
pids+=($!)
cat >"$work/bridge.yaml" <<YAML
mqtt: {host: 127.0.0.1, port: $broker_port, client_id: soak}
outbox: {path: $work/outbox.sqlite, replay_rate: 1000}
diagnostics_interval: 10s
buses:
  - name: sim
    modbus_tcp: {host: 127.0.0.1, port: $sim_port}
    meters:
      - {name: m1, address: 1, interval: 1s}
      - {name: m2, address: 2, interval: 1s}
      - {name: m3, address: 3, interval: 1s}
YAML
sleep 1
"$BIN" run --config "$work/bridge.yaml" --log-level notice >"$work/bridge.log" 2>&1 &
bridge=$!
pids+=("$bridge")

rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$bridge/status"; }
cpu() { awk '{printf "%.1f", ($14+$15)/100}' "/proc/$bridge/stat"; }
depth() {
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM message").fetchone()[0])' \
        "$work/outbox.sqlite" 2>/dev/null || echo "?"
}
files() { du -ck "$work"/outbox.sqlite* 2>/dev/null | awk 'END {printf "%.1f", $1/1024}'; }
row() { printf '%-28s %8s %10s %10s %10s\n' "$1" "$(rss)" "$(depth)" "$(files)" "$(cpu)"; }

echo "outbox soak: 3 meters polled every second, broker outage of ${outage}s ($BIN)"
printf '%-28s %8s %10s %10s %10s\n' "moment" "RSS MB" "stored" "files MB" "CPU s"
sleep 30
row "connected, 30 s in"
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
row "outage start"
step=$((outage / 4))
for quarter in 1 2 3 4; do
    sleep "$step"
    row "outage +$((quarter * step))s"
done
start_broker
row "broker back"
for _ in $(seq 1 600); do
    sleep 1
    stored=$(depth)
    if [ "$stored" != "?" ] && [ "$stored" -lt 500 ]; then break; fi
done
row "backlog delivered"
sleep 30
row "30 s later"

if [ "$kill_test" = 1 ]; then
    echo
    echo "acceptance test with a 60 s outage (OutboxCrashTests, PRO380_OUTBOX_OUTAGE=60):"
    swift build --build-tests >/dev/null
    PRO380_OUTBOX_OUTAGE=60 swift test --skip-build --no-parallel --filter OutboxCrashTests 2>&1 | grep -E "✔|✘|passed|failed" | tail -5
fi
