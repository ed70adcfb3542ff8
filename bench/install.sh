#!/usr/bin/env bash
# Install and completion costs:
#   - Tab time: `webox completions --models-for chat` (what the scripts run
#     after -m) and a whole bash completion of "webox chat -m ", in hyperfine;
#   - wall time of `cmake --install` into a scratch prefix and of
#     `cpack -G DEB` (strip + dpkg-shlibdeps + compression), and the .deb size.
# Needs a built tree ($WEBOX_BUILD_DIR, default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${WEBOX_BUILD_DIR:-build}
webox=$PWD/$build/bin/webox
runs=${RUNS:-30}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME=$scratch/c XDG_DATA_HOME=$scratch/d XDG_STATE_HOME=$scratch/s XDG_CACHE_HOME=$scratch/k

"$webox" completions bash > "$scratch/webox.bash"
cat > "$scratch/complete.sh" <<SH
PATH=$(dirname "$webox"):\$PATH
source $scratch/webox.bash
COMP_WORDBREAKS=":"; COMP_LINE="webox chat -m "; COMP_POINT=\${#COMP_LINE}
_webox
SH
hyperfine -N --warmup 3 --runs "$runs" \
  "$webox completions --models-for chat" "$webox completions bash" "bash $scratch/complete.sh"

time_it() { # label, command...
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  printf '%-28s %6.2f s\n' "$label" "$(echo "$end - $start" | bc)"
}
time_it "cmake --install (prefix)" cmake --install "$build" --prefix "$scratch/prefix"
time_it "cpack -G DEB" cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/deb"
ls -l "$scratch"/deb/*.deb | awk '{printf "%-28s %6.1f MB\n", ".deb size", $5 / 1048576}'
du -sh "$scratch/prefix" | awk '{printf "%-28s %s\n", "installed prefix (unstripped)", $1}'
