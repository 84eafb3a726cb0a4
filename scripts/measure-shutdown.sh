#!/usr/bin/env bash
# Measures how long `pro380-mqtt run` takes to exit when SIGTERM arrives while the broker goes away at the same
# moment (a host shutdown): ten simulated Modbus TCP meters polled every 100 ms, a local mosquitto, then SIGTERM to
# the broker and the bridge together. Repeats RUNS times (default 10) and prints each exit time and the maximum.
# A bridge still alive LIMIT seconds (default 30) after the signal counts as hung and is killed.
# Usage: scripts/measure-shutdown.sh [RUNS] [LIMIT]     (uses .build/debug/pro380-mqtt, building it if missing)
# PRO380_SHUTDOWN_GDB=1 prints the threads' stacks of a hung bridge (gdb) before killing it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
limit=${2:-30}
binary=${PRO380_BINARY:-.build/debug/pro380-mqtt}
[ -x "$binary" ] || swift build --product pro380-mqtt
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
now_ms() { date +%s%3N; }

meter_port=$(free_port)
"$binary" simulate --modbus-tcp "127.0.0.1:$meter_port" --meters 10 --log-level warning >"$work/simulator.log" 2>&1 &
pids+=($!)
wait_for 30 listening "$meter_port" || { echo "simulator not listening"; exit 1; }

times=()
hung=0
for run in $(seq 1 "$runs"); do
    broker_port=$(free_port)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser %s\n' "$broker_port" "$(id -un)" \
        >"$work/mosquitto.conf"
    /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
    broker=$!
    pids+=("$broker")
    wait_for 10 listening "$broker_port" || { echo "broker not listening"; exit 1; }
    {
        printf 'mqtt: {host: 127.0.0.1, port: %s, client_id: shutdown-%s}\ndiagnostics_interval: 1s\n' \
            "$broker_port" "$run"
        printf 'homeassistant: {enabled: true}\nbuses:\n  - name: gateway\n'
        printf '    modbus_tcp: {host: 127.0.0.1, port: %s}\n    timeout: 1s\n    meters:\n' "$meter_port"
        for unit in $(seq 1 10); do
            printf '      - {name: m%s, address: %s, groups: {instantaneous: 100ms, energy: 100ms, identity: 100ms}}\n' \
                "$unit" "$unit"
        done
    } >"$work/bridge.yaml"
    "$binary" run --config "$work/bridge.yaml" --log-level info >"$work/bridge-$run.log" 2>&1 &
    bridge=$!
    pids+=("$bridge")
    # Readings flowing: the broker has seen the bridge connect and the bridge has polled for a while.
    wait_for 30 grep -qs "connected to the broker" "$work/bridge-$run.log" || {
        echo "run $run: bridge did not connect"
        cat "$work/bridge-$run.log"
        exit 1
    }
    sleep "${PRO380_SHUTDOWN_SETTLE:-2}"
    start=$(now_ms)
    kill -TERM "$broker" "$bridge"
    deadline=$((start + limit * 1000))
    while kill -0 "$bridge" 2>/dev/null && [ "$(now_ms)" -lt $deadline ]; do sleep 0.02; done
    if kill -0 "$bridge" 2>/dev/null; then
        hung=$((hung + 1))
        echo "run $run: still running after ${limit}s (threads: $(ls /proc/$bridge/task | wc -l)); killed"
        if [ -n "${PRO380_SHUTDOWN_GDB:-}" ]; then gdb -p "$bridge" -batch -ex "thread apply all bt 12" 2>&1 | grep -E "^(Thread|#)" ; fi
        kill -KILL "$bridge"
        grep -v -E "not read:|meter is online|discovery: not published" "$work/bridge-$run.log" | tail -8
    else
        elapsed=$(($(now_ms) - start))
        times+=("$elapsed")
        echo "run $run: exited after ${elapsed} ms"
    fi
    wait "$bridge" 2>/dev/null || true
    wait "$broker" 2>/dev/null || true
done
max=0
for t in "${times[@]}"; do [ "$t" -gt "$max" ] && max=$t; done
echo "shutdown with the broker stopped at the same moment: ${#times[@]} of $runs runs exited, max ${max} ms, $hung hung"
[ "$hung" -eq 0 ]
