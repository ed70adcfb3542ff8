"""Many hosts on one store (issue 19, item 2): 4 webox processes at once
against the same store, each with its own state directory as on 4 hosts
(on SQLite, one host: they share it), run
  - scrape-interactions of 4 different Instagram accounts (4 fakes),
  - the same DM campaign with a daily quota of 10,
  - the same export with --since-last to one webhook,
and the store ends with nothing lost or doubled: the quota never passed, no
one written twice, no lead delivered twice. On PostgreSQL the per-account
and per-destination locks are database locks: a second host exits 75.
Run on SQLite (cli:) and PostgreSQL (cli-pg:). Nothing here is timed."""
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import unittest
import urllib.request

from harness import PG_BIN, WEBOX, WeboxTestCase, main, store_is_pg

WORKERS = 4
IG_ACCOUNT = "17841400000000001"
SECRET = "whsec_" + base64.b64encode(b"webox-concurrency-secret-0123456789").decode()


class StoreConcurrencyTestCase(WeboxTestCase):
    def host_env(self, w, extra=None):
        """The environment of worker w: on PostgreSQL its own state directory
        (its own host); on SQLite the test's."""
        e = dict(self.env)
        if store_is_pg():
            e["XDG_STATE_HOME"] = os.path.join(self.home, f"host{w}", "state")
        if extra:
            e.update(extra)
        return e

    def run_all(self, argv_of, env_of, timeout=120):
        """Starts WORKERS processes at once; returns [(exit code, stdout, stderr)]."""
        results = [None] * WORKERS
        start = threading.Barrier(WORKERS)

        def run(w):
            start.wait()
            p = subprocess.run([WEBOX, *argv_of(w)], env=env_of(w), capture_output=True, text=True, timeout=timeout)
            results[w] = (p.returncode, p.stdout, p.stderr)

        threads = [threading.Thread(target=run, args=(w,)) for w in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def query(self, sql):
        """Rows of `sql` on the test's store, as tuples of text."""
        if store_is_pg():
            out = subprocess.run([os.path.join(PG_BIN, "psql"), self.pg.url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                                  "-c", sql], check=True, capture_output=True, text=True, timeout=60).stdout
            return [tuple(line.split("\t")) for line in out.splitlines() if line]
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            return [tuple("" if v is None else str(v) for v in row) for row in c.execute(sql)]

    def import_people(self, first, count, minutes_ago=60):
        """People who asked for a price `minutes_ago`, imported from JSONL."""
        now = int(time.time()) - minutes_ago * 60
        path = os.path.join(self.home, f"people-{first}.jsonl")
        with open(path, "w") as f:
            for i in range(first, first + count):
                for k in range(2):
                    f.write(json.dumps({"platform": "instagram", "platform_id": f"c{i}-{k}", "kind": "dm",
                                        "person": {"id": f"99{i:06d}", "username": f"client.{i}"},
                                        "text": "C'est dispo ? prix ?", "timestamp": now - k}) + "\n")
        self.webox("scrape-interactions", "--from", path, "--quiet", check=0)


class FreshStoreTest(StoreConcurrencyTestCase):
    def test_four_processes_migrate_a_fresh_store_at_once(self):
        # Each waits for the write lock and then skips the steps another one
        # applied (on PostgreSQL the wait once left a stale "no table" in the
        # session's catalogue cache: "relation ... already exists").
        for attempt in range(3):
            if attempt and self.pg:
                self.pg.drop()
                self.pg = type(self.pg)()
                self.env["WEBOX_DB"] = self.pg.url
            elif attempt:
                shutil.rmtree(os.path.join(self.home, "data"), ignore_errors=True)
            results = self.run_all(lambda w: ["store", "migrate", "--json"], lambda w: self.host_env(w))
            for code, out, err in results:
                self.assertEqual(code, 0, err)
            self.assertEqual({json.loads(out)["version"] for _, out, _ in results}, {self.latest()})

    def latest(self):
        return self.webox("store", "info", "--json", check=0).json()["latest_version"]


class ScrapeAccountsTest(StoreConcurrencyTestCase):
    def test_four_accounts_at_once_lose_and_double_nothing(self):
        accounts = [f"178414000000000{10 + w}" for w in range(WORKERS)]
        fakes = [self.start_fake("fake_social.py", str(w + 1), accounts[w]) for w in range(WORKERS)]
        for f in fakes:
            f.control(delay_ms=5)
        truth = set()
        for f in fakes:
            with urllib.request.urlopen(f.url + "/__truth", timeout=5) as r:
                truth.update(json.loads(r.read())["interactions"])

        def env_of(w):
            return self.host_env(w, {"INSTAGRAM_BASE_URL": fakes[w].url + "/ig", "INSTAGRAM_ACCESS_TOKEN": "test-token",
                                     "INSTAGRAM_USER_ID": accounts[w], "WEBOX_RETRY_BASE_MS": "10"})

        results = self.run_all(lambda w: ["scrape-interactions", "--platform", "instagram", "--json"], env_of)
        for code, out, err in results:
            self.assertEqual(code, 0, err)
        ids = [r[0] for r in self.query("SELECT platform_id FROM interactions WHERE platform = 'instagram'")]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), truth)
        people = self.query("SELECT count(*), count(DISTINCT platform_user_id) FROM people")[0]
        self.assertEqual(people[0], people[1])
        stored_accounts = {r[0] for r in self.query("SELECT platform_account_id FROM accounts")}
        self.assertTrue(set(accounts) <= stored_accounts, stored_accounts)
        # Every account's run finished: a rerun of each finds nothing new.
        for w in range(WORKERS):
            again = json.loads(subprocess.run([WEBOX, "scrape-interactions", "--platform", "instagram", "--json"],
                                              env=env_of(w), capture_output=True, text=True, timeout=120).stdout)
            self.assertEqual(again["new_interactions"], 0)


class DmCampaignTest(StoreConcurrencyTestCase):
    def test_same_campaign_four_times_at_once_keeps_the_quota_and_writes_nobody_twice(self):
        fake = self.start_fake("fake_social.py")
        fake.control(send_delay_ms=20)
        self.env.update({"INSTAGRAM_BASE_URL": fake.url + "/ig", "INSTAGRAM_ACCESS_TOKEN": "test-token",
                         "INSTAGRAM_USER_ID": IG_ACCOUNT, "WEBOX_RETRY_BASE_MS": "10",
                         # The pause between two messages comes after the quota is read and
                         # before the intent is written: the window the quota must hold across.
                         "WEBOX_DM_PACE_MS": "10-150"})
        self.write_config("leads:\n  dm:\n    daily_quota: 10\n")
        self.import_people(0, 30)
        results = self.run_all(lambda w: ["leads", "dm", "--template", "bienvenue", "--send", "--json"],
                               lambda w: self.host_env(w))
        sent = 0
        for code, out, err in results:
            self.assertIn(code, (0, 3, 5), err)  # 5: the quota stopped the run
            sent += json.loads(out)["counts"].get("sent", 0)
        with urllib.request.urlopen(fake.url + "/__messages", timeout=5) as r:
            recipients = [m["recipient"] for m in json.loads(r.read())]
        self.assertEqual(len(recipients), len(set(recipients)), "someone written twice")
        self.assertEqual(len(recipients), 10, "the daily quota of 10 is not what was sent")
        self.assertEqual(sent, 10)
        ledger = self.query("SELECT count(*) FROM dm_ledger WHERE state IN ('intent', 'sent')")[0][0]
        self.assertEqual(ledger, "10")


    def test_four_campaigns_at_once_share_the_account_quota(self):
        # The quota is the account's, all campaigns together: 4 campaigns run
        # at once write to different people, so each reads the quota while the
        # others are about to write (the pause between messages).
        fake = self.start_fake("fake_social.py")
        self.env.update({"INSTAGRAM_BASE_URL": fake.url + "/ig", "INSTAGRAM_ACCESS_TOKEN": "test-token",
                         "INSTAGRAM_USER_ID": IG_ACCOUNT, "WEBOX_RETRY_BASE_MS": "10", "WEBOX_DM_PACE_MS": "10-150"})
        self.write_config("leads:\n  dm:\n    daily_quota: 10\n")
        self.import_people(0, 30)
        results = self.run_all(lambda w: ["leads", "dm", "--template", "bienvenue", "--campaign", f"c{w}", "--send",
                                          "--json"], lambda w: self.host_env(w))
        for code, out, err in results:
            self.assertIn(code, (0, 3, 5), err)
        ledger = self.query("SELECT count(*) FROM dm_ledger WHERE state IN ('intent', 'sent')")[0][0]
        self.assertEqual(ledger, "10", "the daily quota of 10 passed")
        with urllib.request.urlopen(fake.url + "/__messages", timeout=5) as r:
            self.assertEqual(len(json.loads(r.read())), 10)


class ExportSinceLastTest(StoreConcurrencyTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_export.py", "/dev/null", "nobody@example.invalid", SECRET)
        self.env.update({"WEBOX_WEBHOOK_SECRET": SECRET, "WEBOX_RETRY_BASE_MS": "10"})
        self.fake.control(webhook_delay_ms=30)
        self.hook = "webhook:" + self.fake.url + "/hook"

    def delivered_ids(self):
        with urllib.request.urlopen(self.fake.url + "/__state", timeout=5) as r:
            state = json.loads(r.read())
        ids = []
        for d in state["deliveries"]:
            if d.get("status") == 204:
                ids += [lead["id"] for lead in json.loads(d["body"])["data"]]
        return ids

    def test_same_export_four_times_at_once_delivers_each_lead_once(self):
        self.import_people(0, 40)
        for round_ in range(2):
            if round_:
                self.import_people(100, 20)  # new leads between the rounds
            results = self.run_all(lambda w: ["leads", "export", "--to", self.hook, "--since-last", "--batch", "4",
                                              "--json"], lambda w: self.host_env(w))
            for code, out, err in results:
                self.assertIn(code, (0, 75), err)  # 75: another run holds the destination
        self.webox("leads", "export", "--to", self.hook, "--since-last", "--json", check=0)  # nothing left
        ids = self.delivered_ids()
        leads = {int(r[0]) for r in self.query("SELECT id FROM leads")}
        self.assertEqual(len(leads), 60)
        self.assertEqual(sorted(ids), sorted(leads), "a lead delivered twice or never")


@unittest.skipUnless(store_is_pg(), "two hosts share a store on PostgreSQL only")
class SecondHostTest(StoreConcurrencyTestCase):
    """While one host collects an account (or exports to a destination), a
    second host doing the same exits 75: the lock is the database's."""

    def start_slow(self, argv, env):
        first = subprocess.Popen([WEBOX, *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)  # it holds the lock by now (the fake answers slowly)
        self.assertIsNone(first.poll(), "the first run ended too soon")
        return first

    def test_second_host_collecting_the_same_account_exits_75(self):
        fake = self.start_instagram_fake()
        fake.control(delay_ms=400)
        self.env["INSTAGRAM_USER_ID"] = IG_ACCOUNT
        argv = ["scrape-interactions", "--platform", "instagram", "--quiet"]
        first = self.start_slow(argv, self.host_env(0))
        r = self.webox(*argv, env={"XDG_STATE_HOME": os.path.join(self.home, "host1", "state")}, check=75)
        self.assertIn("holds the lock for instagram account " + IG_ACCOUNT, r.err)
        fake.control(delay_ms=0)
        _, err = first.communicate(timeout=120)
        self.assertEqual(first.returncode, 0, err)
        # Released with the first run: the second host may go now.
        self.webox(*argv, env={"XDG_STATE_HOME": os.path.join(self.home, "host1", "state")}, check=0)

    def test_second_host_exporting_to_the_same_destination_exits_75(self):
        fake = self.start_fake("fake_export.py", "/dev/null", "nobody@example.invalid", SECRET)
        self.env.update({"WEBOX_WEBHOOK_SECRET": SECRET, "WEBOX_RETRY_BASE_MS": "10"})
        fake.control(webhook_delay_ms=500)
        self.import_people(0, 20)
        argv = ["leads", "export", "--to", "webhook:" + fake.url + "/hook", "--since-last", "--batch", "2", "--quiet"]
        first = self.start_slow(argv, self.host_env(0))
        r = self.webox(*argv, env={"XDG_STATE_HOME": os.path.join(self.home, "host1", "state")}, check=75)
        self.assertIn("another webox leads export to this destination is running", r.err)
        fake.control(webhook_delay_ms=0)
        _, err = first.communicate(timeout=120)
        self.assertEqual(first.returncode, 0, err)


if __name__ == "__main__":
    main()
