# Sourced by the benchmarks that run the built webox on generated data.
# bench_setup NAME [BUILD_DIR]: sets $webox (the binary of BUILD_DIR, default
# $WEBOX_BUILD_DIR or build) and $work (a temporary directory removed on
# exit). Run from the repository's root.
bench_setup() {
  local build=${2:-${WEBOX_BUILD_DIR:-build}}
  webox=$PWD/$build/bin/webox
  [ -x "$webox" ] || webox=$build/bin/webox
  work=$(mktemp -d "/tmp/webox-bench-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
}

# bench_pg_cluster: starts a throwaway PostgreSQL cluster under $work
# (tests/pg_cluster.sh: Unix socket, fsync off, as the tests run it), stopped
# on exit; sets $cluster and $url. Without the server binaries it says why
# and the benchmark ends there (exit 0).
bench_pg_cluster() {
  cluster=$work/pg
  chmod 755 "$work" # the server runs as nobody when we are root (tests/pg_cluster.sh)
  trap 'tests/pg_cluster.sh stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  url=$(tests/pg_cluster.sh start "$cluster")
  if [ -f "$cluster/skip" ]; then cat "$cluster/skip"; exit 0; fi
}
