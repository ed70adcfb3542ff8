"""The lifecycle of leads over months (issue 25) through the real binary:
opt-outs (words seen by collection, `leads optout`, linked people),
sequences over simulated days (WEBOX_NOW), statistics against hand-computed
figures, personal-data rights (export-person, forget checked over the
database file and its WAL, retention), against the loopback Instagram and X
send endpoints of tests/fakes/fake_social.py."""
import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request

from harness import PG_BIN, WEBOX, WeboxTestCase, main, store_is_pg

IG_ACCOUNT = "17841400000000001"


class LifecycleTestCase(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_social.py")
        self.env.update({
            "INSTAGRAM_BASE_URL": self.fake.url + "/ig",
            "INSTAGRAM_ACCESS_TOKEN": "test-token",
            "INSTAGRAM_USER_ID": IG_ACCOUNT,
            "X_API_BASE_URL": self.fake.url + "/x",
            "X_BEARER_TOKEN": "x-test-token",
            "X_USER_ID": "2244994945",
            "WEBOX_DM_PACE_MS": "0",
            "WEBOX_DM_BACKOFF_MS": "1",
            "WEBOX_RETRY_BASE_MS": "10",
        })

    def messages(self):
        with urllib.request.urlopen(self.fake.url + "/__messages", timeout=5) as r:
            return json.loads(r.read())

    def recipients(self):
        return sorted(m["recipient"] for m in self.messages())

    def db_path(self):
        return os.path.join(self.home, "data", "webox", "webox.db")

    def db(self):
        return sqlite3.connect(self.db_path())

    def psql(self, sql):
        """Rows of `sql` on the test's PostgreSQL store, as lists of text."""
        out = subprocess.run([os.path.join(PG_BIN, "psql"), self.pg.url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                              "-c", sql], check=True, capture_output=True, text=True, timeout=60).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def count(self, sql):
        """The one number `sql` answers, on either backend."""
        if store_is_pg():
            return int(self.psql(sql)[0][0])
        with self.db() as c:
            return c.execute(sql).fetchone()[0]

    def config(self, text):
        os.makedirs(os.path.join(self.home, "config", "webox"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write(text)

    def collect(self, lines, check=0, env=None):
        path = os.path.join(self.home, f"seed-{time.monotonic_ns()}.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(json.dumps(l) for l in lines) + "\n")
        return self.webox("scrape-interactions", "--from", path, "--quiet", check=check, env=env)

    @staticmethod
    def person(platform, pid, name, when, text="C'est dispo ? prix ?", kind="dm", n=3, full_name=None):
        p = {"id": pid, "username": name}
        if full_name:
            p["name"] = full_name
        return [{"platform": platform, "platform_id": f"{platform}-{pid}-{when}-{k}", "kind": kind, "person": p,
                 "text": text, "timestamp": when - k} for k in range(n)]


class OptoutTest(LifecycleTestCase):
    def test_an_optout_word_in_a_dm_or_comment_stops_every_message(self):
        now = int(time.time())
        lines = []
        for i in range(3):
            lines += self.person("instagram", f"9900000{i}", f"client.{i}", now - 3600)
        # client.1 says STOP in a DM, client.2 "me désinscrire" in a comment.
        lines.append({"platform": "instagram", "platform_id": "stop-1", "kind": "dm", "text": "STOP !",
                      "person": {"id": "99000001", "username": "client.1"}, "timestamp": now - 60})
        lines.append({"platform": "instagram", "platform_id": "stop-2", "kind": "comment", "text": "Merci de me DÉSINSCRIRE",
                      "person": {"id": "99000002", "username": "client.2"}, "timestamp": now - 60})
        r = self.webox("scrape-interactions", "--from", self.write(lines), "--json", check=0)
        self.assertEqual(r.json()["new_optouts"], 2)
        shown = self.webox("leads", "show", "@client.1", "--json", check=0).json()
        self.assertEqual(shown["optout"]["source"], "dm")
        self.assertIn("stop", shown["optout"]["reason"])
        self.assertIn("OPTED OUT", self.webox("leads", "show", "@client.2", check=0).out)
        self.assertNotIn("OPTED OUT", self.webox("leads", "show", "@client.0", check=0).out)
        opted = [l["username"] for l in json.loads(self.webox("leads", "list", "--opted-out", "--json", check=0).out)]
        self.assertEqual(sorted(opted), ["client.1", "client.2"])
        contactable = json.loads(self.webox("leads", "list", "--contactable", "--json", check=0).out)
        self.assertEqual([l["username"] for l in contactable], ["client.0"])
        self.assertTrue(all(not l["opted_out"] for l in contactable))
        doc = self.webox("leads", "dm", "--template", "bienvenue", "--send", "--status", "any", "--json", check=0).json()
        self.assertEqual(doc["counts"], {"sent": 1})
        self.assertEqual(self.recipients(), ["99000000"])

    def test_optout_by_hand_covers_linked_people_and_can_be_undone(self):
        now = int(time.time())
        lines = self.person("instagram", "99000001", "marie.dupont", now - 3600, text="dispo ? 06 12 34 56 78")
        lines += self.person("x", "30000001", "marie_x", now - 3600, text="prix ? 06 12 34 56 78")
        lines += self.person("x", "30000002", "paul_x", now - 3600)
        self.collect(lines)
        r = self.webox("leads", "optout", "@marie.dupont", "--platform", "instagram", "--reason", "a demandé STOP", check=0)
        self.assertIn("opted out", r.out)
        linked = self.webox("leads", "show", "@marie_x", "--json", check=0).json()["optout"]
        self.assertEqual(linked["linked_person"], {"platform": "instagram", "handle": "@marie.dupont"})
        self.assertEqual(linked["reason"], "a demandé STOP")
        doc = self.webox("leads", "dm", "--template", "bienvenue", "--send", "--status", "any", "--json", check=0).json()
        self.assertEqual(self.recipients(), ["30000002"])
        self.assertEqual(doc["counts"], {"sent": 1})
        # Again: already opted out, the first reason stays.
        self.assertIn("already opted out (a demandé STOP", self.webox("leads", "optout", "@marie.dupont", check=0).out)
        undo = self.webox("leads", "optout", "@marie.dupont", "--undo", "--json", check=0).json()
        self.assertEqual((undo["changed"], undo["opted_out"]), (True, False))
        self.assertIsNone(self.webox("leads", "show", "@marie_x", "--json", check=0).json()["optout"])

    def test_configured_words_replace_a_language(self):
        self.config("leads:\n  optout_words:\n    fr: [\"ras le bol\"]\n    en: []\n")
        now = int(time.time())
        lines = self.person("instagram", "1", "a", now - 60, text="STOP")
        lines += self.person("instagram", "2", "b", now - 60, text="Ras  le BOL de vos messages")
        self.assertEqual(self.collect(lines, check=0).code, 0)
        opted = [l["username"] for l in json.loads(self.webox("leads", "list", "--opted-out", "--json", check=0).out)]
        self.assertEqual(opted, ["b"])

    def test_bad_input(self):
        now = int(time.time())
        self.collect(self.person("instagram", "1", "same", now - 60) + self.person("x", "2", "same", now - 60))
        r = self.webox("leads", "optout", "@nobody", check=2)
        self.assertIn("nobody known as @nobody", r.err)
        r = self.webox("leads", "optout", "@same", check=2)
        self.assertIn("several people", r.err)
        self.webox("leads", "optout", "@same", "--platform", "x", check=0)
        self.webox("leads", "list", "--opted-out", "--contactable", check=2)
        for bad, where in [("leads:\n  optout_words: [stop]\n", "mapping"),
                           ("leads:\n  optout_words:\n    fr: stop\n", "list"),
                           ("leads:\n  optout_words:\n    fr: [\"  \"]\n", "blank"),
                           ("leads:\n  optout_words:\n    fr: [" + "x" * 101 + "]\n", "100 bytes")]:
            self.config(bad)
            r = self.collect(self.person("instagram", "3", "c", now - 60), check=4)
            self.assertIn("config.yaml:", r.err)
            self.assertIn(where, r.err)

    def write(self, lines):
        path = os.path.join(self.home, f"seed-{time.monotonic_ns()}.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(json.dumps(l) for l in lines) + "\n")
        return path


T0 = 1796000000  # WEBOX_NOW of day 0 (2026-12-01)
DAY = 86400

SEQUENCE = """\
leads: {min_score: 15}
steps:
  - template: bienvenue
  - template: welcome
    after: 3d
"""


class SequenceTest(LifecycleTestCase):
    def setUp(self):
        super().setUp()
        self.seq_dir = os.path.join(self.home, "config", "webox", "sequences")
        os.makedirs(self.seq_dir, exist_ok=True)
        self.write_sequence("relance", SEQUENCE)

    def write_sequence(self, name, text):
        path = os.path.join(self.seq_dir, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def at(self, day, extra=0):
        return {"WEBOX_NOW": str(T0 + day * DAY + extra)}

    def seed_x(self, n=3):
        lines = []
        for i in range(n):
            lines += self.person("x", f"30{i:06d}", f"x.user{i}", T0 - 3600)
        self.collect(lines, env=self.at(0))

    def run_seq(self, day, *args, check=0, extra=0, env=None):
        e = self.at(day, extra)
        e.update(env or {})
        return self.webox("leads", "sequence", "run", "relance", "--send", "--json", *args, check=check, env=e)

    def status(self):
        return self.webox("leads", "sequence", "status", "relance", "--json", check=0).json()["steps"]

    def sent_texts(self):
        return sorted((m["recipient"], m["text"].split()[0]) for m in self.messages())

    def test_steps_over_simulated_days_and_a_reply_stops_them(self):
        self.seed_x()
        dry = self.webox("leads", "sequence", "run", "relance", "--json", check=0, env=self.at(0)).json()
        self.assertTrue(dry["dry_run"])
        self.assertEqual(dry["steps"][0]["counts"], {"would_send": 3})
        self.assertEqual(self.messages(), [])
        doc = self.run_seq(0).json()
        self.assertEqual(doc["steps"][0]["counts"], {"sent": 3})
        self.assertEqual(doc["steps"][1]["counts"], {})
        self.assertEqual(self.run_seq(0).json()["steps"][0]["counts"], {})  # again the same day: nothing
        # Day 1: x.user1 answers (collected); day 2: not due yet.
        self.collect([{"platform": "x", "platform_id": "reply-1", "kind": "dm", "text": "oui, combien ?",
                       "person": {"id": "30000001", "username": "x.user1"}, "timestamp": T0 + DAY}], env=self.at(1))
        self.assertEqual(self.run_seq(2).json()["steps"][1]["counts"], {})
        # Day 3 and a minute: step 2 for the two who did not answer.
        doc = self.run_seq(3, extra=60).json()
        self.assertEqual(doc["steps"][1]["counts"], {"sent": 2})
        self.assertEqual(self.sent_texts(), [("30000000", "Bonjour"), ("30000000", "Hi"), ("30000001", "Bonjour"),
                                             ("30000002", "Bonjour"), ("30000002", "Hi")])
        st = self.status()
        self.assertEqual((st[0]["sent"], st[0]["replied"], st[0]["waiting"]), (3, 1, 0))
        self.assertEqual(st[1]["sent"], 2)
        self.assertEqual(self.run_seq(9).json()["steps"][1]["counts"], {})
        table = self.webox("leads", "sequence", "status", "relance", check=0).out
        self.assertIn("REPLIED", table)

    def test_an_optout_stops_a_sequence(self):
        self.seed_x(2)
        self.run_seq(0)
        self.collect([{"platform": "x", "platform_id": "stop-0", "kind": "dm", "text": "Stop.",
                       "person": {"id": "30000000", "username": "x.user0"}, "timestamp": T0 - 10}], env=self.at(0))
        self.run_seq(4)
        self.assertEqual(self.sent_texts(), [("30000000", "Bonjour"), ("30000001", "Bonjour"), ("30000001", "Hi")])

    def test_overlapping_runs_send_each_step_once(self):
        self.seed_x(4)
        env = dict(self.env)
        env.update(self.at(0))
        env["WEBOX_DM_PACE_MS"] = "150"
        procs = [subprocess.Popen([WEBOX, "leads", "sequence", "run", "relance", "--send", "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
        for p in procs:
            p.communicate(timeout=60)
            self.assertIn(p.returncode, (0, 3))  # 3: another run held a person (uncertain for this one)
        recipients = [m["recipient"] for m in self.messages()]
        self.assertEqual(sorted(recipients), [f"30{i:06d}" for i in range(4)])

    def test_killed_between_steps_never_sends_twice(self):
        self.seed_x(4)
        env = dict(self.env)
        env.update(self.at(0))
        env["WEBOX_DM_PACE_MS"] = "3000"  # first message at once, then a long wait before the second
        p = subprocess.Popen([WEBOX, "leads", "sequence", "run", "relance", "--send"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Killed between steps: once the first message is recorded as sent in
        # the ledger, during the pause before the second. (Killed after the
        # platform took it but before the ledger's commit, the person is
        # "uncertain", reported with exit 3 and never sent again — correct,
        # but not this test: waiting for the fake alone hit it on a loaded
        # machine.)
        deadline = time.time() + 20
        while time.time() < deadline and not (
                self.messages() and self.count("SELECT count(*) FROM dm_ledger WHERE state = 'sent'")):
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.communicate()
        self.assertEqual(len(self.messages()), 1)
        self.run_seq(0)
        self.assertEqual(sorted(m["recipient"] for m in self.messages()), [f"30{i:06d}" for i in range(4)])
        self.run_seq(3, extra=1)
        self.assertEqual(len(self.messages()), 8)
        self.run_seq(4)
        self.assertEqual(len(self.messages()), 8)

    def test_bad_sequence_files(self):
        cases = [
            ("steps:\n  - template: nope\n", ":2:", "nope"),
            ("steps:\n  - template: bienvenue\n  - template: welcome\n    after: 3 days\n", ":4:", "after"),
            ("steps:\n  - template: bienvenue\n  - template: welcome\n", ":3:", "needs 'after'"),
            ("steps:\n  - template: bienvenue\n    after: 1d\n", ":3:", "first step"),
            ("steps:\n  - template: bienvenue\n    goto: 1\n", ":3:", "unknown key 'goto'"),
            ("steps:\n  - template: bienvenue\n  - template: welcome\n    after: 2d\n    if: {score: 3}\n", ":5:", "score"),
            ("leads: {status: maybe}\nsteps:\n  - template: bienvenue\n", ":1:", "status"),
            ("steps: []\n", ":1:", "non-empty"),
            ("steps:\n  - template: bienvenue\n  - template: welcome\n    after: 400d\n", ":4:", "year"),
            ("steps: [\n", ":", ""),
            ("steps:\n  - template: ../../bienvenue\n", ":2:", "is not a DM template name"),
            ("steps:\n aftecome\n? af - 'ter: 800d\n", ":3:", "a key must be a name"),  # found by fuzz_dm_sequence
        ]
        for text, line, what in cases:
            path = self.write_sequence("bad", text)
            r = self.webox("leads", "sequence", "run", "bad", check=2)
            self.assertIn(path + line, r.err, text)
            self.assertIn(what, r.err, text)
        r = self.webox("leads", "sequence", "run", "absent", check=2)
        self.assertIn("no sequence 'absent'", r.err)
        self.webox("leads", "sequence", "run", "/nowhere/x.yaml", check=2)
        self.webox("leads", "sequence", "status", "absent", check=2)
        self.webox("leads", "sequence", "run", "relance", "--limit", "-1", check=2)


class StatsTest(LifecycleTestCase):
    def seed(self):
        now = int(time.time())
        lines = []
        for i in range(4):
            for k in range(4):
                lines.append({"platform": "instagram", "platform_id": f"ig-{i}-{k}", "kind": "comment", "text": "prix ?",
                              "person": {"id": f"99{i}", "username": f"a{i}"}, "timestamp": now - 3600 - k,
                              "post": {"id": "P1", "permalink": "https://instagram.test/p/P1"}})
        for i in range(2):
            lines += self.person("x", f"30{i}", f"b{i}", now - 3600)
        lines += self.person("x", "399", "faible", now - 3600, kind="like", n=1)  # not a lead
        self.collect(lines)
        for who, status in [("@a0", "converted"), ("@a1", "refused"), ("@b0", "contacted"), ("@b1", "converted")]:
            self.webox("leads", "set-status", who, status, check=0)
        leads = {l["username"]: l for l in json.loads(self.webox("leads", "list", "--json", check=0).out)}
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self.db() as c:
            for who, state, updated in [("a0", "sent", "2020-01-01T00:00:00Z"), ("a2", "sent", "2099-01-01T00:00:00Z"),
                                        ("a3", "failed", stamp)]:
                l = leads[who]
                c.execute("INSERT INTO dm_ledger(campaign, platform, account, person_id, lead_id, state, text, day, created_at, "
                          "updated_at) VALUES('c', 'instagram', 'me', ?, ?, ?, 'hi', '2026-01-01', ?, ?)",
                          (l["person_id"], l["id"], state, stamp, updated))
        return leads

    def test_figures_against_a_seeded_store(self):
        leads = self.seed()
        self.assertEqual(len(leads), 6)
        d = self.webox("leads", "stats", "--json", check=0).json()
        self.assertEqual((d["leads"], d["converted"]), (6, 2))
        self.assertAlmostEqual(d["conversion_rate"], 2 / 6)
        self.assertEqual(d["by_status"], {"new": 2, "contacted": 1, "in_progress": 0, "converted": 2, "refused": 1})
        self.assertEqual(d["by_platform"]["instagram"]["leads"], 4)
        self.assertEqual(d["by_platform"]["instagram"]["converted"], 1)
        self.assertEqual((d["by_platform"]["x"]["leads"], d["by_platform"]["x"]["converted"]), (2, 1))
        self.assertEqual(d["by_post"], [{"platform": "instagram", "post": "P1", "permalink": "https://instagram.test/p/P1",
                                         "leads": 4, "converted": 1}])
        bands = {b["band"]: b["leads"] for b in d["by_score"]}
        expected = {"0-14": 0, "15-29": 0, "30-49": 0, "50-74": 0, "75-100": 0}
        for l in leads.values():
            s = l["score"]
            band = "0-14" if s < 15 else "15-29" if s < 30 else "30-49" if s < 50 else "50-74" if s < 75 else "75-100"
            expected[band] += 1
        self.assertEqual(bands, expected)
        self.assertEqual(d["status_changes"], 4)
        self.assertEqual(sum(w["created"] for w in d["by_week"]), 6)
        self.assertEqual(sum(w["converted"] for w in d["by_week"]), 2)
        self.assertEqual(d["dms"], {"sent": 2, "replied": 1, "refused": 1, "uncertain": 0, "reply_rate": 0.5})
        self.assertEqual(self.webox("leads", "stats", "--since", "30d", "--json", check=0).json()["leads"], 6)
        self.assertEqual(self.webox("leads", "stats", "--since", "2099-01-01", "--json", check=0).json()["leads"], 0)
        text = self.webox("leads", "stats", check=0).out
        self.assertIn("6 leads, 2 converted (33.3%)", text)
        self.assertIn("DMs: 2 sent, 1 replied (50.0%), 1 refused", text)
        self.assertIn("\u2588", text)
        for by in ["platform", "post", "score", "week"]:
            self.assertEqual(self.webox("leads", "stats", "--by", by, check=0).code, 0)
        self.assertIn("https://instagram.test/p/P1", self.webox("leads", "stats", "--by", "post", check=0).out)

    def test_bad_input(self):
        self.webox("leads", "stats", check=1)  # no store yet
        self.seed()
        for bad in ["30", "abc", "0d", "-5d", "99999d", "30x", "2026-13-45"]:
            r = self.webox("leads", "stats", "--since", bad, check=2)
            self.assertIn("--since", r.err, bad)
        self.webox("leads", "stats", "--by", "nope", check=2)


class PrivacyTest(LifecycleTestCase):
    SECRETS = [b"marie.dupont", b"Marie Dupont", b"0612345678", b"+33612345678", b"06 12 34 56 78", b"Dupont"]

    def seed(self):
        now = int(time.time())
        lines = self.person("instagram", "99000001", "marie.dupont", now - 3600, text="rappelez-moi au 06 12 34 56 78",
                            full_name="Marie Dupont")
        lines += self.person("instagram", "99000002", "paul.martin", now - 3600, full_name="Paul Martin")
        self.collect(lines)
        return lines

    @staticmethod
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def files(self):
        base = self.db_path()
        return [p for p in (base, base + "-wal") if os.path.exists(p)]

    def traces(self):
        """Where the store still holds one of SECRETS. SQLite: the bytes of the
        database file and its WAL (the erased pages included). PostgreSQL: every
        row of every table as text, through SQL (the server's files, WAL and
        backups are the operator's: webox-leads(1), forget)."""
        found = []
        if store_is_pg():
            tables = [r[0] for r in self.psql("SELECT table_name FROM information_schema.tables "
                                              "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")]
            for table in tables:
                for secret in self.SECRETS + [b"marie"]:
                    pattern = secret.decode().replace("%", "").replace("'", "''")
                    n = int(self.psql(f"SELECT count(*) FROM \"{table}\" t WHERE t::text ILIKE '%{pattern}%'")[0][0])
                    if n:
                        found.append((table, secret))
            return found
        for f in self.files():
            data = self.read(f)
            found += [(f, secret) for secret in self.SECRETS if secret in data]
            if b"marie" in subprocess.run(["strings", f], capture_output=True).stdout.lower():
                found.append((f, b"marie"))
        return found

    def test_export_then_forget_leaves_no_trace_and_collection_does_not_bring_her_back(self):
        lines = self.seed()
        self.webox("leads", "optout", "@marie.dupont", "--reason", "STOP", check=0)
        self.webox("leads", "dm", "--template", "bienvenue", "--send", "--status", "any", check=0)  # paul only
        doc = self.webox("leads", "export-person", "@marie.dupont", check=0).json()
        self.assertEqual(doc["person"]["name"], "Marie Dupont")
        self.assertEqual(len(doc["interactions"]), 3)
        self.assertEqual(doc["contacts"][0]["value"], "+33612345678")
        self.assertEqual(doc["lead"]["person_id"], doc["person"]["id"])
        self.assertEqual(doc["optouts"][0]["reason"], "STOP")
        for key in ("lead_events", "dm_ledger", "exports"):
            self.assertIn(key, doc)
        self.assertTrue(self.traces())  # the check below can see them
        self.webox("leads", "forget", "@marie.dupont", check=2)  # no --yes
        r = self.webox("leads", "forget", "@marie.dupont", "--yes", "--json", check=0).json()
        self.assertEqual(r["interactions"], 3)
        self.assertEqual(self.traces(), [])
        if store_is_pg():  # hosts share the database, not a folder
            self.assertEqual(len(self.psql("SELECT salt FROM suppression_salt")[0][0]), 64)
        else:
            salt = os.path.join(os.path.dirname(self.db_path()), "webox-suppression.salt")
            self.assertEqual(os.stat(salt).st_mode & 0o777, 0o600)
        self.assertEqual([l["username"] for l in json.loads(self.webox("leads", "list", "--json", check=0).out)],
                         ["paul.martin"])
        # Collected again, old and new: never stored.
        now = int(time.time())
        self.collect(lines + self.person("instagram", "99000001", "marie.dupont", now, text="encore moi"))
        self.assertEqual(self.count("SELECT count(*) FROM people"), 1)
        self.webox("leads", "show", "@marie.dupont", check=2)
        self.webox("leads", "forget", "@marie.dupont", "--yes", check=2)  # unknown now
        self.webox("leads", "export-person", "@nobody", check=2)

    def test_a_person_forgotten_on_one_host_is_not_collected_by_another(self):
        if not store_is_pg():
            self.skipTest("hosts share a store on PostgreSQL")
        lines = self.seed()
        self.webox("leads", "forget", "@marie.dupont", "--yes", check=0)
        # Another host: the same store, its own data, state and config folders.
        other = os.path.join(self.home, "other-host")
        for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"), ("XDG_CONFIG_HOME", "config")):
            self.env[var] = os.path.join(other, sub)
        self.collect(lines)
        self.assertEqual(self.count("SELECT count(*) FROM people"), 1)
        self.webox("leads", "show", "@marie.dupont", check=2)

    def test_retention_days_deletes_old_interactions_when_collecting(self):
        now = int(time.time())
        self.config("leads:\n  retention_days: 30\n")
        lines = self.person("x", "1", "vieux", now - 40 * 86400) + self.person("x", "2", "recent", now - 3600)
        self.collect(lines)
        self.assertEqual(self.count("SELECT count(*) FROM interactions"), 3)
        self.config("")
        self.collect(self.person("x", "1", "vieux", now - 100 * 86400))
        r = self.webox("leads", "purge", "--older-than", "30", check=0)
        self.assertIn("3 interactions", r.out)
        self.webox("leads", "purge", check=2)
        self.webox("leads", "purge", "--older-than", "0", check=2)
        self.config("leads:\n  retention_days: -3\n")
        self.collect(lines, check=4)


if __name__ == "__main__":
    main()
