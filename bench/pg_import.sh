#!/usr/bin/env bash
# PostgreSQL bulk paths (issue 19, item 4), on a throwaway cluster
# (tests/pg_cluster.sh: Unix socket, fsync off, as the tests run it):
#   1. import: N generated interactions (default 1,000,000) through
#      `webox scrape-interactions --from FILE.jsonl` into a PostgreSQL store,
#      against `psql \copy` of the same rows (CSV) into a plain table, same run;
#   2. `webox store copy` of the resulting store (every table) from PostgreSQL
#      to a fresh PostgreSQL database, through COPY FROM STDIN (the default)
#      and through one INSERT per row (WEBOX_STORE_COPY_ROWS=insert).
#
# Usage: bench/pg_import.sh [N] [BUILD_DIR]    figures on stdout (wall time
# and the max RSS of the client process; the server's CPU is in neither);
# nothing timed here runs in the test suite. Note `uptime` with the figures:
# the machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
source bench/common.sh
bench_setup pg-import "${2:-}"
bench_pg_cluster
base=${url%/*}
psql=${WEBOX_PG_BIN:-/usr/lib/postgresql/15/bin}/psql
for d in raw store copy_a copy_b; do "$psql" "$base/postgres" -q -c "CREATE DATABASE $d"; done

python3 bench/gen_interactions.py "$n" "$work"
echo "rows: $n ($(du -h "$work/in.jsonl" | cut -f1) JSONL); load: $(uptime | sed 's/.*load/load/')"
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_CONFIG

rate() { python3 -c "print(round($1/$2))"; }
wall() { sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$1"; }

pq=$(python3 bench/maxrss.py "$psql" "$base/raw" -q -v ON_ERROR_STOP=1 \
  -c "CREATE TABLE interactions(platform TEXT, platform_id TEXT, kind TEXT, person_id TEXT, username TEXT, text TEXT, timestamp BIGINT, post TEXT)" \
  -c "\\copy interactions FROM '$work/in.csv' CSV HEADER")
echo "psql \\copy (plain table):           $pq  rows/s=$(rate "$n" "$(wall "$pq")")"

wb=$(WEBOX_DB=$base/store python3 bench/maxrss.py "$webox" scrape-interactions --from "$work/in.jsonl" --quiet)
echo "webox scrape-interactions --from:   $wb  rows/s=$(rate "$n" "$(wall "$wb")")  ratio=$(python3 -c "print(round($(wall "$pq")/$(wall "$wb"), 2))")x psql \\copy"
"$psql" "$base/store" -At -c "SELECT 'stored: ' || (SELECT count(*) FROM interactions) || ' interactions, ' || (SELECT count(*) FROM people) || ' people, ' || (SELECT count(*) FROM leads) || ' leads, ' || (SELECT count(*) FROM contacts) || ' contacts'"

total=$("$psql" "$base/store" -At -c "SELECT (SELECT count(*) FROM interactions) + (SELECT count(*) FROM people) + (SELECT count(*) FROM leads) + (SELECT count(*) FROM contacts)")
cp=$(python3 bench/maxrss.py "$webox" -q store copy --from "$base/store" --to "$base/copy_a" 2>"$work/copy_a.log")
echo "webox store copy (COPY FROM STDIN):  $cp  (main tables: $total rows)"
ci=$(WEBOX_STORE_COPY_ROWS=insert python3 bench/maxrss.py "$webox" -q store copy --from "$base/store" --to "$base/copy_b" 2>"$work/copy_b.log")
echo "webox store copy (INSERT per row):   $ci  COPY is $(python3 -c "print(round($(wall "$ci")/$(wall "$cp"), 1))")x faster"
echo "load after: $(uptime | sed 's/.*load/load/')"
