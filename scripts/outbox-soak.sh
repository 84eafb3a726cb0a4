#!/usr/bin/env bash
# The outbox's long figures (issue 10), printed, not asserted (docs/outbox.md, "Figures"):
#   1. memory through a broker outage: 3 simulated meters polled every second, the broker stopped for OUTAGE
#      seconds (default 600); the bridge's RSS sampled every 10 s (first, last, max, least-squares slope), the
#      backlog on disk, then the drain after the broker returns;
#   2. the acceptance run: OutboxCrashTests with a 60 s outage (KILL_OUTAGE), the bridge killed with SIGKILL in the
#      middle of the outage and again in the middle of the replay; it prints what arrived (per key: polls answered
#      against readings received, order, duplicates, retained values) and fails if anything was lost.
# Usage: scripts/outbox-soak.sh [--outage SECONDS] [--only rss|kill]. BIN overrides the binary (default: a release
# build). Run it under `nice` on a shared machine; about OUTAGE + 2 minutes for 1, 4 minutes for 2.
set -euo pipefail
cd "$(dirname "$0")/.."
outage=600
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --outage) outage="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        *) echo "usage: $0 [--outage SECONDS] [--only rss|kill]" >&2; exit 2 ;;
    esac
done
scripts/setup.sh

rss_soak() {
    if [ -z "${BIN:-}" ]; then
        scripts/build-release.sh >/dev/null
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

    echo "1. RSS through an outage: 3 meters polled every second, broker stopped for ${outage}s ($BIN)"
    printf '%-28s %8s %10s %10s %10s\n' "moment" "RSS MB" "stored" "files MB" "CPU s"
    sleep 30
    row "connected, 30 s in"
    kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
    row "outage start"
    samples="$work/rss.txt"
    : >"$samples"
    for t in $(seq 10 10 "$outage"); do
        sleep 10
        echo "$t $(rss)" >>"$samples"
        if [ $((t % 60)) = 0 ] || [ "$t" = "$outage" ]; then row "outage +${t}s"; fi
    done
    start_broker
    row "broker back"
    back=$(date +%s)
    for _ in $(seq 1 900); do
        sleep 1
        stored=$(depth)
        if [ "$stored" != "?" ] && [ "$stored" -lt 500 ]; then break; fi
    done
    row "backlog delivered ($(($(date +%s) - back)) s)"
    sleep 30
    row "30 s later"
    # First, last, max; the least-squares slope over the whole outage and over its second half (SQLite's page cache
    # and the allocator settle in the first minutes).
    awk -v outage="$outage" '
        function slope(from,   i, n, sx, sy, sxx, sxy) {
            for (i = 1; i <= count; i++) if (t[i] >= from) { n++; sx += t[i]; sy += r[i]; sxx += t[i] * t[i]; sxy += t[i] * r[i] }
            return n < 2 ? 0 : (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60
        }
        { count++; t[count] = $1; r[count] = $2; if (count == 1 || $2 > max) max = $2 }
        END {
            printf "RSS over the outage, %d samples every 10 s: first %.1f MB, last %.1f MB, max %.1f MB; slope %+.3f MB/min (second half %+.3f MB/min)\n",
                count, r[1], r[count], max, slope(0), slope(outage / 2)
        }' "$samples"
    grep -iE "outbox|replay|wait" "$work/bridge.log" | tail -4 | sed 's/^/bridge log: /' || true
    cleanup
    trap - EXIT
}

kill_run() {
    echo
    echo "2. OutboxCrashTests with a ${KILL_OUTAGE:-60} s outage (3 meters every 1 s; SIGKILL mid-outage and mid-replay):"
    swift build --build-tests >/dev/null
    PRO380_OUTBOX_OUTAGE="${KILL_OUTAGE:-60}" swift test --skip-build --no-parallel --filter OutboxCrashTests 2>&1 |
        grep -E "^outbox figures|^  |✔|✘|passed after|failed after" | grep -v "started" | tail -40
}

case "$only" in
    rss) rss_soak ;;
    kill) kill_run ;;
    "") rss_soak; kill_run ;;
    *) echo "--only takes rss or kill" >&2; exit 2 ;;
esac
