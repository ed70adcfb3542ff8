#!/usr/bin/env bash
# History benchmark: `webox logs search` and `webox logs list` over N logged
# calls (default 100,000) in N/10 conversations of 10 turns. Each figure is
# the wall time of the whole process (start-up, opening the store, the FTS5
# query, printing), the median (p50) and p90 of R runs (default 21).
# Target: `logs search` p50 <= 20 ms at 100k calls.
#
# Usage: bench/logs_search.sh [N] [BUILD_DIR] [R]    figures on stdout.
# The calls are seeded with SQL after the binary created the store, so the
# triggers of migration 14 index them as the store's own writes would.
# Prompts are ~25 words and answers ~120 words drawn from a 5,000-word
# vocabulary with a Zipf-like skew; "budget" is in 1 call in 40, "Lyon" in 1
# in 50, both in 1 in 2,000 (the query of the issue).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${3:-21}
source bench/common.sh
bench_setup logs_search "${2:-}"
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG
"$webox" chat -m echo:echo "first call: creates and migrates the store" >/dev/null
db=$work/data/webox/webox.db

start=$(date +%s.%N)
python3 - "$db" "$n" <<'PY'
import random, sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
vocab = [f"mot{i}" for i in range(5000)]
cum, total = [], 0.0
for i in range(5000):
    total += 1.0 / (i + 1)
    cum.append(total)
def text(k, i):
    words = rng.choices(vocab, cum_weights=cum, k=k)
    if i % 40 == 0: words.insert(rng.randrange(k), "budget")
    if i % 50 == 0: words.insert(rng.randrange(k), "Lyon")
    return " ".join(words)
con = sqlite3.connect(db)
con.execute("BEGIN")
for c in range(n // 10):
    cid = f"BENCH{c:021d}"
    con.execute("INSERT INTO conversations(id, name, model, created_at) VALUES(?,?,?,?)",
                (cid, f"conversation {c}", "openai:gpt-4o-mini", "2026-01-01T00:00:00.000Z"))
    for t in range(10):
        i = c * 10 + t
        model = "gpt-4o-mini" if i % 3 else "claude-x"
        con.execute("INSERT INTO calls(conversation_id, provider, model, prompt, response, status, created_at, cost) "
                    "VALUES(?,?,?,?,?,?,?,?)",
                    (cid, "openai" if i % 3 else "anthropic", model, text(25, i), text(120, i + 7),
                     "ok" if i % 20 else "error", f"2026-{1 + i * 11 // n:02d}-01T00:00:{i % 60:02d}.000Z",
                     0.0001 * (i % 7)))
con.commit()
PY
echo "seeded $n calls in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s ($(du -h "$db" | cut -f1))"

# p50 and p90 wall time in ms of `webox ARGS...` over $runs runs, and the
# p50 of the CPU time it used (user + system): on a busy machine the wall
# time mostly measures waiting for a core, the CPU time what the run costs.
measure() {
  python3 - "$runs" "$webox" "$@" <<'PY'
import resource, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times, cpu = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    if p.returncode != 0: sys.exit(f"{cmd} exited {p.returncode}")
times.sort()
cpu.sort()
print(f"p50={times[len(times) // 2]:.1f} ms  p90={times[int(len(times) * 0.9)]:.1f} ms  "
      f"cpu p50={cpu[len(cpu) // 2]:.1f} ms  lines={len(p.stdout.splitlines())}")
PY
}

echo "webox --version (start-up floor):        $(measure --version)"
echo "logs search budget Lyon:                 $(measure logs search budget Lyon)"
echo "logs search budget Lyon --json:          $(measure logs search budget Lyon --json)"
echo "logs search mot0 (in every call):        $(measure logs search mot0)"
echo "logs search mot4999 (rare):              $(measure logs search mot4999)"
echo "logs search absent:                      $(measure logs search nowhere)"
echo "logs search budget --model claude-x:     $(measure logs search budget --model claude-x)"
echo "logs search budget --status error:       $(measure logs search budget --status error)"
echo "logs search budget --since 2026-11-01:   $(measure logs search budget --since 2026-11-01)"
echo "logs search --fts 'budg*':               $(measure logs search --fts 'budg*')"
echo "logs list:                               $(measure logs list)"
echo "logs list --model claude-x --since 2026-06-01: $(measure logs list --model claude-x --since 2026-06-01)"
