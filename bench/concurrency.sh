#!/usr/bin/env bash
# Concurrency benchmark: 4 webox processes write one database at once —
# chat calls logged through the echo provider, overlapping JSONL imports and
# `leads set-status` — N operations in total (default 1,000). Prints the
# operations per second, the failures (must be 0, none "database is locked")
# and the database check (PRAGMA integrity_check, counts against what was done).
#
# Usage: bench/concurrency.sh [N] [BUILD_DIR]     (the workload is the one of
# tests/cli/test_concurrency.py, at full size)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
build=${2:-${WEBOX_BUILD_DIR:-build}}
bin=$PWD/$build/bin/webox
[ -x "$bin" ] || bin=$build/bin/webox
export WEBOX_BIN=$bin
[ -d "$(dirname "$bin")/../lib/webox/plugins" ] && export WEBOX_PLUGIN_PATH=$(cd "$(dirname "$bin")/../lib/webox/plugins" && pwd)
exec python3 tests/cli/test_concurrency.py --bench "$n"
