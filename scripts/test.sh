#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the normal build,
# a short libFuzzer smoke run of every fuzz target, then the same tests built
# with AddressSanitizer and UndefinedBehaviorSanitizer.
# This is exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

# Warnings are errors here (WEBOX_WERROR, off by default for users building
# with another compiler). CI needs the optimiser's warnings (-O2) but not
# debug info, which costs about a quarter of the compile time; a developer's
# build/ keeps -g.
ci_flags=(-DWEBOX_WERROR=ON)
[ -n "${CI:-}" ] && ci_flags+=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG")
echo "== build (RelWithDebInfo${CI:+, without debug info})"
WEBOX_BUILD_DIR=build scripts/build.sh "${ci_flags[@]}"
echo "== tests"
ctest --test-dir build --output-on-failure -j 2

# The changed lines against .clang-format (about 2 s of CPU); clang-tidy costs
# about 10 s per file, so it is run by hand: scripts/lint.sh. Advisory until
# the branches written before .clang-format existed are merged (most of them
# would fail it); WEBOX_LINT=strict makes it fail the run.
echo "== lint (clang-format, changed lines)"
lint_mode=(--advisory)
[ "${WEBOX_LINT:-}" = strict ] && lint_mode=()
scripts/lint.sh --format-only "${lint_mode[@]}"

echo "== fuzz smoke (libFuzzer + ASan + UBSan, ${WEBOX_FUZZ_SMOKE_SECONDS:-3} s per target)"
# Every target of fuzz/ from its seed corpus; bench/fuzz.sh SECONDS for longer.
bench/fuzz.sh "${WEBOX_FUZZ_SMOKE_SECONDS:-3}"

echo "== build (ASan + UBSan)"
# Line tables are enough for symbolised sanitizer reports, and cheaper than -g.
WEBOX_BUILD_DIR=build-asan WEBOX_BUILD_TYPE=Debug scripts/build.sh -DWEBOX_SANITIZE=ON -DWEBOX_WERROR=ON \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1
echo "== tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j 2
