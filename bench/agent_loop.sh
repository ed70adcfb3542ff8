#!/usr/bin/env bash
# The agent loop's overhead per tool round trip: the echo model (answers at
# once) asking for list_dir (a built-in tool of a few microseconds) again and
# again, stopped by --max-steps. The time of STEPS+1 steps minus the time of
# one step, divided by STEPS, is what one more round trip costs: the model
# call through the plugin, checking and running the call, the messages, and
# (logged) the step's rows in the store. Target: <= 1 ms per step.
# Usage: bench/agent_loop.sh [STEPS (default 200)] [RUNS (default 5)]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_setup agent-loop
steps=${1:-200}
runs=${2:-5}
export XDG_CONFIG_HOME=$work/c XDG_DATA_HOME=$work/d XDG_STATE_HOME=$work/s XDG_CACHE_HOME=$work/k
mkdir -p "$work/root"
script=$'call list_dir {}\nrepeat'

# "WALL_US CPU_US": the best of $runs runs of one command (exit 3 is
# expected), wall time and CPU time (user + system) in microseconds. On a
# busy machine the wall time also counts waiting for a core; the CPU time
# does not.
best_us() {
  python3 - "$runs" "$@" <<'PY'
import os, resource, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if best is None or wall < best[0]:
        best = (wall, cpu)
print(int(best[0] * 1e6), int(best[1] * 1e6))
PY
}

for mode in --no-log logged; do
  flags=(chat -m echo:tools --tool list_dir --root "$work/root")
  [ "$mode" = --no-log ] && flags+=(--no-log)
  read -r one_wall one_cpu < <(best_us "$webox" "${flags[@]}" --max-steps 1 "$script")
  read -r many_wall many_cpu < <(best_us "$webox" "${flags[@]}" --max-steps $((steps + 1)) "$script")
  awk -v m="$mode" -v ow="$one_wall" -v oc="$one_cpu" -v mw="$many_wall" -v mc="$many_cpu" -v n="$steps" 'BEGIN {
    printf "%-8s per tool round trip: %.3f ms wall, %.3f ms CPU (1 step: %.1f ms wall; %d more: %.1f ms wall)\n",
           m, (mw - ow) / 1000 / n, (mc - oc) / 1000 / n, ow / 1000, n, (mw - ow) / 1000 }'
done
