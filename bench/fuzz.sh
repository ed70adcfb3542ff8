#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, in its own
# build tree) and runs each one for SECONDS (default 60), starting from the
# seed corpus in fuzz/corpus/<target>/. Prints the executions per target and
# exits 1 if any target crashed; the crashing input is kept under
# $WEBOX_FUZZ_BUILD_DIR/artifacts/ (add it to fuzz/corpus/<target>/ once fixed).
#
#   bench/fuzz.sh            # 60 s per target
#   bench/fuzz.sh 600        # a longer hunt
#   bench/fuzz.sh 10 sse     # only the named targets
#   bench/fuzz.sh --build-only
#
# New inputs the fuzzer finds go to a scratch directory, never into the
# repository's seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
seconds=${1:-60}
shift || true
build=${WEBOX_FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++ >/dev/null; then
  echo "bench/fuzz.sh: clang++ is needed (apt-get install clang)" >&2
  exit 1
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" -DWEBOX_FUZZ=ON -DCMAKE_BUILD_TYPE=Fuzz \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
else
  cmake -S . -B "$build" >/dev/null
fi
cmake --build "$build" -j "${WEBOX_JOBS:-$(nproc)}" > "$build/build.log" 2>&1 || { tail -30 "$build/build.log" >&2; exit 1; }
[ -n "$build_only" ] && exit 0

targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < "$build/fuzz/targets.txt"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

printf '%-20s %12s %10s %8s  %s\n' target executions exec/s corpus result
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  log="$scratch/$t.log"
  status=ok
  if ! "$build/fuzz/fuzz_$t" "$scratch/$t" "fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" >"$log" 2>&1; then
    status=CRASH
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$scratch/$t" "fuzz/corpus/$t" -type f | wc -l)
  printf '%-20s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$units" "$status"
  if [ "$status" != ok ]; then
    grep -E 'ERROR|SUMMARY|Test unit written|deadly signal|internal error' "$log" | head -8 | sed 's/^/    /'
  fi
done
exit $failed
