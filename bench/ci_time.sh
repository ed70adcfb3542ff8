#!/usr/bin/env bash
# Times CI (scripts/test.sh, what .ci/run runs) on a fresh clone, stage by
# stage: wall time and CPU time (user + sys of everything the stage ran).
# Give one or more commits to compare them side by side, one after the other:
#
#   bench/ci_time.sh                 # HEAD
#   bench/ci_time.sh main HEAD       # before / after
#
# Each commit is cloned into a scratch folder and built from nothing, with
# ccache disabled and CI=true, as on a CI machine. Stages are the "== ..."
# lines scripts/test.sh prints; a stage's CPU is what test.sh's processes
# used between its line and the next one (stages that run in the background
# are counted where they are waited for). On a shared machine wall times move
# with the load and CPU times barely do: the 2-core wall time of a run is
# about max(total CPU / 2, its critical path).
#
# After each run, bench/ninja_cost.py tells where each tree's compile time
# went. WEBOX_CI_TIME_KEEP=1 keeps the clones (printed), for a look at the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
revs=("$@")
[ ${#revs[@]} -eq 0 ] && revs=(HEAD)
repo=$PWD
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

for rev in "${revs[@]}"; do
  dir=$(mktemp -d "${TMPDIR:-/tmp}/webox-ci-time.XXXXXX")
  git clone -q --no-hardlinks "$repo" "$dir/src"
  git -C "$dir/src" checkout -q "$(git rev-parse "$rev")"
  echo "== $rev ($(git rev-parse --short "$rev")) in $dir/src" | tee -a "$summary"
  # The filter reads test.sh's own /proc stat: cutime + cstime grow by the
  # CPU of every child it waited for, which is each stage's command tree.
  (cd "$dir/src" && CI=true CCACHE_DISABLE=1 exec scripts/test.sh) > "$dir/ci.log" 2>&1 &
  pid=$!
  python3 - "$pid" "$dir/ci.log" <<'EOF' | tee -a "$summary"
import os, sys, time
pid, log = int(sys.argv[1]), sys.argv[2]
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tick  # utime stime cutime cstime
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
stages, name, t0, c0 = [], "setup", time.monotonic(), 0.0
last_cpu = 0.0
pos = 0
def close(now, c):
    stages.append((name, now - t0, c - c0))
while True:
    alive = os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    c = cpu()
    if c is not None:
        last_cpu = c
    with open(log, errors="replace") as f:
        f.seek(pos)
        chunk = f.read()
        pos = f.tell()
    for line in chunk.splitlines():
        if line.startswith("== "):
            now = time.monotonic()
            close(now, last_cpu)
            name, t0, c0 = line[3:], now, last_cpu
    if not alive:
        break
    time.sleep(0.2)
close(time.monotonic(), last_cpu)
total_wall = sum(s[1] for s in stages)
total_cpu = sum(s[2] for s in stages)
for n, w, c in stages:
    print(f"  {w:7.1f} s wall {c:8.1f} s CPU  {n}")
print(f"  {total_wall:7.1f} s wall {total_cpu:8.1f} s CPU  total (2-core floor: {total_cpu / 2:.0f} s)")
EOF
  wait "$pid" && status=ok || status="FAILED (see $dir/ci.log)"
  echo "  result: $status" | tee -a "$summary"
  # Where each tree's compile time went, and the sources compiled twice.
  trees=()
  for t in build build-fuzz build-asan; do [ -f "$dir/src/$t/.ninja_log" ] && trees+=("$dir/src/$t"); done
  if [ ${#trees[@]} -gt 0 ]; then
    bench/ninja_cost.py --top 5 "${trees[@]}" | sed 's/^/  /' | tee -a "$summary"
  fi
  if [ -z "${WEBOX_CI_TIME_KEEP:-}" ] && [ "$status" = ok ]; then rm -rf "$dir"; fi
done
echo
cat "$summary"
