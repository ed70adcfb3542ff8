#!/usr/bin/env bash
# Start-up: `webox --version` and `webox plugins list` against
# `curl --version`, side by side in one hyperfine run; then the CPU time
# (task-clock), page faults and max RSS of the short commands whose cost is
# mostly start-up: --version, --help, `logs search` on an empty store,
# `chat -m echo`. Target: webox --version no slower than curl --version.
#
# WEBOX_BEFORE=/path/to/other/webox measures that binary too, command after
# command in the same run (before/after a change). RUNS (default 30) runs
# each; `perf stat` when it is installed and allowed, else only max RSS.
# The machine's load is printed first: figures on a shared machine move
# with it.
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
runs=${RUNS:-30}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k
unset WEBOX_DB WEBOX_CONFIG
uptime

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 5 --runs "$runs" \
    "curl --version" "$webox --version" "$webox plugins list" "$webox models"
fi

binaries=("$webox")
[ -n "${WEBOX_BEFORE:-}" ] && binaries+=("$WEBOX_BEFORE")
tag() { [ "$1" = "$webox" ] && echo "after " || echo "before"; }
"$webox" store migrate >/dev/null # an empty store for `logs search`

have_perf=0
perf stat -x, -e task-clock true 2>/dev/null && have_perf=1

# measure LABEL BINARY ARGS...: one line of figures.
measure() {
  local label=$1 bin=$2
  shift 2
  local rss cpu="" faults=""
  rss=$(python3 bench/maxrss.py "$bin" "$@" 2>/dev/null | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p')
  if [ "$have_perf" = 1 ]; then
    local stats
    stats=$(perf stat -x, -e task-clock,page-faults -r "$runs" "$bin" "$@" 2>&1 >/dev/null | grep -E 'task-clock|page-faults')
    cpu=$(echo "$stats" | awk -F, '/task-clock/ {printf "%.1f ms", $1}')
    faults=$(echo "$stats" | awk -F, '/page-faults/ {printf "%d", $1}')
  fi
  printf '%-28s %s  cpu %-9s  faults %-6s  maxrss %s kB\n' "$label" "$(tag "$bin")" "$cpu" "$faults" "$rss"
}

echo "== start-up: $runs runs each (cpu = task-clock mean, faults = page faults mean)"
for args in "--version" "--help" "logs search x" "chat -m echo hi"; do
  for b in "${binaries[@]}"; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    measure "webox $args" "$b" $args
  done
done
