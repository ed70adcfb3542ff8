#!/usr/bin/env python3
"""Runs the tests of a CMake build tree like ctest does (same commands,
environment and working directory, read from `ctest --show-only=json-v1`)
and prints each test's wall time and CPU time (user + sys of the test and
every process it waited for), longest CPU first, then the totals.

On a shared machine wall times move with the load; CPU times barely do.
The 2-core wall time of a suite is about max(total CPU / 2, longest test).

    bench/ctest_cpu.py build                 # every test, 2 at a time
    bench/ctest_cpu.py build-asan -j 8 -R cli:
    bench/ctest_cpu.py build --env ASAN_OPTIONS=detect_leaks=1

Exits 1 if a test failed (its output is printed).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def list_tests(tree):
    doc = json.loads(subprocess.run(["ctest", "--test-dir", tree, "--show-only=json-v1"],
                                    check=True, capture_output=True, text=True).stdout)
    tests = []
    for t in doc["tests"]:
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        env = dict(os.environ)
        for kv in props.get("ENVIRONMENT", []):
            k, _, v = kv.partition("=")
            env[k] = v
        tests.append({"name": t["name"], "command": t["command"], "env": env,
                      "cwd": props.get("WORKING_DIRECTORY", tree), "timeout": props.get("TIMEOUT", 1500),
                      "cost": props.get("COST", 0)})
    return tests


def run(test):
    start = time.monotonic()
    proc = subprocess.Popen(test["command"], env=test["env"], cwd=test["cwd"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    try:
        out, _ = proc.communicate(timeout=test["timeout"])
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    wall = time.monotonic() - start
    return test["name"], proc.returncode, wall, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tree")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-R", default="", help="regex on test names, as ctest -R")
    ap.add_argument("-E", default="", help="regex of test names to leave out")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for every test")
    ap.add_argument("--top", type=int, default=25, help="tests listed (0: all)")
    a = ap.parse_args()

    tests = [t for t in list_tests(a.tree) if re.search(a.R, t["name"]) and not (a.E and re.search(a.E, t["name"]))]
    for t in tests:
        for kv in a.env:
            k, _, v = kv.partition("=")
            t["env"][k] = v

    tests.sort(key=lambda t: -t["cost"])  # the long ones first, as ctest -j does
    start = time.monotonic()
    # Each test runs under a small wrapper that reports the CPU time of the
    # test and every descendant it waited for (RUSAGE_CHILDREN).
    def run_wrapped(t):
        wrapped = dict(t)
        wrapped["command"] = [sys.executable, "-c", _WRAP, *t["command"]]
        name, code, wall, out = run(wrapped)
        text = out.decode("utf-8", "replace")
        m = re.search(r"\n?__cpu__ ([0-9.]+)\n?$", text)
        cpu = float(m.group(1)) if m else float("nan")
        if m:
            text = text[:m.start()]
        return name, code, wall, cpu, text.encode()
    with ThreadPoolExecutor(a.j) as pool:
        results = list(pool.map(run_wrapped, tests))
    elapsed = time.monotonic() - start

    failed = [r for r in results if r[1] != 0]
    for name, code, wall, cpu, out in failed:
        print(f"---- FAILED ({code}): {name}\n{out.decode('utf-8', 'replace')[-4000:]}")
    results.sort(key=lambda r: -r[3])
    shown = results if a.top == 0 else results[:a.top]
    print(f"{'cpu s':>8} {'wall s':>8}  test")
    for name, code, wall, cpu, _ in shown:
        print(f"{cpu:8.2f} {wall:8.2f}  {name}{'  FAILED' if code else ''}")
    # A test killed at its timeout has no CPU figure (nan): left out of the sum.
    total_cpu = sum(r[3] for r in results if r[3] == r[3])
    longest = max((r[2] for r in results), default=0)
    print(f"{len(results)} tests, {len(failed)} failed: CPU {total_cpu:.1f} s, wall {elapsed:.1f} s at -j{a.j}, "
          f"longest test {longest:.1f} s wall; 2-core estimate max(CPU/2, longest) = {max(total_cpu / 2, longest):.1f} s")
    return 1 if failed else 0


# Runs argv[1:], passes its output through, and appends the CPU time it and
# its waited-for descendants used.
_WRAP = r"""
import os, resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.flush()
print("\n__cpu__ %.3f" % (r.ru_utime + r.ru_stime), flush=True)
sys.exit(code if code >= 0 else 128 - code)
"""

if __name__ == "__main__":
    sys.exit(main())
