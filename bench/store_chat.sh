#!/usr/bin/env bash
# Chat calls logged into each store backend (issue 19): 8 concurrent loops of
# `webox chat -m echo` for D seconds (default 60) on SQLite, then on
# PostgreSQL (a throwaway cluster, tests/pg_cluster.sh); prints calls/s and
# the latency percentiles of one call (a whole process: start, call, log).
#
# Usage: bench/store_chat.sh [SECONDS] [BUILD_DIR]    figures on stdout; note
# the load (printed) with them: the machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
source bench/common.sh
bench_setup store-chat "${2:-}"
bench_pg_cluster
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_CONFIG
echo "load before: $(uptime | sed 's/.*load/load/')"
for backend in sqlite postgresql; do
  if [ "$backend" = sqlite ]; then db=$work/data/webox/webox.db; else db=$url; fi
  WEBOX_DB=$db "$webox" store migrate >/dev/null
  WEBOX_DB=$db python3 - "$webox" "$seconds" "$backend" <<'PY'
import subprocess, sys, threading, time
webox, seconds, backend = sys.argv[1], float(sys.argv[2]), sys.argv[3]
latencies, failures, lock = [], [0], threading.Lock()
end = time.monotonic() + seconds
def loop(w):
    i = 0
    while time.monotonic() < end:
        start = time.monotonic()
        p = subprocess.run([webox, "chat", "-m", "echo", f"loop {w} call {i}"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        took = time.monotonic() - start
        with lock:
            latencies.append(took)
            failures[0] += p.returncode != 0
        i += 1
threads = [threading.Thread(target=loop, args=(w,)) for w in range(8)]
t0 = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
wall = time.monotonic() - t0
latencies.sort()
pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"{backend:10s} 8 loops x {seconds:.0f} s: {len(latencies)} calls, {len(latencies) / wall:.1f} calls/s, "
      f"p50 {pct(0.50):.0f} ms, p99 {pct(0.99):.0f} ms, failures {failures[0]}")
PY
  echo "  calls logged: $(WEBOX_DB=$db "$webox" store info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"]["calls"])')"
done
echo "load after: $(uptime | sed 's/.*load/load/')"
