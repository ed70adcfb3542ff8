#!/usr/bin/env python3
"""Runs a command (stdout discarded) and prints its wall time and max RSS,
then the CPU time it used (user and system, all its threads).

Usage: maxrss.py CMD [ARGS...]
  ->  "wall_s=0.123 maxrss_kb=4567 exit=0 user_s=0.100 sys_s=0.020"
Used instead of /usr/bin/time, which a fresh Debian machine may not have.
"""
import resource
import subprocess
import sys
import time

# Snapshot first: the interpreter's own start-up may have run children.
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"wall_s={wall:.3f} maxrss_kb={usage.ru_maxrss} exit={proc.returncode} "
      f"user_s={usage.ru_utime - before.ru_utime:.3f} sys_s={usage.ru_stime - before.ru_stime:.3f}")
