#!/usr/bin/env python3
"""bench/batch.py: a workflow of N inputs (10,000 by default) run with --batch
against tests/fakes/fake_batch.py; prints webox's own CPU time (user + sys)
and its maximum resident set size, from wait4's rusage of the child.

Usage: WEBOX_BIN=build/bin/webox python3 bench/batch.py [N] [openai|anthropic]
Figures go in notes, never in timed tests."""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(os.path.dirname(HERE), "tests", "fakes", "fake_batch.py")
WEBOX = os.environ.get("WEBOX_BIN", os.path.join(os.path.dirname(HERE), "build", "bin", "webox"))

WORKFLOW = """name: batch-bench
inputs:
  names: {required: true, type: list}
steps:
  - id: greet
    model: %s
    foreach: "{{inputs.names}}"
    prompt: "Write one friendly sentence for customer {{item}} about their order."
"""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    provider = sys.argv[2] if len(sys.argv) > 2 else "openai"
    model = "openai:gpt-4o-mini" if provider == "openai" else "anthropic:claude-haiku-4-5"
    home = tempfile.mkdtemp(prefix="webox-batch-bench-")
    fake = subprocess.Popen([sys.executable, FAKE, "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = "http://127.0.0.1:" + fake.stdout.readline().strip()
        wf = os.path.join(home, "wf.yaml")
        with open(wf, "w") as f:
            f.write(WORKFLOW % model)
        names = os.path.join(home, "names.txt")
        with open(names, "w") as f:
            f.write(",".join("c%05d" % k for k in range(n)))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBOX_", "OPENAI_", "ANTHROPIC_", "XDG_"))}
        env.update({"HOME": home, "XDG_CONFIG_HOME": home + "/c", "XDG_DATA_HOME": home + "/d",
                    "XDG_CACHE_HOME": home + "/k", "XDG_STATE_HOME": home + "/s",
                    "OPENAI_BASE_URL": url + "/v1", "OPENAI_API_KEY": "test-key",
                    "ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": "test-key",
                    "WEBOX_BATCH_POLL_MS": "200"})
        started = time.monotonic()
        proc = subprocess.Popen([WEBOX, "workflow", "run", wf, "--var", "names=@" + names, "--batch",
                                 "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate()
        status = proc.returncode
        wall = time.monotonic() - started
        # webox is the only child waited for so far (the fake still runs).
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        doc = json.loads(out) if out else {}
        print(json.dumps({"inputs": n, "provider": provider, "exit": status,
                          "batch": doc.get("batch"), "wall_s": round(wall, 2),
                          "webox_cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
                          "webox_max_rss_mb": round(ru.ru_maxrss / 1024, 1),
                          "stderr_tail": err.decode()[-300:]}, indent=2))
    finally:
        fake.terminate()
        fake.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
