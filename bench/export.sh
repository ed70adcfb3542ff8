#!/usr/bin/env bash
# Export benchmark: N leads (default 1,000,000) through `webox leads export
# --format csv` (default fields: people join, interaction count, JSON lists
# joined, timestamps formatted, RFC 4180 quoting, formula guard), against
# the `sqlite3 -csv` CLI running the same SELECT on the same database in the
# same run. Both write to stdout (discarded); wall time and peak RSS come
# from bench/maxrss.py. Target: >= 1M rows/s and <= 64 MB for webox.
#
# Usage: bench/export.sh [N] [BUILD_DIR]    figures on stdout.
# With WEBOX_BASELINE=/path/to/other/bin/webox the JSONL export is also
# timed with that binary, on the same database, for a before/after.
# The database is seeded with SQL directly (the importer would take longer
# than the export being measured): N people, one interaction each, one lead
# each; 1 in 5 has a phone number, 1 in 8 an e-mail address, 1 in 50 a name
# that needs the formula guard, 1 in 40 a name with a comma.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
source bench/common.sh
bench_setup export "${2:-}"
export XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG
"$webox" leads rescore >/dev/null   # creates and migrates the store
db=$work/data/webox/webox.db

start=$(date +%s.%N)
sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
INSERT INTO people(id, platform, platform_user_id, username, name, score, last_interaction_at, created_at)
SELECT i, 'instagram', 'u' || i, 'user.' || i,
       CASE WHEN i % 50 = 0 THEN '=HYPERLINK("x")' WHEN i % 40 = 0 THEN 'Dupont, Marie' ELSE 'Person ' || i END,
       15 + i % 80, 1795000000 - i % 7776000, '2026-11-01T10:00:00.000Z' FROM seq;
INSERT INTO interactions(platform, platform_id, kind, person_id, text, occurred_at, collected_at)
SELECT 'instagram', 'c' || id, 'comment', id, 'Dispo ?', last_interaction_at, '2026-11-01T10:00:00.000Z' FROM people;
INSERT INTO leads(id, person_id, score, status, phones, emails, created_at, updated_at)
SELECT id, id, score, 'new',
       CASE WHEN id % 5 = 0 THEN '["+336' || printf('%08d', id % 100000000) || '"]' ELSE '[]' END,
       CASE WHEN id % 8 = 0 THEN '["client' || id || '@exemple.fr"]' ELSE '[]' END,
       '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z' FROM people;
COMMIT;
SQL
echo "seeded $n leads in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s ($(du -h "$db" | cut -f1))"

# The same rows, columns and order as the default export.
select="SELECT l.id, p.platform, p.username, p.name, l.score, l.status,
  CASE l.phones WHEN '[]' THEN '' ELSE (SELECT group_concat(value, ' ') FROM json_each(l.phones)) END,
  CASE l.emails WHEN '[]' THEN '' ELSE (SELECT group_concat(value, ' ') FROM json_each(l.emails)) END,
  (SELECT count(*) FROM interactions i WHERE i.person_id = p.id),
  strftime('%Y-%m-%dT%H:%M:%SZ', p.last_interaction_at, 'unixepoch'), l.created_at, l.updated_at
  FROM leads l JOIN people p ON p.id = l.person_id ORDER BY l.id"

rate() { python3 -c "print(round($n / $(sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$1")))"; }

sq=$(python3 bench/maxrss.py sqlite3 -csv -header "$db" "$select")
echo "sqlite3 -csv (same SELECT):         $sq  rows/s=$(rate "$sq")"
wb=$(python3 bench/maxrss.py "$webox" leads export --format csv)
echo "webox leads export --format csv:    $wb  rows/s=$(rate "$wb")"
wf=$(python3 bench/maxrss.py "$webox" leads export --format csv -o "$work/leads.csv")
echo "webox leads export -o FILE:         $wf  rows/s=$(rate "$wf")  ($(du -h "$work/leads.csv" | cut -f1))"
wj=$(python3 bench/maxrss.py "$webox" leads export --format jsonl)
echo "webox leads export --format jsonl:  $wj  rows/s=$(rate "$wj")"
if [ -n "${WEBOX_BASELINE:-}" ]; then
  bj=$(python3 bench/maxrss.py "$WEBOX_BASELINE" leads export --format jsonl)
  echo "baseline --format jsonl:            $bj  rows/s=$(rate "$bj")"
  "$webox" leads export --format jsonl | cmp - <("$WEBOX_BASELINE" leads export --format jsonl) && echo "jsonl output identical to the baseline's"
fi
# Without the per-row subqueries (interaction count, JSON lists, strftime):
# what the export costs when SQLite has less to compute.
light="SELECT l.id, p.platform, p.username, p.name, l.score, l.status, json_extract(l.phones, '\$[0]'),
  json_extract(l.emails, '\$[0]'), l.updated_at FROM leads l JOIN people p ON p.id = l.person_id ORDER BY l.id"
sl=$(python3 bench/maxrss.py sqlite3 -csv -header "$db" "$light")
echo "sqlite3 -csv (9 plain columns):     $sl  rows/s=$(rate "$sl")"
wl=$(python3 bench/maxrss.py "$webox" leads export --format csv --fields id,platform,username,name,score,status,phone,email,updated_at)
echo "webox leads export (same 9 fields): $wl  rows/s=$(rate "$wl")"
rows=$("$webox" leads export --format csv | wc -l)
echo "rows written (with header): $rows"
