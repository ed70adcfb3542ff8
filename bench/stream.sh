#!/usr/bin/env bash
# One streamed answer of N tokens (default 10,000) from a loopback fake:
# webox's wall time against `curl -N` fetching the same stream, and the max
# RSS of `webox chat` (three rounds). Targets: webox <= 1.05x curl; RSS <= 15 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
tokens=${TOKENS:-10000}
runs=${RUNS:-20}
home=$(mktemp -d)
coproc FAKE { exec python3 tests/fakes/fake_llm.py 0; }
read -r port <&"${FAKE[0]}"
trap 'kill $FAKE_PID 2>/dev/null; rm -rf "$home"' EXIT
base=http://127.0.0.1:$port/v1
export XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k
export OPENAI_API_KEY=test-key OPENAI_BASE_URL=$base
body='{"model":"big-'$tokens'","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}'

echo "== $tokens streamed tokens: curl -N vs webox chat (logged and --no-log)"
hyperfine -N --warmup 2 --runs "$runs" \
  "curl -sN -H 'Authorization: Bearer test-key' -H 'Content-Type: application/json' -d '$body' $base/chat/completions -o /dev/null" \
  "$webox chat -m openai:big-$tokens --no-log x" \
  "$webox chat -m openai:big-$tokens x"

echo "== max RSS (WEBOX_BEFORE=/path/to/other/webox: that binary too, line after line)"
echo -n "curl:  "; python3 bench/maxrss.py curl -sN -H 'Authorization: Bearer test-key' -H 'Content-Type: application/json' -d "$body" "$base/chat/completions"
binaries=("$webox")
[ -n "${WEBOX_BEFORE:-}" ] && binaries+=("$WEBOX_BEFORE")
for round in 1 2 3; do
  for b in "${binaries[@]}"; do
    tag=$([ "$b" = "$webox" ] && echo "webox" || echo "before")
    echo -n "$tag:          "; python3 bench/maxrss.py "$b" chat -m "openai:big-$tokens" x
    echo -n "$tag --no-log: "; python3 bench/maxrss.py "$b" chat --no-log -m "openai:big-$tokens" x
  done
done
