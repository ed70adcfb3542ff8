#!/usr/bin/env python3
"""Runs a command (stdout discarded) and prints its wall time and max RSS.

Usage: maxrss.py CMD [ARGS...]   ->  "wall_s=0.123 maxrss_kb=4567 exit=0"
Used instead of /usr/bin/time, which a fresh Debian machine may not have.
"""
import resource
import subprocess
import sys
import time

start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"wall_s={wall:.3f} maxrss_kb={rss} exit={proc.returncode}")
