#!/usr/bin/env bash
# MCP stdio: N (default 1,000) sequential tools/call round trips against the
# same server — the reference @modelcontextprotocol/server-filesystem on Node
# reading a small file — driven by `webox mcp call --repeat N` and by the
# official TypeScript SDK client (bench/mcp_sdk_client.mjs). Both from the
# start of the process to its end (spawn, initialize, the calls, shutdown),
# RUNS times each; the per-call figure subtracts a run of 1 call.
# Target: webox at least as fast as the SDK.
# Needs scripts/install-test-deps.sh (npm) and a built webox.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_setup mcp
calls=${CALLS:-1000}
runs=${RUNS:-5}
deps=${WEBOX_TEST_DEPS_DIR:-$HOME/.cache/webox-test-deps}
scripts/install-test-deps.sh "$deps"
server=$deps/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js
[ -f "$server" ] || { echo "mcp_calls: $server is missing (npm could not install it)" >&2; exit 1; }
cp bench/mcp_sdk_client.mjs "$deps/"
mkdir -p "$work/root" "$work/config/webox"
printf '# a small file\nhello\n' >"$work/root/notes.md"
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CACHE_HOME=$work/cache
printf 'mcp_servers:\n  fs: {command: node, args: ["%s", "%s"]}\n' "$server" "$work/root" >"$work/config/webox/config.yaml"
args="{\"path\":\"$work/root/notes.md\"}"

# Median wall time in ms of a command run $runs times.
median_ms() {
  python3 - "$runs" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"{times[len(times) // 2]:.1f}")
PY
}

echo "== $calls tools/call round trips (read_text_file), median of $runs runs, wall time"
w1=$(median_ms "$webox" mcp call fs read_text_file "$args" --repeat 1)
wn=$(median_ms "$webox" mcp call fs read_text_file "$args" --repeat "$calls")
s1=$(median_ms node "$deps/mcp_sdk_client.mjs" 1 read_text_file "$args" node "$server" "$work/root")
sn=$(median_ms node "$deps/mcp_sdk_client.mjs" "$calls" read_text_file "$args" node "$server" "$work/root")
python3 - "$calls" "$w1" "$wn" "$s1" "$sn" <<'PY'
import sys
n, w1, wn, s1, sn = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"webox: 1 call {w1:8.1f} ms   {n} calls {wn:8.1f} ms   per call {(wn - w1) * 1000 / (n - 1):7.1f} us")
print(f"sdk:   1 call {s1:8.1f} ms   {n} calls {sn:8.1f} ms   per call {(sn - s1) * 1000 / (n - 1):7.1f} us")
print(f"webox / sdk, {n} calls end to end: {wn / sn:.2f}x")
PY
