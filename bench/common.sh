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
