#!/usr/bin/env bash
# Import benchmark: N generated interactions (default 1,000,000) through
# `webox scrape-interactions --from FILE.jsonl` (parse, validate, dedup,
# people upsert, contact detection, scoring, one transaction per 20,000 lines),
# against the raw `sqlite3` CLI `.import` of the same rows (CSV) into a plain
# table in one run; then `webox leads rescore` over the result.
#
# Usage: bench/import.sh [N] [BUILD_DIR]     figures on stdout; nothing timed
# here runs in the test suite. With WEBOX_BASELINE=/path/to/other/bin/webox
# (an older build), that binary imports the same file too, into its own
# database, so before and after are measured side by side in one run. Data: 1 row in 20 holds a French phone number,
# 1 in 50 an e-mail address; people are drawn from N/10 users.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
source bench/common.sh
bench_setup import "${2:-}"

python3 bench/gen_interactions.py "$n" "$work"

echo "rows: $n ($(du -h "$work/in.jsonl" | cut -f1) JSONL)"
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG

sq=$(python3 bench/maxrss.py sqlite3 "$work/raw.db" \
  "CREATE TABLE interactions(platform TEXT, platform_id TEXT, kind TEXT, person_id TEXT, username TEXT, text TEXT, timestamp INTEGER, post TEXT);" \
  ".mode csv" ".import --skip 1 $work/in.csv interactions")
sq_wall=$(sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$sq")
echo "sqlite3 .import (plain table):      $sq  rows/s=$(python3 -c "print(round($n/$sq_wall))")"

if [ -n "${WEBOX_BASELINE:-}" ]; then
  bl=$(XDG_DATA_HOME=$work/baseline python3 bench/maxrss.py "$WEBOX_BASELINE" scrape-interactions --from "$work/in.jsonl" --quiet)
  bl_wall=$(sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$bl")
  echo "baseline scrape-interactions --from: $bl  rows/s=$(python3 -c "print(round($n/$bl_wall))")  ratio=$(python3 -c "print(round($sq_wall/$bl_wall, 2))")x sqlite3"
  rm -rf "$work/baseline"
fi

wb=$(python3 bench/maxrss.py "$webox" scrape-interactions --from "$work/in.jsonl" --quiet)
wb_wall=$(sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$wb")
echo "webox scrape-interactions --from:   $wb  rows/s=$(python3 -c "print(round($n/$wb_wall))")  ratio=$(python3 -c "print(round($sq_wall/$wb_wall, 2))")x sqlite3"

rs=$(python3 bench/maxrss.py "$webox" leads rescore)
echo "webox leads rescore:                $rs"
"$webox" leads rescore --json
sqlite3 "$work/data/webox/webox.db" "SELECT 'stored: ' || (SELECT count(*) FROM interactions) || ' interactions, ' || (SELECT count(*) FROM people) || ' people, ' || (SELECT count(*) FROM leads) || ' leads, ' || (SELECT count(*) FROM contacts) || ' contacts'"
