#!/usr/bin/env bash
# A 20,000-token Markdown answer streamed from a loopback fake (fake_llm's
# md-N model: deltas of about 4 bytes, headings, lists, a table and fenced
# code in every screen), written raw (--raw) and drawn (--render always, with
# colors) by `webox chat`, in the same run. Target: drawn <= 1.05x raw wall.
# TOKENS and RUNS change the size and the number of runs.
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
tokens=${TOKENS:-20000}
runs=${RUNS:-20}
home=$(mktemp -d)
coproc FAKE { exec python3 tests/fakes/fake_llm.py 0; }
read -r port <&"${FAKE[0]}"
trap 'kill $FAKE_PID 2>/dev/null; rm -rf "$home"' EXIT
export XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k
export OPENAI_API_KEY=test-key OPENAI_BASE_URL=http://127.0.0.1:$port/v1 COLUMNS=100
unset NO_COLOR

echo "== $tokens streamed Markdown tokens: raw vs drawn (wall)"
hyperfine -N --warmup 2 --runs "$runs" --export-json "$home/h.json" \
  "$webox chat -m openai:md-$tokens --no-log --raw x" \
  "$webox chat -m openai:md-$tokens --no-log --render always x"
python3 - "$home/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
raw, drawn = r[0]["median"], r[1]["median"]
print(f"median raw {raw*1000:.1f} ms, drawn {drawn*1000:.1f} ms: ratio {drawn/raw:.3f} (target <= 1.05)")
PY
echo "== max RSS (drawn)"
python3 bench/maxrss.py "$webox" chat -m "openai:md-$tokens" --no-log --render always x
