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

# The best of $runs wall times of one command, in ms (exit 3 is expected).
best_ms() {
  local best=
  for _ in $(seq "$runs"); do
    local t0 t1 ms
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || [ $? -eq 3 ]
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

for mode in --no-log logged; do
  flags=(chat -m echo:tools --tool list_dir --root "$work/root")
  [ "$mode" = --no-log ] && flags+=(--no-log)
  one=$(best_ms "$webox" "${flags[@]}" --max-steps 1 "$script")
  many=$(best_ms "$webox" "${flags[@]}" --max-steps $((steps + 1)) "$script")
  awk -v m="$mode" -v one="$one" -v many="$many" -v n="$steps" 'BEGIN {
    printf "%-8s 1 step: %.1f ms, %d more steps: %.1f ms, per tool round trip: %.3f ms\n",
           m, one / 1000, n, (many - one) / 1000, (many - one) / 1000 / n }'
done
