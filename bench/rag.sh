#!/usr/bin/env bash
# Retrieval benchmark (issue 17).
#  1. `webox rag index` of N generated Markdown files (default 10,000, ~5 KB
#     each, ~50 MB) offline (chunking + FTS5): files/s, MB/s, max RSS; then
#     the incremental re-run (nothing changed).
#  2. BM25 search latency p50/p99 over that collection, whole process
#     (`webox rag search --lexical`), next to the same FTS5 query run by the
#     sqlite3 CLI on the same database (ratio), and `webox --version` (start-up).
#  3. Exact vector search: V chunks (default 100,000) of D dimensions (default
#     384) written straight into a collection, the query embedded by
#     tests/fakes/fake_embed.py (loopback, Ollama format): hybrid latency
#     p50/p99 minus the lexical one is the vector scan. Side by side: the
#     scan of the memory-mapped vector file (lib/rag/vector_file.hpp; the
#     first search builds it, timed apart) and the scan of the stored BLOBs
#     (the path before it, still the fallback when the file cannot be
#     written: the bench blocks the file with a directory of its name).
#
# Usage: bench/rag.sh [N] [V] [D] [BUILD_DIR]    figures on stdout; nothing
# timed here runs in the test suite. `bench/rag.sh 1000 100000 768` skips
# most of the BM25 part and measures 768 dimensions.
# WEBOX_BEFORE=/path/to/other/webox measures that binary too, line after
# line in the same run (before/after a change): for the searches, both
# binaries share the database; the vector file is rebuilt by a warm-up run
# when its format differs between them (a version change).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
nvec=${2:-100000}
dim=${3:-384}
source bench/common.sh
bench_setup rag "${4:-}"
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG
db=$work/data/webox/webox.db

python3 - "$n" "$work/md" <<'PY'
import os, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(17)
words = [f"w{i}" for i in range(20000)] + "train lyon budget projet jazz cadeau serveur réseau élève".split()
for i in range(n):
    d = os.path.join(out, f"d{i // 500:03}")
    os.makedirs(d, exist_ok=True)
    parts = [f"# Note {i}\n"]
    for s in range(4):
        parts.append(f"\n## Section {s}\n")
        for p in range(3):
            parts.append("\n" + " ".join(random.choice(words) for _ in range(65)) + ".\n")
    open(os.path.join(d, f"n{i}.md"), "w").write("".join(parts))
PY
mb=$(du -sm "$work/md" | cut -f1)
bytes=$(find "$work/md" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $n Markdown files, $(python3 -c "print(round($bytes/1e6,1))") MB"

r=$(python3 bench/maxrss.py "$webox" -q rag index bench "$work/md")
wall=$(sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$r")
chunks=$(sqlite3 "$db" "SELECT count(*) FROM rag_chunks")
echo "rag index (offline):      $r"
echo "  files/s=$(python3 -c "print(round($n/$wall))") MB/s=$(python3 -c "print(round($bytes/1e6/$wall,1))") chunks=$chunks"
echo "rag index again (no change): $(python3 bench/maxrss.py "$webox" -q rag index bench "$work/md")"
echo "database: $(du -h "$db" | cut -f1)"

latency() { # label, then the command; RUNS (60) runs with varying queries (after one warm-up run), p50/p99 in ms
  # Wall time, and the CPU time of the process (user + system): on a shared
  # machine the wall time moves with the load, the CPU time much less.
  local label=$1; shift
  python3 - "$label" "$@" <<'PY'
import os, random, resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
random.seed(3)
times, cpu = [], []
subprocess.run([a.replace("QUERY", "warm up") for a in cmd], stdout=subprocess.DEVNULL, check=True)
for i in range(int(os.environ.get("RUNS", "60"))):
    q = " ".join(random.choice(["train", "lyon", "budget", "jazz", "cadeau", f"w{random.randrange(20000)}", f"w{random.randrange(20000)}"]) for _ in range(3))
    args = [a.replace("QUERY", q) for a in cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
times.sort()
cpu.sort()
p = lambda v, f: v[min(len(v) - 1, int(len(v) * f))]
print(f"{label:38} wall p50={p(times, .5):.1f} ms p99={p(times, .99):.1f} ms | cpu p50={p(cpu, .5):.1f} ms p99={p(cpu, .99):.1f} ms")
PY
}
fts="SELECT rag_fts.rowid, bm25(rag_fts, 1.0, 0.5) AS rank FROM rag_fts JOIN rag_chunks k ON k.id = rag_fts.rowid JOIN rag_documents d ON d.id = k.document_id WHERE rag_fts MATCH 'QUERY' AND d.collection_id = 1 ORDER BY rank LIMIT 5"
# Each binary measured: this build's, and WEBOX_BEFORE's when given.
binaries=("$webox")
[ -n "${WEBOX_BEFORE:-}" ] && binaries+=("$WEBOX_BEFORE")
tag() { [ "$1" = "$webox" ] && echo "" || echo " [before]"; }
for b in "${binaries[@]}"; do
  latency "webox --version (start-up)$(tag "$b")" "$b" --version
  latency "webox rag search --lexical$(tag "$b")" "$b" rag search bench QUERY --lexical -k 5
done
latency "sqlite3 CLI, same FTS5 query" sqlite3 "$db" "$fts"
# The gap by phase: each process's start-up, then what `rag search` read
# before it looked the collection up by its row alone (the counts of
# `rag show`, which walk every chunk and vector of the collection).
latency "sqlite3 CLI start-up (SELECT 1)" sqlite3 "$db" "SELECT 1"
latency "sqlite3 CLI, the counts (before)" sqlite3 "$db" "SELECT (SELECT count(*) FROM rag_documents d WHERE d.collection_id = 1), (SELECT coalesce(sum(size), 0) FROM rag_documents d WHERE d.collection_id = 1), (SELECT count(*) FROM rag_chunks k JOIN rag_documents d ON d.id = k.document_id WHERE d.collection_id = 1), (SELECT count(*) FROM rag_vectors v WHERE v.collection_id = 1)"

# 3. Exact vector search on $nvec chunks.
fake_out=$work/fake.port
python3 tests/fakes/fake_embed.py 0 > "$fake_out" &
fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$fake_out" ] && break; sleep 0.1; done
port=$(head -1 "$fake_out")
curl -s -X POST -d "{\"dim\": $dim}" "http://127.0.0.1:$port/__control" > /dev/null
python3 - "$db" "$nvec" "$dim" <<'PY'
import array, random, sqlite3, sys, math
db, n, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(5)
c = sqlite3.connect(db)
c.execute("INSERT INTO rag_collections(name, embed_model, dimensions, created_at, updated_at) VALUES ('vec', 'ollama:nomic-embed-text', ?, 'now', 'now')", (dim,))
cid = c.execute("SELECT id FROM rag_collections WHERE name = 'vec'").fetchone()[0]
per_doc = 100
for d in range(n // per_doc):
    cur = c.execute("INSERT INTO rag_documents(collection_id, path, hash, mtime, size, kind, indexed_at) VALUES (?, ?, 'h', 0, 0, 'text', 'now')", (cid, f"/vec/{d}.txt"))
    doc = cur.lastrowid
    for k in range(per_doc):
        cur = c.execute("INSERT INTO rag_chunks(document_id, ord, heading, text, byte_start, byte_end, line_start, line_end) VALUES (?, ?, '', ?, 0, 0, 1, 1)", (doc, k, f"chunk w{random.randrange(20000)} w{random.randrange(20000)}"))
        v = [random.gauss(0, 1) for _ in range(dim)]
        s = math.sqrt(sum(x * x for x in v))
        c.execute("INSERT INTO rag_vectors(chunk_id, collection_id, vector) VALUES (?, ?, ?)", (cur.lastrowid, cid, array.array('f', [x / s for x in v]).tobytes()))
c.commit()
PY
echo "vectors: $nvec x $dim float32 ($(du -h "$db" | cut -f1) database)"
export OLLAMA_HOST=http://127.0.0.1:$port
vec_id=$(sqlite3 "$db" "SELECT id FROM rag_collections WHERE name = 'vec'")
vec_file=$db.vectors/c$vec_id.f32
echo "first hybrid search (builds the vector file): $(python3 bench/maxrss.py "$webox" rag search vec train -k 5)"
echo "vector file: $(du -h "$vec_file" | cut -f1)"
for b in "${binaries[@]}"; do
  latency "rag search vec --lexical$(tag "$b")" "$b" rag search vec QUERY --lexical -k 5
  latency "hybrid, vector file (mmap scan)$(tag "$b")" "$b" rag search vec QUERY -k 5
  echo "  one search$(tag "$b"): $(python3 bench/maxrss.py "$b" rag search vec train -k 5)"
done
# The hybrid results of this build (int8 codes pick the candidates) kept
# for the recall against the exact BLOB scan below.
hybrid_results() {
  python3 - "$@" <<'PY'
import json, random, subprocess, sys
random.seed(8)
out = []
for _ in range(30):
    q = f"w{random.randrange(20000)} lyon w{random.randrange(20000)}"
    hits = json.loads(subprocess.run(sys.argv[1:] + [q, "-k", "10", "--json"], capture_output=True, check=True, text=True).stdout)
    out.append([[h["path"], h["text"]] for h in hits])
print(json.dumps(out))
PY
}
hybrid_results "$webox" rag search vec > "$work/codes.json"
# Before: no vector file can be written (a directory where its temporary
# file would go), so every search reads the BLOBs as before this change.
rm -f "$vec_file"
mkdir "$vec_file.tmp"
latency "hybrid, stored BLOBs (no vector file)" "$webox" rag search vec QUERY -k 5
echo "  one search: $(python3 bench/maxrss.py "$webox" rag search vec train -k 5)"
hybrid_results "$webox" rag search vec > "$work/exact.json"
python3 - "$work/codes.json" "$work/exact.json" <<'PY'
import json, sys
codes, exact = (json.load(open(f)) for f in sys.argv[1:])
same = sum(len({tuple(h) for h in c} & {tuple(h) for h in e}) for c, e in zip(codes, exact))
total = sum(len(e) for e in exact)
print(f"recall@10 of hybrid search, vector file (int8 candidates, float32 re-rank) vs exact BLOB scan: {same}/{total}")
PY
rmdir "$vec_file.tmp"
