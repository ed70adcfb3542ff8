#!/bin/sh
# A throwaway PostgreSQL 15 cluster for the tests (tests/CMakeLists.txt,
# ctest fixture "pg"; or by hand):
#
#   pg_cluster.sh start DIR   creates the cluster under DIR and starts it,
#                             listening on a Unix socket in DIR/sock only (no
#                             TCP port), fsync off, trust authentication for
#                             the role "webox"; writes DIR/url, the URL of
#                             its database "webox", and prints it
#   pg_cluster.sh stop DIR    stops it and removes DIR
#
# PostgreSQL refuses to run as root: as root (CI) the server runs as
# "nobody" (runuser), which then owns DIR. Server binaries absent: `start`
# says so, writes DIR/skip with the reason and exits 0, and the tests that
# need the cluster skip (exit 77) with that message. scripts/install-deps.sh
# installs postgresql-15, so CI runs them.
set -eu
action=${1:?usage: pg_cluster.sh start|stop DIR}
dir=${2:?usage: pg_cluster.sh start|stop DIR}
bin=${WEBOX_PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

stop_cluster() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$action" in
start)
  stop_cluster
  mkdir -p "$dir"
  for tool in initdb pg_ctl postgres psql; do
    if [ ! -x "$bin/$tool" ]; then
      echo "PostgreSQL server binaries not found ($bin/$tool): the PostgreSQL tests are skipped (install postgresql-15, see scripts/install-deps.sh)" |
        tee "$dir/skip" >&2
      exit 0
    fi
  done
  mkdir -p "$dir/sock"
  if [ "$(id -u)" = 0 ]; then chown -R nobody "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U webox -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses= -c unix_socket_directories=$dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  "$bin/psql" -h "$dir/sock" -U webox -d postgres -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE webox" >/dev/null
  url="postgresql://webox@$(printf %s "$dir/sock" | sed 's,/,%2F,g')/webox"
  printf '%s\n' "$url" >"$dir/url"
  echo "$url"
  ;;
stop)
  stop_cluster
  ;;
*)
  echo "usage: pg_cluster.sh start|stop DIR" >&2
  exit 2
  ;;
esac
