#!/usr/bin/env python3
"""Where a build's compile time goes, from the .ninja_log of one or more
Ninja build trees (the last build of each): per tree the summed time of its
steps and the heaviest ones, then the sources compiled in more than one
step across all the trees given (the same file once per tree, or several
times in one tree).

    bench/ninja_cost.py build build-asan build-fuzz
    bench/ninja_cost.py --top 20 build-fuzz

A step's time is its wall time: on a machine the build had to itself
(bench/ci_time.sh's clone with -j equal to the cores) it is about its CPU
time; under other load every step stretches alike, so compare the shares.
"""
import argparse
import collections
import json
import os
import re


def last_build(tree):
    """The steps of the tree's last build: (seconds, output)."""
    steps = {}
    with open(os.path.join(tree, ".ninja_log")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            start, end, _, output, _ = line.rstrip("\n").split("\t")
            steps[output] = (int(end) - int(start)) / 1000
    return [(s, o) for o, s in steps.items()]


def sources(tree):
    """Object file -> source file, from compile_commands.json."""
    path = os.path.join(tree, "compile_commands.json")
    if not os.path.exists(path):
        return {}
    out = {}
    for e in json.load(open(path)):
        m = re.search(r"-o (\S+)", e.get("command", ""))
        if m:
            out[m.group(1)] = os.path.normpath(e["file"])
    return out


def area(output):
    for key, name in (("webox_lib.dir", "libwebox"), ("cli/CMakeFiles", "cli"), ("webox_unit.dir", "unit tests"),
                      ("fuzz_parsers", "fuzz parsers"), ("/fuzz_", "fuzz targets"), ("plugins/", "plugins")):
        if key in output:
            return name
    return "other"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="+")
    ap.add_argument("--top", type=int, default=8)
    a = ap.parse_args()
    counts = collections.defaultdict(list)
    for tree in a.trees:
        steps = last_build(tree)
        srcs = sources(tree)
        compiles = [(s, o) for s, o in steps if o.endswith((".o", ".gch"))]
        total = sum(s for s, _ in steps)
        print(f"== {tree}: {len(steps)} steps, {total:.0f} s; {len(compiles)} compiles, "
              f"{sum(s for s, _ in compiles):.0f} s")
        by_area = collections.Counter()
        for s, o in compiles:
            by_area[area(o)] += s
        print("   " + ", ".join(f"{k} {v:.0f} s" for k, v in by_area.most_common()))
        for s, o in sorted(compiles, reverse=True)[:a.top]:
            print(f"   {s:6.1f} s  {o}")
        for s, o in compiles:
            if o in srcs:
                counts[os.path.relpath(srcs[o], os.path.commonpath(list(srcs.values())))].append((tree, s))
    repeated = sorted(counts.items(), key=lambda kv: -sum(s for _, s in kv[1]))
    repeated = [(f, v) for f, v in repeated if len(v) > 1]
    if repeated:
        print("== sources compiled more than once (unity batches are one source)")
        for f, v in repeated[:a.top * 3]:
            print(f"   {len(v)}x {sum(s for _, s in v):6.1f} s  {f}")


if __name__ == "__main__":
    main()
