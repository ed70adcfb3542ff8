#!/usr/bin/env bash
# The model catalogue stays fast and offline with full caches: every
# listing provider's cache filled (10 providers x 1000 models), then
# `webox models`, `models --json`, `models --search`, and a chat whose -m is
# a bare name (resolved through the catalogue) against the same chat with
# provider:model. Compare the CPU times (user + system): on a loaded machine
# the wall time counts waiting for a core.
# Usage: bench/models.sh [RUNS (default 20)]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_setup models
runs=${1:-20}
export XDG_CONFIG_HOME=$work/c XDG_DATA_HOME=$work/d XDG_STATE_HOME=$work/s XDG_CACHE_HOME=$work/k
python3 - "$work/k/webox/models" <<'PY'
import json, os, sys, time
d = sys.argv[1]
os.makedirs(d)
providers = ["openai", "mistral", "groq", "deepinfra", "openrouter", "xai", "deepseek", "anthropic", "gemini", "ollama"]
for p in providers:
    models = [{"model": "%s-model-%03d" % (p, i), "capabilities": ["chat", "tools"], "context_window": 128000}
              for i in range(1000)]
    with open(os.path.join(d, p + ".json"), "w") as f:
        json.dump({"provider": p, "fetched_at": int(time.time()), "models": models}, f)
PY
hyperfine -N --warmup 3 --runs "$runs" \
  "$webox models" "$webox models --json" "$webox models --search model-250" \
  "$webox chat --no-log -m echo:echo x" "$webox chat --no-log -m messages x"
