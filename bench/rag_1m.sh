#!/usr/bin/env bash
# BM25 over a million chunks (issue 17): `webox rag index` of generated JSONL
# records (one chunk each, ~600 bytes, words drawn from a Zipf law over a
# 50,000-word vocabulary, so that common words have long posting lists as
# in real text), then `rag search --lexical` latency p50/p99 for common,
# rare and mixed queries, next to the sqlite3 CLI running the same FTS5
# query on the same database.
#
# Usage: bench/rag_1m.sh [CHUNKS] [BUILD_DIR]    (default 1000000; ~0.6 GB of
# records and ~1.5 GB of database under /tmp, removed at the end)
# RAG_BENCH_KEEP=DIR keeps the data in DIR, and a later run with the same
# DIR skips the generation and the index (to compare two builds' searches);
# WEBOX_BEFORE=/path/to/other/webox measures that binary's searches too.
set -euo pipefail
cd "$(dirname "$0")/.."
chunks=${1:-1000000}
source bench/common.sh
bench_setup rag1m "${2:-}"
if [ -n "${RAG_BENCH_KEEP:-}" ]; then
  trap - EXIT
  rm -rf "$work"
  work=$RAG_BENCH_KEEP
  mkdir -p "$work"
fi
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG
db=$work/data/webox/webox.db

if [ ! -s "$db" ]; then
python3 - "$chunks" "$work/records" <<'PY'
import bisect, itertools, json, os, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out)
random.seed(1)
vocab = [f"w{i}" for i in range(50000)]
vocab[:8] = "le de train lyon budget projet jazz cadeau".split()  # the most frequent words
cum = list(itertools.accumulate(1 / (r + 1) for r in range(len(vocab))))
total = cum[-1]
# A pool of 200,000 Zipf sentences of 12 words, 8 drawn per record (drawing
# 96 words for each of a million records took most of the run).
pool = [" ".join(random.choices(vocab, cum_weights=cum, k=12)) for _ in range(200000)]
def words(k):
    return " ".join(random.choices(pool, k=max(1, k // 12)))
per_file = 1000
for f in range(0, n, per_file):
    with open(os.path.join(out, f"r{f // per_file:05}.jsonl"), "w") as fh:
        for i in range(f, min(n, f + per_file)):
            fh.write(json.dumps({"id": i, "title": words(6), "body": words(90)}) + "\n")
PY
bytes=$(du -sb "$work/records" | cut -f1)
echo "records: $chunks in $(ls "$work/records" | wc -l) JSONL files, $(python3 -c "print(round($bytes/1e6))") MB"
echo "rag index (offline):  $(python3 bench/maxrss.py "$webox" -q rag index big "$work/records")"
rm -rf "$work/records"
fi
echo "chunks: $(sqlite3 "$db" "SELECT count(*) FROM rag_chunks")   database: $(du -sh "$db" | cut -f1)"

latency() { # label QUERIES-KIND, then the command (QUERY replaced): p50/p99 wall and CPU over RUNS runs
  local label=$1 kind=$2; shift 2
  python3 - "$label" "$kind" "$@" <<'PY'
import os, random, resource, subprocess, sys, time
label, kind, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
random.seed(3)
common = "le de train lyon budget projet jazz cadeau".split()
def query():
    if kind == "common": return " ".join(random.sample(common, 3))
    if kind == "rare": return " ".join(f"w{random.randrange(10000, 50000)}" for _ in range(3))
    return f"{random.choice(common)} w{random.randrange(100, 5000)} w{random.randrange(5000, 50000)}"
times, cpu = [], []
for _ in range(int(os.environ.get("RUNS", "20"))):
    q = query()
    match = " OR ".join(f'"{w}"' for w in q.split())  # what lib/rag/search.cpp's fts_query makes
    args = [a.replace("MATCHQ", match.replace("'", "''")).replace("QUERY", q) for a in cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
times.sort(); cpu.sort()
p = lambda v, f: v[min(len(v) - 1, int(len(v) * f))]
print(f"{label:44} wall p50={p(times, .5):.1f} p99={p(times, .99):.1f} ms | cpu p50={p(cpu, .5):.1f} p99={p(cpu, .99):.1f} ms")
PY
}
# The query of lib/rag/search.cpp (bm25_search), for the sqlite3 CLI.
fts="SELECT rag_fts.rowid, bm25(rag_fts, 1.0, 0.5) AS rank FROM rag_fts JOIN rag_chunks k ON k.id = rag_fts.rowid JOIN rag_documents d ON d.id = k.document_id WHERE rag_fts MATCH 'MATCHQ' AND d.collection_id = 1 ORDER BY rank LIMIT 5"
binaries=("$webox")
[ -n "${WEBOX_BEFORE:-}" ] && binaries+=("$WEBOX_BEFORE")
tag() { [ "$1" = "$webox" ] && echo "" || echo " [before]"; }
for b in "${binaries[@]}"; do
  latency "webox --version (start-up)$(tag "$b")" common "$b" --version
  for kind in rare mixed common; do
    latency "webox rag search --lexical ($kind)$(tag "$b")" $kind "$b" rag search big QUERY --lexical -k 5
  done
done
for kind in rare mixed common; do
  latency "sqlite3 CLI, every word, as before ($kind)" $kind sqlite3 "$db" "$fts"
done
