#!/usr/bin/env bash
# webox workflow engine against the peer kit's loopback OpenAI fake
# (../shared/bench/promptfoo/fake_openai.py), in one run:
#  1. 1,000 independent prompt steps, fake at 0 ms: wall time, and the
#     engine's own cost per step measured by replaying the same run from a
#     cassette (no network at all: everything left is webox).
#  2. the same 1,000 steps against a 200 ms fake with --jobs 16.
#  3. if promptfoo is installed (PF_PREFIX, see the kit's install_promptfoo.sh),
#     the kit's promptfoo eval of 334 tests x 3 providers (1,002 calls) at 0 ms.
#
#   bench/workflow.sh [STEPS=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
webox=${WEBOX_BIN:-$PWD/build/bin/webox}
steps=${1:-1000}
kit=${KIT:-$(cd .. && pwd)/shared/bench/promptfoo}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
export XDG_CONFIG_HOME=$work/c XDG_DATA_HOME=$work/d XDG_STATE_HOME=$work/s XDG_CACHE_HOME=$work/k
export OPENAI_API_KEY=sk-fake-offline

python3 - "$work/wf.yaml" "$steps" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("name: bench\ndefaults: {model: openai:model-a}\nsteps:\n")
    for i in range(n):
        f.write(f"  - id: s{i}\n    prompt: \"Answer briefly: what is item {i}?\"\n")
PY

start_fake() { # latency -> sets FAKE_URL
  python3 "$kit/fake_openai.py" 0 --latency-ms "$1" --tokens 16 --max-seconds 900 > "$work/fake$1.out" 2>/dev/null &
  for _ in $(seq 100); do port=$(head -n1 "$work/fake$1.out" 2>/dev/null || true); [ -n "$port" ] && break; sleep 0.1; done
  export OPENAI_BASE_URL=http://127.0.0.1:$port/v1
}

timed() { # label, command... ; prints wall s and max RSS
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r wall rss < "$work/time"
  printf '%-48s wall %6.2f s   %7.3f ms/step   max RSS %5.1f MiB\n' "$label" "$wall" \
    "$(echo "$wall * 1000 / $steps" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

start_fake 0
label="$steps steps, fake 0 ms, --jobs 8 (recorded)"
timed "$webox" workflow run "$work/wf.yaml" --jobs 8 --no-cache --record "$work/cassette.jsonl"
label="$steps steps, replayed (engine only), --jobs 8"
timed "$webox" workflow run "$work/wf.yaml" --jobs 8 --no-cache --replay "$work/cassette.jsonl"
label="$steps steps, replayed, --jobs 8 --no-log"
timed "$webox" workflow run "$work/wf.yaml" --jobs 8 --no-cache --no-log --replay "$work/cassette.jsonl"
label="$steps steps, all cached (second run)"
timed "$webox" workflow run "$work/wf.yaml" --jobs 8

start_fake 200
label="$steps steps, fake 200 ms, --jobs 16"
timed "$webox" workflow run "$work/wf.yaml" --jobs 16 --no-cache
echo "   (ideal at 200 ms and 16 at once: $(echo "$steps / 16 * 0.2" | bc -l | cut -c1-5) s)"

if [ -n "${PF_PREFIX:-}${PROMPTFOO_BIN:-}" ]; then
  echo "== promptfoo (kit): 334 tests x 3 providers at 0 ms"
  (cd "$kit" && ./run_promptfoo.sh 334 0)
else
  echo "== promptfoo: not installed (set PF_PREFIX after running $kit/install_promptfoo.sh)"
fi
