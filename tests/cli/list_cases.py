"""Prints, for each CLI test file given, one line per unittest class holding
tests: `<file>|<class>|<number of tests>`. tests/CMakeLists.txt registers each
class as its own ctest test (`python3 test_x.py Class` runs only that class),
so that the classes of one file run in parallel instead of one after the
other. A file that cannot be imported is printed with the class `*`: it is
then registered whole, and fails there with its own error."""
import importlib.util
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

for path in sys.argv[1:]:
    name = os.path.splitext(os.path.basename(path))[0]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    except Exception:  # noqa: BLE001 - any import failure: register the file whole
        print(f"{path}|*|1")
        continue
    counts = {}

    def walk(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                walk(t)
            else:
                counts[type(t).__name__] = counts.get(type(t).__name__, 0) + 1
    walk(suite)
    if not counts or any(c.startswith("_Failed") for c in counts):
        print(f"{path}|*|1")
    for cls, n in counts.items():
        print(f"{path}|{cls}|{n}")
