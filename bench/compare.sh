#!/usr/bin/env bash
# webox compare against a loopback fake:
#  1. 8 models that each take LATENCY_MS (default 1000) before answering:
#     compare's wall time against the slowest single call (target <= 1.1x).
#  2. the overhead of compare over 8 direct chats of 0-latency answers.
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
latency=${LATENCY_MS:-1000}
runs=${RUNS:-5}
home=$(mktemp -d)
coproc FAKE { exec python3 tests/fakes/fake_llm.py 0; }
read -r port <&"${FAKE[0]}"
trap 'kill $FAKE_PID 2>/dev/null; rm -rf "$home"' EXIT
u=http://127.0.0.1:$port
export XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d XDG_STATE_HOME=$home/s XDG_CACHE_HOME=$home/k
export OPENAI_API_KEY=test-key OPENAI_BASE_URL=$u/v1
models=()
for i in 1 2 3 4 5 6 7 8; do models+=(-m "openai:wait-$((latency + i))"); done

echo "== 8 models x ${latency} ms: one compare vs the slowest single chat"
hyperfine -N --warmup 1 --runs "$runs" \
  "$webox chat --no-log -m openai:wait-$((latency + 8)) x" \
  "$webox compare --no-log ${models[*]} --format json x"

echo "== 0 ms: compare of 8 models vs 8 chats one after the other"
fast=()
for i in 1 2 3 4 5 6 7 8; do fast+=(-m "openai:ok-$i"); done
chats="for i in 1 2 3 4 5 6 7 8; do $webox chat --no-log -m openai:ok-\$i x >/dev/null; done"
hyperfine --warmup 2 --runs "$((runs * 3))" \
  "$webox compare --no-log ${fast[*]} --format json x" \
  "$chats"
