#!/usr/bin/env bash
# Regenerates Benchmarks/symbol-order.txt, the order in which the release link (scripts/build-release.sh) places
# functions: the ones the running bridge uses first and together, so the pages it keeps resident hold little else.
# Why: the kernel maps 64 KiB around every code page a process touches (fault-around), so a hot path scattered over
# the 22 MiB of code keeps about 8 MiB resident; packed together it is a fraction (docs/performance.md, "Where the
# memory goes"). Symbols that no longer exist are skipped by the linker, so a stale order costs only memory.
#
# How: (1) `perf record` samples the bridge polling one simulated meter (QoS 0 and 1, every 100 ms and flat out):
# the sampled functions, hottest first; (2) rounds of: link with the order, run the bridge, record the page faults
# in its code after its start-up release (`ResidentPageRelease`) and append the functions they land in. Needs perf
# (apt: linux-perf), mosquitto and about 10 minutes. Run it after a change to the hot path and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v perf >/dev/null || { echo "make-symbol-order: perf is needed (apt-get install linux-perf)" >&2; exit 1; }
ORDER="$PWD/Benchmarks/symbol-order.txt"
BIN=.build/release/pro380-mqtt
WORK=$(mktemp -d /tmp/symbol-order.XXXX)
trap 'rm -rf "$WORK"' EXIT
ROUNDS=${ROUNDS:-3}

relink() { rm -f "$BIN"; scripts/build-release.sh >/dev/null; cp "$BIN" "$WORK/bridge"; }

# run_bridge QOS INTERVAL_MS SECONDS PERF_ARGS...: the bridge (a copy, so the simulator's pages are its own) polls one
# simulated meter into a private mosquitto while `perf record PERF_ARGS` watches it for SECONDS, from its 3rd second.
run_bridge() {
    local qos=$1 interval=$2 seconds=$3
    shift 3
    local port=$((20000 + RANDOM % 20000))
    printf 'listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n' \
        "$port" >"$WORK/mosquitto.conf"
    mosquitto -c "$WORK/mosquitto.conf" >/dev/null 2>&1 &
    local broker=$!
    "$BIN" simulate --modbus-tcp "127.0.0.1:$((port + 1))" --meters 1 >/dev/null 2>&1 &
    local simulator=$!
    sleep 1
    mosquitto_sub -p "$port" -t 'order/#' -q "$qos" >/dev/null &
    local subscriber=$!
    cat >"$WORK/bridge.yaml" <<YAML
mqtt: {host: 127.0.0.1, port: $port, client_id: symbol-order, base_topic: order, qos: $qos}
outbox: {path: $WORK/outbox.sqlite}
homeassistant: {enabled: false}
buses:
  - name: gateway
    modbus_tcp: {host: 127.0.0.1, port: $((port + 1))}
    meters:
      - {name: m1, address: 1}
YAML
    rm -f "$WORK"/outbox.sqlite*
    "$WORK/bridge" bench bridge --config "$WORK/bridge.yaml" --interval-ms "$interval" 2>/dev/null &
    local bridge=$!
    sleep 3
    perf record -q -p "$bridge" "$@" -- sleep "$seconds" >/dev/null 2>&1
    kill -INT "$bridge"
    wait "$bridge" 2>/dev/null || true
    kill "$subscriber" "$simulator" "$broker" 2>/dev/null || true
    wait 2>/dev/null || true
}

relink
echo "make-symbol-order: sampling the hot path"
for run in "0 100 40" "1 100 40" "0 0 30" "1 0 30"; do
    # shellcheck disable=SC2086
    run_bridge $run -e cpu-clock -F 20000 -o "$WORK/samples.data"
    perf report -i "$WORK/samples.data" --no-children --no-demangle --sort dso,sym --stdio 2>/dev/null |
        awk -v bin="bridge" '$2 == bin && $3 == "[.]" && $4 !~ /^0x/ { sub("%", "", $1); print $1, $4 }' \
            >>"$WORK/samples.txt"
done
python3 - "$WORK/samples.txt" >"$ORDER" <<'PY'
import sys
weights = {}
for line in open(sys.argv[1]):
    share, symbol = line.split()
    weights[symbol] = weights.get(symbol, 0.0) + float(share)
print("\n".join(sorted(weights, key=lambda s: (-weights[s], s))))
PY
echo "make-symbol-order: $(wc -l <"$ORDER") sampled functions"

for round in $(seq 1 "$ROUNDS"); do
    relink
    : >"$WORK/faulted.txt"
    for qos in 0 1; do
        run_bridge "$qos" 100 45 -e page-faults -c 1 -d -o "$WORK/faults.data"
        python3 - "$WORK/faults.data" "$WORK/bridge" >>"$WORK/faulted.txt" <<'PY'
import bisect, re, subprocess, sys
data, binary = sys.argv[1:3]
def run(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout
# The code segment's place in memory (the mmap event) and in the file (its LOAD header).
mapped = None
for line in run("perf", "script", "-i", data, "--show-mmap-events").splitlines():
    m = re.search(r"\[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (0x[0-9a-f]+|0) .*r-xp " + re.escape(binary) + "$", line)
    if m:
        mapped = (int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16))
        break
if mapped is None:
    sys.exit(0)
start, size, file_offset = mapped
segment = next(l.split() for l in run("readelf", "-lW", binary).splitlines() if l.strip().startswith("LOAD") and "R E" in l)
segment_offset, segment_address = int(segment[1], 16), int(segment[2], 16)
symbols = []
for line in run("nm", "-n", "--defined-only", binary).splitlines():
    fields = line.split(None, 2)
    if len(fields) == 3 and fields[1] in "tTwW":
        symbols.append((int(fields[0], 16), fields[2]))
addresses = [address for address, _ in symbols]
seen = set()
for field in run("perf", "script", "-i", data, "-F", "addr").split():
    address = int(field, 16)
    if start <= address < start + size:
        index = bisect.bisect_right(addresses, address - start + file_offset - segment_offset + segment_address) - 1
        if index >= 0 and symbols[index][1] not in seen:
            seen.add(symbols[index][1])
            print(symbols[index][1])
PY
    done
    added=$(grep -v -x -F -f "$ORDER" "$WORK/faulted.txt" | awk '!seen[$0]++' | tee -a "$ORDER" | wc -l)
    echo "make-symbol-order: round $round: $added functions faulted in outside the order"
done
relink
echo "make-symbol-order: $(wc -l <"$ORDER") functions in $ORDER"
