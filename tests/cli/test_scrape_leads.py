"""webox scrape-interactions and webox leads through the real binary, against
the loopback Graph fake (tests/fakes/fake_social.py) and JSONL files."""
import fcntl
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
import urllib.request

from harness import WEBOX, WeboxTestCase, main

ACCOUNT = "17841400000000001"


class ScrapeTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_instagram_fake()

    def control(self, **doc):
        self.fake.control(**doc)

    def truth(self):
        with urllib.request.urlopen(self.fake.url + "/__truth", timeout=5) as r:
            return json.loads(r.read())

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))

    def stored_ids(self):
        with self.db() as c:
            rows = [r[0] for r in c.execute("SELECT platform_id FROM interactions WHERE platform = 'instagram'")]
        return rows

    def scrape(self, *extra, check=0, **kw):
        return self.webox("scrape-interactions", "--platform", "instagram", *extra, check=check, **kw)

    def test_collects_everything_once_then_only_what_is_new(self):
        first = self.scrape("--json").json()
        truth = self.truth()
        ids = self.stored_ids()
        self.assertEqual(sorted(ids), truth["interactions"])
        self.assertEqual(first["new_interactions"], len(truth["interactions"]))
        self.assertGreater(first["new_leads"], 0)
        self.assertGreater(first["pages"], 5)
        for key in ("new_people", "elapsed_ms"):
            self.assertIn(key, first)
        # Like counts are stored per post; the hidden one stays NULL.
        with self.db() as c:
            likes = dict(c.execute("SELECT platform_id, like_count FROM posts"))
        self.assertEqual(likes, truth["posts"])
        # The token went in a header, never in a URL.
        for r in self.fake.requests():
            self.assertEqual(r["headers"].get("authorization"), "Bearer test-token")
            self.assertNotIn("access_token", r["query"])
        # The account's own comment is not an interaction.
        self.assertEqual(len(ids), len(set(ids)))

        # Second run: no comment page is fetched again (counts unchanged).
        self.control(reset_requests=True)
        second = self.scrape("--json").json()
        self.assertEqual(second["new_interactions"], 0)
        self.assertFalse([r for r in self.fake.requests() if r["path"].endswith("/comments")])

        # New comments on one media: only that media's comments are read.
        media = sorted(truth["posts"])[0]
        self.control(reset_requests=True, add_comments={media: 2})
        third = self.scrape("--json").json()
        self.assertGreaterEqual(third["new_interactions"], 2)
        comment_paths = {r["path"] for r in self.fake.requests() if r["path"].endswith("/comments")}
        self.assertEqual(comment_paths, {f"/ig/v23.0/{media}/comments"})
        self.assertEqual(sorted(self.stored_ids()), self.truth()["interactions"])

    def test_leads_commands_on_collected_data(self):
        self.scrape("--quiet")
        leads = json.loads(self.webox("leads", "list", "--json", "--min-score", "15", check=0).out)
        self.assertTrue(leads)
        self.assertTrue(all(l["score"] >= 15 for l in leads))
        self.assertEqual([l["score"] for l in leads], sorted((l["score"] for l in leads), reverse=True))
        phones = {p for l in leads for p in l["phones"]}
        self.assertIn("+33612345678", phones)  # "06 12 34 56 78"
        self.assertIn("+33698765432", phones)  # narrow no-break spaces
        self.assertIn("+33623456789", phones)  # no-break spaces
        lead = leads[0]
        who = "@" + lead["username"]
        shown = json.loads(self.webox("leads", "show", who, "--json", check=0).out)
        self.assertEqual(shown["id"], lead["id"])
        self.assertTrue(all(c["source_interaction"] for c in shown["contacts"]))
        self.webox("leads", "set-status", str(lead["id"]), "contacted", "--note", "appelée", check=0)
        contacted = [json.loads(l) for l in self.webox("leads", "list", "--jsonl", "--status", "contacted", check=0).out.splitlines()]
        self.assertEqual([l["id"] for l in contacted], [lead["id"]])
        events = json.loads(self.webox("leads", "show", str(lead["id"]), "--json", check=0).out)["events"]
        self.assertEqual(events[-1]["detail"], {"from": "new", "to": "contacted", "note": "appelée"})
        r = self.webox("leads", "set-status", str(lead["id"]), "maybe", check=2)
        self.assertIn("unknown status", r.err)
        found = json.loads(self.webox("leads", "search", "06 12", "--json", check=0).out)
        self.assertTrue(any("+33612345678" in l["phones"] for l in found))
        self.assertTrue(json.loads(self.webox("leads", "list", "--json", "--has-phone", check=0).out))
        self.webox("leads", "show", "@nobody", check=2)
        r = self.webox("leads", "rescore", "--json", check=0).json()
        self.assertGreater(r["people"], 0)

    def test_facebook_login_host(self):
        env = {"INSTAGRAM_BASE_URL": "", "META_GRAPH_BASE_URL": self.fake.url + "/fb", "INSTAGRAM_USER_ID": ACCOUNT}
        self.scrape("--quiet", env=env)
        paths = {r["path"] for r in self.fake.requests()}
        self.assertTrue(all(p.startswith("/fb/") for p in paths), paths)
        self.assertIn(f"/fb/v23.0/{ACCOUNT}/media", paths)
        self.assertEqual(sorted(self.stored_ids()), self.truth()["interactions"])

    def test_throttling_is_retried_then_resumed_next_run(self):
        self.control(throttle=[4], usage_high=True)
        self.scrape("--quiet")
        self.assertEqual(sorted(self.stored_ids()), self.truth()["interactions"])

        # Throttled beyond the host's retries: exit 75, what was collected stays,
        # and the next run completes.
        self.control(add_comments={sorted(self.truth()["posts"])[1]: 3})
        self.control(throttle=[80002] * 2 + [17] * 2 + [613] * 2 + [32] * 2)
        r = self.scrape(check=75)
        self.assertIn("throttled", r.err)
        self.control(throttle=[])
        self.scrape("--quiet")
        self.assertEqual(sorted(self.stored_ids()), self.truth()["interactions"])

    def test_expired_token_exits_4_with_a_clear_message(self):
        self.control(expire=True)
        r = self.scrape(check=4)
        self.assertIn("expired", r.err)
        self.assertIn("INSTAGRAM_ACCESS_TOKEN", r.err)
        self.assertNotIn("test-token", r.err)
        r = self.scrape(env={"INSTAGRAM_ACCESS_TOKEN": ""}, check=4)
        self.assertIn("webox keys set instagram", r.err)

    def test_second_run_for_the_same_account_exits_75(self):
        lock_dir = os.path.join(self.home, "state", "webox", "locks")
        os.makedirs(lock_dir, exist_ok=True)
        with open(os.path.join(lock_dir, f"instagram-{ACCOUNT}.lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            r = self.scrape(env={"INSTAGRAM_USER_ID": ACCOUNT}, check=75)
            self.assertIn("lock", r.err)
            self.assertFalse(self.fake.requests())  # not a single API call
        self.scrape("--quiet", env={"INSTAGRAM_USER_ID": ACCOUNT})

    def test_killed_at_random_points_then_rerun_loses_and_duplicates_nothing(self):
        self.control(delay_ms=15)
        rnd = random.Random(6)
        env = dict(self.env)
        for attempt in range(6):
            proc = subprocess.Popen([WEBOX, "scrape-interactions", "--platform", "instagram", "--quiet"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.05, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # New comments keep arriving between runs, as they do in life.
            if attempt % 2:
                self.control(add_comments={sorted(self.truth()["posts"])[attempt % 5]: 1})
        self.control(delay_ms=0)
        self.scrape("--quiet")
        ids = self.stored_ids()
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(sorted(ids), self.truth()["interactions"])
        with self.db() as c:
            people = c.execute("SELECT count(*), count(DISTINCT platform || '/' || platform_user_id) FROM people").fetchone()
            leads = c.execute("SELECT count(*), count(DISTINCT person_id) FROM leads").fetchone()
        self.assertEqual(people[0], people[1])
        self.assertEqual(leads[0], leads[1])


class JsonlTest(WeboxTestCase):
    def test_bad_lines_are_reported_with_numbers_and_the_rest_imported(self):
        path = os.path.join(self.home, "in.jsonl")
        lines = [
            {"platform": "instagram", "platform_id": "c1", "kind": "comment", "person": {"id": "1", "username": "marie.dupont"},
             "text": "Dispo ? 06 12 34 56 78", "timestamp": "2026-11-01T10:00:00+0000", "post": "p1"},
            "not json at all",
            {"platform": "instagram", "platform_id": "c2", "kind": "poke", "person": {"id": "2"}, "timestamp": 1},
            {"platform": "x", "platform_id": "t1", "kind": "dm", "person": {"username": "bob"}, "text": "bob@exemple.fr",
             "timestamp": 1795000000},
            {"platform": "x", "platform_id": "t2", "kind": "like", "person": {"id": "9"}},
        ]
        with open(path, "w") as f:
            for l in lines:
                f.write((l if isinstance(l, str) else json.dumps(l)) + "\n")
        r = self.webox("scrape-interactions", "--from", path, "--json", check=3)
        self.assertEqual(r.json()["new_interactions"], 2)
        self.assertEqual([b["line"] for b in r.json()["bad_lines"]], [2, 3, 5])
        self.assertIn(":2: not valid JSON", r.err)
        self.assertIn(":5: missing \"timestamp\"", r.err)
        # Idempotent: the same file again adds nothing.
        r = self.webox("scrape-interactions", "--from", path, "--json", check=3)
        self.assertEqual(r.json()["new_interactions"], 0)
        lead = json.loads(self.webox("leads", "show", "@marie.dupont", "--json", check=0).out)
        self.assertEqual(lead["phones"], ["+33612345678"])

    def test_users_files_person_as_a_string_and_other_platforms_kinds(self):
        # What users' own files hold: the username alone, and LinkedIn's and
        # X's names for likes and reposts (mapped: webox-scrape-interactions(1)).
        lines = [
            {"platform": "linkedin", "platform_id": "r1", "kind": "reaction", "person": "marie.dupont", "timestamp": 1795000000},
            {"platform": "linkedin", "platform_id": "s1", "kind": "share", "person": "@marie.dupont", "timestamp": 1795000001},
            {"platform": "x", "platform_id": "rp1", "kind": "repost", "person": "jean", "timestamp": 1795000002},
            {"platform": "x", "platform_id": "c1", "kind": "comment", "person": "jean",
             "text": "Appelez-moi au +33 6 69 22 79 84", "timestamp": 1795000003},
            {"platform": "x", "platform_id": "bad", "kind": "poke", "person": "jean", "timestamp": 1795000004},
        ]
        stdin = "".join(json.dumps(l) + "\n" for l in lines)
        r = self.webox("scrape-interactions", "--from", "-", "--json", stdin=stdin, env={"WEBOX_NOW": "1795000100"}, check=3)
        self.assertEqual(r.json()["new_interactions"], 4)
        self.assertEqual([b["line"] for b in r.json()["bad_lines"]], [5])
        self.assertIn("expected comment, reply, mention, like, dm, repost, share or reaction", r.err)
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            rows = dict(c.execute("SELECT i.platform_id, i.kind || ' ' || p.platform_user_id || ' ' || p.username "
                                  "FROM interactions i JOIN people p ON p.id = i.person_id"))
        self.assertEqual(rows, {"r1": "like @marie.dupont marie.dupont", "s1": "mention @marie.dupont marie.dupont",
                                "rp1": "mention @jean jean", "c1": "comment @jean jean"})
        # Phones are found by their digits whatever the spacing, and in the
        # national form a French user types (0 for +33).
        for query in ("06 69", "0669227984", "06.69.22", "+33 6 69", "669 22", "22 79 84"):
            found = json.loads(self.webox("leads", "search", query, "--json", check=0).out)
            self.assertEqual([l["phones"] for l in found], [["+33669227984"]], query)
        self.assertEqual(json.loads(self.webox("leads", "search", "07 69", "--json", check=0).out), [])

    def test_stdin_and_usage_errors(self):
        rec = {"platform": "x", "platform_id": "t9", "kind": "mention", "person": {"id": "5"}, "timestamp": "2026-11-02"}
        r = self.webox("scrape-interactions", "--from", "-", "--json", stdin=json.dumps(rec) + "\n", check=0)
        self.assertEqual(r.json()["new_interactions"], 1)
        self.webox("scrape-interactions", check=2)
        self.webox("scrape-interactions", "--from", "-", "--since", "yesterday", stdin="", check=2)
        r = self.webox("scrape-interactions", "--platform", "echo", check=2)
        self.assertIn("not a social platform", r.err)
        for var in ("WEBOX_IMPORT_BATCH", "WEBOX_IMPORT_BULK_ROWS"):
            rec["platform_id"] = "t10"
            r = self.webox("scrape-interactions", "--from", "-", stdin=json.dumps(rec) + "\n", env={var: "lots"}, check=2)
            self.assertIn(f"{var} must be a positive whole number, not 'lots'", r.err)
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM interactions WHERE platform_id = 't10'").fetchone()[0], 0)

    def test_bulk_path_taken_from_the_size_of_a_file_or_a_redirect(self):
        # The bulk path (the person index built after the rows) holds
        # <db>-import.lock: its existence says which path an import took.
        # A pipe has no size; a redirected file has one, as --from FILE.
        path = os.path.join(self.home, "in.jsonl")
        with open(path, "w") as f:
            for i in range(40):
                f.write(json.dumps({"platform": "x", "platform_id": f"t{i}", "kind": "reply", "person": {"id": str(i % 4)},
                                    "text": "Bravo pour ce travail", "timestamp": 1795000000 + i}) + "\n")
        lock = os.path.join(self.home, "data", "webox", "webox.db-import.lock")
        env = dict(self.env, WEBOX_IMPORT_BULK_ROWS="1")
        with open(path) as f:
            self.webox("scrape-interactions", "--from", "-", "--quiet", stdin=f.read(), env={"WEBOX_IMPORT_BULK_ROWS": "1"}, check=0)
        self.assertFalse(os.path.exists(lock), "a pipe took the bulk path")
        with open(path) as f:
            subprocess.run([WEBOX, "scrape-interactions", "--from", "-", "--quiet"], stdin=f, env=env, check=True)
        self.assertTrue(os.path.exists(lock), "a redirected file did not take the bulk path")
        os.unlink(lock)
        subprocess.run([WEBOX, "scrape-interactions", "--from", path, "--quiet"], env=env, check=True)
        self.assertTrue(os.path.exists(lock))
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM interactions").fetchone()[0], 40)
            self.assertEqual(c.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'interactions_by_person'").fetchone()[0], 1)


class XTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_social.py")
        self.env.update({"X_API_BASE_URL": self.fake.url + "/x", "X_BEARER_TOKEN": "x-test-token",
                         "X_USER_ID": "2244994945", "WEBOX_RETRY_BASE_MS": "10"})

    def control(self, **doc):
        self.fake.control(**doc)

    def truth(self):
        with urllib.request.urlopen(self.fake.url + "/__truth", timeout=5) as r:
            return json.loads(r.read())["x_interactions"]

    def stored(self):
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            return sorted(r[0] for r in c.execute("SELECT platform_id FROM interactions WHERE platform = 'x'"))

    def test_posts_replies_likers_mentions_then_incremental(self):
        first = self.webox("scrape-interactions", "--platform", "x", "--json", check=0).json()
        self.assertEqual(self.stored(), self.truth())
        self.assertEqual(first["new_interactions"], len(self.truth()))
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            kinds = dict(c.execute("SELECT kind, count(*) FROM interactions GROUP BY kind"))
        self.assertEqual(set(kinds), {"comment", "like", "mention"} | ({"reply"} if "reply" in kinds else set()))
        paged = [r for r in self.fake.requests() if "next_token" in r["query"] or "pagination_token" in r["query"]]
        self.assertTrue(paged)  # next_token and pagination_token were both followed
        self.control(reset_requests=True)
        second = self.webox("scrape-interactions", "--platform", "x", "--json", check=0).json()
        self.assertEqual(second["new_interactions"], 0)
        paths = [r["path"] for r in self.fake.requests()]
        self.assertFalse([p for p in paths if p.endswith("/search/recent") or p.endswith("/liking_users")])
        mention_queries = [r["query"] for r in self.fake.requests() if r["path"].endswith("/mentions")]
        self.assertTrue(all("since_id" in q for q in mention_queries))
        self.control(x_new_reply="180000000000000001")
        third = self.webox("scrape-interactions", "--platform", "x", "--json", check=0).json()
        self.assertEqual(third["new_interactions"], 1)
        self.assertEqual(self.stored(), self.truth())

    def test_likes_are_dated_by_the_liked_post(self):
        # X gives no time for a like: the liked post's time is its lower
        # bound. Stamped with the collection time, every like read in one run
        # fell on one day, where scoring's caps then collided (issue 21).
        self.webox("scrape-interactions", "--platform", "x", "--quiet", check=0)
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            likes = c.execute("SELECT i.platform_id, i.occurred_at, p.posted_at FROM interactions i "
                              "JOIN posts p ON p.id = i.post_id WHERE i.platform = 'x' AND i.kind = 'like'").fetchall()
        self.assertEqual(len(likes), len([i for i in self.truth() if i.startswith("like:")]))
        for platform_id, occurred_at, posted_at in likes:
            self.assertIsNotNone(posted_at)
            self.assertEqual(occurred_at, posted_at, platform_id)
        self.assertEqual(len({posted for _, _, posted in likes}), 3)

    def test_rate_limit_reset_is_honoured(self):
        self.control(x_rate_limit=1)
        start = time.time()
        self.webox("scrape-interactions", "--platform", "x", "--quiet", check=0)
        self.assertGreaterEqual(time.time() - start, 0.9)  # slept until x-rate-limit-reset
        self.assertEqual(self.stored(), self.truth())

    def test_usage_cap_says_when_it_resets_in_words(self):
        self.control(x_usage_cap=1)
        start = time.time()
        r = self.webox("scrape-interactions", "--platform", "x", check=75)
        self.assertLess(time.time() - start, 10)  # not slept on
        self.assertIn("usage cap reached", r.err)
        self.assertRegex(r.err, r"until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 3 d 4 h\)")
        self.assertNotRegex(r.err, r"\b1\d{9}\b")  # no bare Unix timestamp

    def test_bad_token_exits_4(self):
        r = self.webox("scrape-interactions", "--platform", "x", env={"X_BEARER_TOKEN": "wrong"}, check=4)
        self.assertIn("X_BEARER_TOKEN", r.err)
        self.assertNotIn("wrong", r.err)


SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "data", "samples", "instagram-export")


class ExportTest(WeboxTestCase):
    def build_zip(self, old_layout=False):
        """The shipped sample export, zipped here (as Instagram delivers it);
        old_layout drops the your_instagram_activity/ prefix of pre-2023 exports."""
        import zipfile
        path = os.path.join(self.home, "instagram-export.zip")
        with zipfile.ZipFile(path, "w") as z:
            for root, _, files in os.walk(SAMPLE):
                for f in files:
                    full = os.path.join(root, f)
                    name = os.path.relpath(full, SAMPLE)
                    if old_layout:
                        name = name.replace("your_instagram_activity/", "")
                    z.write(full, name)
        return path

    def check_sample_imported(self):
        lead = json.loads(self.webox("leads", "show", "@marie.dupont", "--json", check=0).out)
        self.assertEqual(lead["name"], "Marie Dupont")
        self.assertEqual(lead["phones"], ["+33612345678"])  # split with narrow no-break spaces
        texts = [i["text"] for i in lead["recent_interactions"]]
        self.assertIn("Parfait, mon numéro : 06\u202f12\u202f34\u202f56\u202f78 😀", texts)  # mojibake repaired
        self.assertEqual(len(texts), 2)  # the owner's own message is not an interaction
        jean = json.loads(self.webox("leads", "show", "@jean_dupont", "--json", check=0).out)
        self.assertEqual(jean["emails"], ["jean.dupont@exemple.fr"])

    def test_zip_and_folder_and_old_layout(self):
        r = self.webox("scrape-interactions", "--platform", "instagram-export", "--from", self.build_zip(), "--json", check=0)
        self.assertEqual(r.json()["new_interactions"], 4)
        self.check_sample_imported()
        r = self.webox("scrape-interactions", "--platform", "instagram-export", "--from", SAMPLE, "--json", check=0)
        self.assertEqual(r.json()["new_interactions"], 0)  # the same messages, whatever the container
        r = self.webox("scrape-interactions", "--platform", "instagram-export", "--from", self.build_zip(old_layout=True),
                       "--json", check=0)
        self.assertEqual(r.json()["new_interactions"], 0)

    def test_not_an_export(self):
        import zipfile
        bad = os.path.join(self.home, "photos.zip")
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("DCIM/img.json", "{}")
        r = self.webox("scrape-interactions", "--platform", "instagram-export", "--from", bad, check=2)
        self.assertIn("not an Instagram JSON export", r.err)
        text = os.path.join(self.home, "notes.zip")
        with open(text, "w") as f:
            f.write("hello")
        r = self.webox("scrape-interactions", "--platform", "instagram-export", "--from", text, check=2)
        self.assertIn("neither a folder nor a zip", r.err)


if __name__ == "__main__":
    main()
