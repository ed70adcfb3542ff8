#!/usr/bin/env bash
# Configures and builds webox into build/ (or $WEBOX_BUILD_DIR).
# Extra arguments go to cmake's configure step, e.g. -DWEBOX_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${WEBOX_BUILD_DIR:-build}
jobs=${WEBOX_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Configure every time (about a second): it also repairs a tree whose first
# configure failed half-way.
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "$@" >/dev/null
else
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE="${WEBOX_BUILD_TYPE:-RelWithDebInfo}" "$@"
fi
cmake --build "$build" -j "$jobs"
