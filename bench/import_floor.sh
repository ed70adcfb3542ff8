#!/usr/bin/env bash
# What an import of N interactions (default 1,000,000) cannot cost less than,
# measured without webox's code, against the budget that issue 6 sets:
# 0.5x the rows/s of the sqlite3 CLI's `.import` into a plain table, i.e.
# twice the time of that `.import`.
#
# Part 1, the store's share (one writer: SQLite writes from one thread).
# The sqlite3 CLI itself, on webox's own schema, does the least any
# implementation must do to the database for the same result, with
# set-based SQL that has no per-row API calls:
#   people      one row per person, written straight from a counter (the
#               generator's users are u0 .. u(N/10-1); finding them is free)
#   rows        the interactions, deduplicated on (platform, platform_id)
#               by the UNIQUE constraint, person ids taken from the person
#               field as they are (no lookup)
#   person idx  CREATE INDEX interactions_by_person after the rows (what the
#               bulk path does; keeping it up to date costs more)
#   scores      one pass over every person's interactions through that index
#               and a lead per person (a lower bound of the scoring pass)
# The rows are first staged by `.import` into a temporary table; that stage
# is parsing, done by webox's worker threads on the other core, and is left
# out of the floor. Phones, e-mails, posts and lead events are left out too.
#
# Part 2, the parser's share: webox's import with and without libphonenumber
# (WEBOX_PHONES_MODULE pointed at a missing file falls back to the built-in
# French pattern). The CPU time between the two is what libphonenumber costs.
#
# Usage: bench/import_floor.sh [N] [BUILD_DIR]   figures on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
source bench/common.sh
bench_setup floor "${2:-}"
python3 bench/gen_interactions.py "$n" "$work"
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG
field() { sed "s/.*$1=\([0-9.]*\).*/\1/" <<<"$2"; }

echo "rows: $n"
sq=$(python3 bench/maxrss.py sqlite3 "$work/raw.db" \
  "CREATE TABLE interactions(platform TEXT, platform_id TEXT, kind TEXT, person_id TEXT, username TEXT, text TEXT, timestamp INTEGER, post TEXT);" \
  ".mode csv" ".import --skip 1 $work/in.csv interactions")
sq_wall=$(field wall_s "$sq")
budget=$(python3 -c "print(round(2 * $sq_wall, 2))")
echo "sqlite3 .import (plain table): ${sq_wall} s; the 0.5x budget is ${budget} s"

# An empty database with webox's schema, then the floor in one transaction,
# with the settings of webox's bulk path (64 MiB cache, no foreign keys).
"$webox" leads rescore >/dev/null
cp "$work/data/webox/webox.db" "$work/schema.db"

# floor LABEL UNTIMED_SQL TIMED_SQL STEP_NAMES...: runs both on a copy of the
# empty schema, prints each timed statement and the sum, leaves it in $floor.
# The CLI's timer counts a line at a time: one statement a line in TIMED_SQL.
floor() {
  local label=$1 untimed=$2 timed=$3; shift 3
  local db=$work/floor.db
  rm -f "$db"*; cp "$work/schema.db" "$db"
  local timings
  timings=$(sqlite3 "$db" 2>&1 <<SQL
PRAGMA journal_mode = WAL;
PRAGMA cache_size = -65536;
PRAGMA foreign_keys = OFF;
CREATE TEMP TABLE staged(platform TEXT, platform_id TEXT, kind TEXT, person_id TEXT, username TEXT, text TEXT,
                         timestamp INTEGER, post TEXT);
.mode csv
.import --skip 1 $work/in.csv staged
.mode list
$untimed
.timer on
BEGIN;
$timed
COMMIT;
SQL
)
  local steps
  mapfile -t steps < <(grep -o 'real [0-9.]*' <<<"$timings" | cut -d' ' -f2)
  [ "${#steps[@]}" -eq $(($# + 2)) ] || { echo "unexpected sqlite3 output: $timings" >&2; exit 1; }
  local names=(begin "$@" commit)
  floor=0
  echo "$label"
  for i in "${!steps[@]}"; do
    [ "${names[$i]}" = begin ] && continue
    printf '  %-12s %6.3f s\n' "${names[$i]}" "${steps[$i]}"
    floor=$(python3 -c "print($floor + ${steps[$i]})")
  done
  local stored
  stored=$(sqlite3 "$db" "SELECT count(*) FROM interactions")
  [ "$stored" -eq "$n" ] || { echo "the floor stored $stored interactions, not $n" >&2; exit 1; }
  echo "  = $(python3 -c "print(round($floor, 2))") s, $(python3 -c "print(round($sq_wall / $floor, 2))")x sqlite3, before any parsing"
}

people="INSERT INTO people(id, platform, platform_user_id, username, created_at, needs_rescore)
  WITH RECURSIVE u(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM u WHERE v + 1 < max(1, $n / 10))
  SELECT v + 1, 'instagram', 'u' || v, 'user.' || v, '2026-01-01T00:00:00Z', 1 FROM u;"
rows="INSERT INTO interactions(platform, platform_id, kind, person_id, text, intent, occurred_at, collected_at)
  SELECT platform, platform_id, kind, CAST(substr(person_id, 2) AS INTEGER) + 1, text, 0, timestamp, '2026-01-01T00:00:00Z'
  FROM staged WHERE true ON CONFLICT DO NOTHING;"
person_index="CREATE INDEX interactions_by_person ON interactions(person_id, occurred_at, kind, intent);"
scores="INSERT INTO leads(person_id, score, created_at, updated_at)
  SELECT person_id, min(100, count(*)), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
  FROM interactions INDEXED BY interactions_by_person GROUP BY person_id;"

floor "store floor, webox's schema (UNIQUE(platform, platform_id) kept up to date):" \
  "DROP INDEX interactions_by_person;" "$people
$rows
$person_index
$scores" people rows person-idx scores

# The same without the UNIQUE constraint in the table, its index built after
# the rows: the cheapest a schema change could make deduplication (a real
# import would still have to find duplicates before it counted them).
floor "store floor, uniqueness as an index built after the rows (a schema change):" \
  "DROP TABLE interactions;
   CREATE TABLE interactions(id INTEGER PRIMARY KEY, platform TEXT NOT NULL, platform_id TEXT NOT NULL,
     kind TEXT NOT NULL, person_id INTEGER NOT NULL, post_id INTEGER, account_id INTEGER, text TEXT,
     intent INTEGER NOT NULL DEFAULT 0, occurred_at INTEGER NOT NULL, collected_at TEXT NOT NULL);" \
  "$people
${rows/ ON CONFLICT DO NOTHING/}
CREATE UNIQUE INDEX interactions_unique ON interactions(platform, platform_id);
$person_index
$scores" \
  people rows unique-idx person-idx scores

rm -rf "$work/data"
with=$(python3 bench/maxrss.py "$webox" scrape-interactions --from "$work/in.jsonl" --quiet)
rm -rf "$work/data"
without=$(WEBOX_PHONES_MODULE=$work/missing.so python3 bench/maxrss.py "$webox" scrape-interactions --from "$work/in.jsonl" --quiet 2>/dev/null)
cpu() { python3 -c "print(round($(field user_s "$1") + $(field sys_s "$1"), 2))"; }
echo "webox import with libphonenumber:    wall $(field wall_s "$with") s, cpu $(cpu "$with") s"
echo "webox import without (FR pattern):   wall $(field wall_s "$without") s, cpu $(cpu "$without") s"
echo "libphonenumber's share: $(python3 -c "print(round($(cpu "$with") - $(cpu "$without"), 2))") s of cpu"
echo "two cores give 2 x ${budget} s of cpu inside the budget"
