#!/usr/bin/env bash
# Start-up time: `webox --version` and `webox plugins list` against
# `curl --version`, side by side in one hyperfine run.
# Target: webox --version no slower than curl --version.
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
runs=${RUNS:-50}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k
hyperfine -N --warmup 5 --runs "$runs" \
  "curl --version" "$webox --version" "$webox plugins list" "$webox models"
