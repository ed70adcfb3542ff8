"""Crash consistency: webox killed with SIGKILL at 20+ random points during a
paginated scrape (loopback Graph fake) and during a JSONL import, then rerun
to the end and compared with the ground truth: nothing lost, nothing
duplicated, no half-written row, the database intact.

Kill points are spread over the length of an uninterrupted run, measured
first on a throwaway database (that measure is never asserted on: it only
places the points). Every kill lands in a different state (inside a page's
transaction, between pages, during the deferred scoring, at start-up); the
run after it resumes from what was committed."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
import urllib.request

from harness import WEBOX, WeboxTestCase, main

KILLS = 20


class CrashBase(WeboxTestCase):
    def db_path(self, home=None):
        return os.path.join(home or self.home, "data", "webox", "webox.db")

    def run_killed_at(self, args, env, delay):
        """Kills a run after `delay` seconds. Returns (killed, seconds): how
        long a run that finished first really took, so that the caller can
        place later kill points inside the runs as they are now (the probe
        may have run on a busier machine, or on less data)."""
        start = time.monotonic()
        proc = subprocess.Popen([WEBOX, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        took = time.monotonic() - start
        if proc.returncode != -signal.SIGKILL:
            # It finished before the kill: fine, but it must have succeeded.
            self.assertIn(proc.returncode, (0, 3), err.decode("utf-8", "replace"))
        return proc.returncode == -signal.SIGKILL, took

    def timed_run(self, args, env):
        start = time.monotonic()
        subprocess.run([WEBOX, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return time.monotonic() - start

    def check_store(self, c):
        self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(c.execute("PRAGMA foreign_key_check").fetchall(), [])
        people = c.execute("SELECT count(*), count(DISTINCT platform || '/' || platform_user_id) FROM people").fetchone()
        self.assertEqual(people[0], people[1], "a person was stored twice")
        leads = c.execute("SELECT count(*), count(DISTINCT person_id) FROM leads").fetchone()
        self.assertEqual(leads[0], leads[1], "a lead was stored twice")
        contacts = c.execute("SELECT count(*), count(DISTINCT person_id || kind || value) FROM contacts").fetchone()
        self.assertEqual(contacts[0], contacts[1])
        # Every person with an interaction was scored by the end of the rerun.
        self.assertEqual(c.execute("SELECT count(*) FROM people WHERE needs_rescore <> 0").fetchone()[0], 0)
        self.assertEqual(c.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'interactions_by_person'").fetchone()[0], 1,
                         "the person index was left out")
        orphans = c.execute("SELECT count(*) FROM people p WHERE NOT EXISTS "
                            "(SELECT 1 FROM interactions i WHERE i.person_id = p.id)").fetchone()[0]
        self.assertEqual(orphans, 0, "a person without interactions (a page half-kept)")

    def setUp(self):
        super().setUp()
        # Scores decay with time: every run of a test computes them at the
        # same pinned moment, so a rescore can only differ by a real error.
        self.env["WEBOX_NOW"] = "1795100000"

    def check_scores_are_current(self):
        # A full rescore right after the last run changes nothing: every score
        # stored is the one the data gives.
        r = self.webox("leads", "rescore", "--json", check=0)
        self.assertEqual(r.json()["scores_changed"], 0, r.out)


class ScrapeCrashTest(CrashBase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_instagram_fake()

    def control(self, **doc):
        self.fake.control(**doc)

    def truth(self):
        with urllib.request.urlopen(self.fake.url + "/__truth", timeout=5) as r:
            return json.loads(r.read())

    def test_scrape_killed_at_20_points(self):
        # Each Graph answer waits a little, so a run spans many kill points.
        self.control(delay_ms=10)
        args = ["scrape-interactions", "--platform", "instagram", "--quiet"]
        probe = dict(self.env, XDG_DATA_HOME=os.path.join(self.home, "probe"))
        length = self.timed_run(args, probe)
        rnd = random.Random(8)
        posts = sorted(self.truth()["posts"])
        killed = 0
        for attempt in range(KILLS):
            was_killed, took = self.run_killed_at(args, self.env, rnd.uniform(0.0, length))
            killed += was_killed
            if not was_killed:
                length = min(length, took)
            # New comments keep arriving between runs, as they do in life.
            if attempt % 4 == 3:
                self.control(add_comments={posts[attempt % len(posts)]: 1})
        self.assertGreaterEqual(killed, KILLS // 2, "most runs must really be killed")
        self.control(delay_ms=0)
        self.webox(*args, check=0)
        truth = self.truth()
        with sqlite3.connect(self.db_path()) as c:
            ids = [r[0] for r in c.execute("SELECT platform_id FROM interactions WHERE platform = 'instagram'")]
            self.assertEqual(len(ids), len(set(ids)), "an interaction was stored twice")
            self.assertEqual(sorted(ids), truth["interactions"], "an interaction was lost")
            likes = dict(c.execute("SELECT platform_id, like_count FROM posts"))
            self.check_store(c)
        self.assertEqual(likes, truth["posts"])
        self.check_scores_are_current()


class ImportCrashTest(CrashBase):
    """The input grows between runs (new lines arrive, as with a re-exported
    file), so that no rerun is a no-op; runs go on until 20 were really killed."""

    def setUp(self):
        super().setUp()
        # Small batches: many commits inside one run (16 of 250 lines for
        # the first 4,000), so kill points fall before, between and after
        # them (and in the deferred scoring). A third of the rows of 12,000 in
        # batches of 1,000 it once had, for more commits per run: the test
        # took 276 s under ASan, alone longer than the rest of a CI run.
        self.env["WEBOX_IMPORT_BATCH"] = "250"
        self.rnd = random.Random(3)
        self.path = os.path.join(self.home, "in.jsonl")
        self.truth_ids, self.people, self.phones = [], set(), {}
        self.next = 0
        open(self.path, "w").close()

    def append(self, n):
        rnd = self.rnd
        with open(self.path, "a") as f:
            for _ in range(n):
                i = self.next
                self.next += 1
                u = rnd.randrange(1200)
                text = rnd.choice(["Magnifique !", "Prix ?", "C'est dispo ?", "Bravo"])
                if i % 25 == 0:
                    # 06 10..38: metropolitan mobiles (0639 is Mayotte, 069x the Antilles and Réunion)
                    number = f"06 {rnd.randrange(10, 39)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)}"
                    text += " appelez-moi au " + number
                    self.phones.setdefault(f"u{u}", set()).add("+33" + number.replace(" ", "")[1:])
                if i % 997 == 0:
                    f.write("{broken line\n")  # reported, never imported, never blocks the rest
                rec = {"platform": "instagram", "platform_id": f"c{i}", "kind": rnd.choice(["comment", "reply", "like", "dm"]),
                       "person": {"id": f"u{u}", "username": f"user.{u}"}, "text": text,
                       "timestamp": 1795000000 - rnd.randrange(0, 60 * 86400), "post": f"p{i % 40}"}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                self.truth_ids.append(f"c{i}")
                self.people.add(f"u{u}")

    def test_import_killed_at_20_points(self):
        self.append(4000)
        args = ["scrape-interactions", "--from", self.path, "--quiet"]
        probe = dict(self.env, XDG_DATA_HOME=os.path.join(self.home, "probe"))
        length = self.timed_run(args, probe)
        rnd = random.Random(5)
        killed = attempts = 0
        while killed < KILLS:
            attempts += 1
            self.assertLess(attempts, 3 * KILLS, "runs keep finishing before their kill point")
            # Half the runs take the bulk path (the person index out while
            # the pages are written, lib/leads/collect/person_index.hpp), half not.
            bulk = dict(self.env, WEBOX_IMPORT_BULK_ROWS="1" if rnd.random() < 0.5 else "1000000000")
            was_killed, took = self.run_killed_at(args, bulk, rnd.uniform(0.0, length))
            killed += was_killed
            if not was_killed:
                # A run that ended before its kill point shows how long runs
                # take now: later points are drawn inside that span.
                length = min(length, took)
            self.append(100)
        # Whatever the last kill left, the next leads command has the index.
        self.webox("leads", "list", "--json")
        with sqlite3.connect(self.db_path()) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'interactions_by_person'").fetchone()[0], 1)
        self.env["WEBOX_IMPORT_BULK_ROWS"] = "1"
        r = self.webox(*args, "--json", check=3)
        self.assertEqual(len(r.json()["bad_lines"]), len(range(0, self.next, 997)))
        with sqlite3.connect(self.db_path()) as c:
            ids = [r[0] for r in c.execute("SELECT platform_id FROM interactions")]
            self.assertEqual(len(ids), len(set(ids)), "an interaction was stored twice")
            self.assertEqual(sorted(ids), sorted(self.truth_ids), "an interaction was lost")
            stored_people = {r[0] for r in c.execute("SELECT platform_user_id FROM people")}
            stored_phones = {}
            for person, value in c.execute("SELECT p.platform_user_id, c.value FROM contacts c "
                                           "JOIN people p ON p.id = c.person_id WHERE c.kind = 'phone'"):
                stored_phones.setdefault(person, set()).add(value)
            lead_phones = {}
            for person, value in c.execute("SELECT p.platform_user_id, l.phones FROM leads l JOIN people p ON p.id = l.person_id"):
                if json.loads(value):
                    lead_phones[person] = set(json.loads(value))
            self.check_store(c)
        self.assertEqual(stored_people, self.people)
        self.assertEqual(stored_phones, self.phones)
        self.assertEqual(lead_phones, self.phones, "a lead's phone list is out of date")
        self.check_scores_are_current()


if __name__ == "__main__":
    main()
