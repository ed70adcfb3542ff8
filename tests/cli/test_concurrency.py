"""Concurrency: 4 webox processes write the same database at once — chat
calls logged through the echo provider, JSONL imports that overlap (the same
people and some of the same interactions in every worker), `leads set-status`
and incremental exports (`leads export -o FILE --since-last`, whose state is
written to the same database) — with zero "database is locked" failures, an intact
database and counts that match what was done.

bench/concurrency.sh runs the same workload at full size (1,000 operations);
this test runs a smaller one. Nothing here is timed."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading

from harness import WEBOX, WeboxTestCase, main

WORKERS = 4
STATUSES = ["contacted", "in_progress", "converted", "refused", "new"]


def seed_lines(worker):
    """The lead each worker will move through statuses."""
    return [json.dumps({"platform": "instagram", "platform_id": f"seed-{worker}", "kind": "comment",
                        "person": {"id": f"lead-{worker}", "username": f"lead.{worker}"},
                        "text": f"Rappelez-moi au 06 12 34 56 7{worker}", "timestamp": 1795000000})]


def import_lines(worker, op):
    """10 interactions of its own and 5 shared by every worker (same ids, same people)."""
    lines = []
    for k in range(10):
        lines.append({"platform": "instagram", "platform_id": f"w{worker}-o{op}-{k}", "kind": "comment",
                      "person": {"id": f"p{(op + k) % 30}", "username": f"p.{(op + k) % 30}"},
                      "text": "Dispo ? écrivez à p%d@exemple.fr" % ((op + k) % 30), "timestamp": 1795000000 - op * 60 - k})
    for k in range(5):
        lines.append({"platform": "instagram", "platform_id": f"shared-{op}-{k}", "kind": "like",
                      "person": {"id": f"p{k}"}, "text": "", "timestamp": 1795000000 - op})
    return [json.dumps(l) for l in lines]


def run_workload(env, ops_per_worker, workdir):
    """Runs the workload; returns (failures, expected counts). A failure is
    (worker, op, exit code, stderr)."""
    def webox(args, stdin=None):
        p = subprocess.run([WEBOX, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stderr

    seed = os.path.join(workdir, "seed.jsonl")
    with open(seed, "w") as f:
        for w in range(WORKERS):
            f.write("\n".join(seed_lines(w)) + "\n")
    code, err = webox(["scrape-interactions", "--from", seed, "--quiet"])
    if code != 0:
        raise RuntimeError(f"seed import failed: {err}")
    leads = json.loads(subprocess.run([WEBOX, "leads", "list", "--json"], env=env, capture_output=True, text=True,
                                      check=True).stdout)
    lead_of = {l["platform_user_id"]: l["id"] for l in leads}

    failures, lock = [], threading.Lock()
    expected = {"chats": 0, "imports": 0, "status": {w: 0 for w in range(WORKERS)}, "ids": set(), "exports": set()}
    for w in range(WORKERS):
        expected["ids"].add(f"seed-{w}")

    def worker(w):
        for op in range(ops_per_worker):
            kind = op % 4
            if kind == 0:
                args, stdin = ["chat", "-m", "echo", f"worker {w} op {op}"], None
            elif kind == 3:
                out = os.path.join(workdir, f"export-{w}.csv")
                args, stdin = ["-q", "leads", "export", "-o", out, "--since-last"], None
            elif kind == 1:
                args, stdin = ["scrape-interactions", "--from", "-", "--quiet"], "\n".join(import_lines(w, op)) + "\n"
            else:
                n = expected_status_calls(op)
                args, stdin = ["leads", "set-status", str(lead_of[f"lead-{w}"]), STATUSES[(n - 1) % len(STATUSES)]], None
            code, err = webox(args, stdin)
            with lock:
                if code != 0 or "locked" in err:
                    failures.append((w, op, code, err.strip()[-300:]))
                if kind == 0:
                    expected["chats"] += 1
                elif kind == 3:
                    expected["exports"].add(os.path.join(workdir, f"export-{w}.csv"))
                elif kind == 1:
                    expected["imports"] += 1
                    expected["ids"].update(json.loads(l)["platform_id"] for l in import_lines(w, op))
                else:
                    expected["status"][w] += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected["lead_of"] = lead_of
    return failures, expected


def expected_status_calls(op):
    """How many set-status calls a worker has made once it reaches `op` (each
    moves its lead to the next status, so every call is a real change)."""
    return sum(1 for o in range(op + 1) if o % 4 == 2)


def check_database(db_path, expected):
    """Returns a list of problems (empty when all is well)."""
    problems = []
    with sqlite3.connect(db_path) as c:
        if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check failed")
        if c.execute("PRAGMA foreign_key_check").fetchall():
            problems.append("foreign_key_check failed")
        calls = c.execute("SELECT count(*) FROM calls").fetchone()[0]
        if calls != expected["chats"]:
            problems.append(f"{calls} calls logged, {expected['chats']} chats made")
        ids = [r[0] for r in c.execute("SELECT platform_id FROM interactions")]
        if len(ids) != len(set(ids)):
            problems.append("an interaction stored twice")
        if set(ids) != expected["ids"]:
            problems.append(f"{len(set(ids))} interactions stored, {len(expected['ids'])} expected")
        people = c.execute("SELECT count(*), count(DISTINCT platform_user_id) FROM people").fetchone()
        if people[0] != people[1]:
            problems.append("a person stored twice")
        for w, n in expected["status"].items():
            lead = expected["lead_of"][f"lead-{w}"]
            events = c.execute("SELECT count(*) FROM lead_events WHERE lead_id = ? AND kind = 'status'", (lead,)).fetchone()[0]
            if events != n:
                problems.append(f"lead {lead}: {events} status events, {n} set-status calls")
            status = c.execute("SELECT status FROM leads WHERE id = ?", (lead,)).fetchone()[0]
            if n and status != STATUSES[(n - 1) % len(STATUSES)]:
                problems.append(f"lead {lead} ends {status}")
        exported = {r[0] for r in c.execute("SELECT destination FROM export_state")}
        if len(exported) != len(expected["exports"]):
            problems.append(f"{len(exported)} export states, {len(expected['exports'])} destinations exported to")
        if c.execute("SELECT count(*) FROM people WHERE needs_rescore <> 0").fetchone()[0]:
            problems.append("people left unscored")
    return problems


class ConcurrencyTest(WeboxTestCase):
    def test_four_writers_no_lock_failure_no_corruption(self):
        failures, expected = run_workload(self.env, 12, self.home)
        self.assertEqual(failures, [])
        db = os.path.join(self.home, "data", "webox", "webox.db")
        self.assertEqual(check_database(db, expected), [])
        self.assertEqual(expected["chats"], WORKERS * 3)   # 12 operations: 3 of each of the 4 kinds
        self.assertEqual(len(expected["exports"]), WORKERS)


def bench(ops_total):
    """bench/concurrency.sh: the same workload at full size; prints figures."""
    import time
    home = tempfile.mkdtemp(prefix="webox-bench-concurrency-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBOX_", "XDG_"))}
    env.update({"HOME": home, "XDG_CONFIG_HOME": home + "/config", "XDG_DATA_HOME": home + "/data",
                "XDG_CACHE_HOME": home + "/cache", "XDG_STATE_HOME": home + "/state", "NO_COLOR": "1"})
    if "WEBOX_PLUGIN_PATH" in os.environ:
        env["WEBOX_PLUGIN_PATH"] = os.environ["WEBOX_PLUGIN_PATH"]
    start = time.monotonic()
    failures, expected = run_workload(env, ops_total // WORKERS, home)
    wall = time.monotonic() - start
    problems = check_database(os.path.join(home, "data", "webox", "webox.db"), expected)
    ops = WORKERS * (ops_total // WORKERS)
    print(f"operations: {ops} by {WORKERS} processes ({expected['chats']} chats, {expected['imports']} imports, "
          f"{sum(expected['status'].values())} set-status) in {wall:.1f} s = {ops / wall:.0f} ops/s")
    print(f"failures: {len(failures)} (locked: {sum('locked' in f[3] for f in failures)})")
    for f in failures[:5]:
        print("  ", f)
    print("database: " + ("integrity ok, counts match" if not problems else "; ".join(problems)))
    import shutil
    shutil.rmtree(home, ignore_errors=True)
    return 0 if not failures and not problems else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bench":
        sys.exit(bench(int(sys.argv[2])))
    main()
