"""webox leads dm through the real binary, against the loopback Instagram and X
send endpoints of tests/fakes/fake_social.py (which records every message it
receives, before answering)."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
import urllib.request

from harness import WEBOX, WeboxTestCase, main, sqlite_only

IG_ACCOUNT = "17841400000000001"


class DmTestCase(WeboxTestCase):
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

    # ---- helpers ---------------------------------------------------------

    def control(self, **doc):
        self.fake.control(**doc)

    def messages(self):
        with urllib.request.urlopen(self.fake.url + "/__messages", timeout=5) as r:
            return json.loads(r.read())

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))

    def config(self, text):
        os.makedirs(os.path.join(self.home, "config", "webox"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write(text)

    def seed(self, recent=6, old=2, x=0, named=False, kind="dm"):
        """People who wrote to the account: `recent` an hour ago, `old` three days ago
        (outside Instagram's 24-hour window), `x` on X. Every one scores above 15.
        They wrote direct messages (`kind` dm), so these tests follow the 24-hour
        window path; commenters get private replies (PrivateReplyTest)."""
        now = int(time.time())
        lines = []
        def person(platform, pid, name, when):
            p = {"id": pid, "username": name}
            if named:
                p["name"] = name.capitalize() + " Dupont"
            for k in range(3):
                lines.append({"platform": platform, "platform_id": f"{platform}-{pid}-{k}", "kind": kind,
                              "person": p, "text": "C'est dispo ? prix ?", "timestamp": when - k})
        for i in range(recent):
            person("instagram", f"99{i:06d}", f"client.{i}", now - 3600)
        for i in range(old):
            person("instagram", f"98{i:06d}", f"ancien.{i}", now - 3 * 86400)
        for i in range(x):
            person("x", f"30{i:06d}", f"x.user{i}", now - 3600)
        path = os.path.join(self.home, "seed.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(json.dumps(l) for l in lines) + "\n")
        self.webox("scrape-interactions", "--from", path, "--quiet", check=0)

    def dm(self, *args, check=None, **kw):
        return self.webox("leads", "dm", *args, check=check, **kw)

    def recipients(self):
        return [m["recipient"] for m in self.messages()]


class DmTest(DmTestCase):
    @sqlite_only
    def test_dry_run_prints_every_message_and_sends_nothing(self):
        self.seed(recent=4, old=2)
        r = self.dm("--template", "bienvenue", "--min-score", "15", check=0)
        for i in range(4):
            self.assertIn(f"Bonjour client.{i} ! Merci pour votre message sur instagram", r.out)
        self.assertEqual(r.out.count("outside_window"), 0)  # human output says why in words
        self.assertEqual(r.out.count("skipped"), 2)
        self.assertIn("dry run", r.err)
        self.assertEqual(self.messages(), [])
        doc = self.dm("--template", "welcome", "--json", check=0).json()
        self.assertTrue(doc["dry_run"])
        statuses = sorted(e["status"] for e in doc["entries"])
        self.assertEqual(statuses, ["skipped"] * 2 + ["would_send"] * 4)
        self.assertTrue(all(e["reason"] == "outside_window" for e in doc["entries"] if e["status"] == "skipped"))
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM dm_ledger").fetchone()[0], 0)
        # --limit counts messages.
        doc = self.dm("--template", "welcome", "--json", "--limit", "2", check=0).json()
        self.assertEqual(sum(e["status"] == "would_send" for e in doc["entries"]), 2)

    def test_send_contacts_each_lead_once_and_a_rerun_sends_nothing(self):
        self.seed(recent=5, old=1)
        r = self.dm("--template", "bienvenue", "--send", "--json", check=3)  # 3: one lead skipped (window)
        doc = r.json()
        self.assertEqual(doc["counts"], {"sent": 5, "skipped": 1})
        self.assertEqual(sorted(self.recipients()), [f"99{i:06d}" for i in range(5)])
        self.assertTrue(all(m["text"].startswith("Bonjour client.") for m in self.messages()))
        posts = [q for q in self.fake.requests() if q["method"] == "POST"]
        self.assertEqual({q["path"] for q in posts}, {f"/ig/v23.0/{IG_ACCOUNT}/messages"})
        self.assertTrue(all(q["headers"]["authorization"] == "Bearer test-token" for q in posts))
        self.assertIn({"id": "99000000"}, [json.loads(q["body"])["recipient"] for q in posts])
        contacted = json.loads(self.webox("leads", "list", "--json", "--status", "contacted", check=0).out)
        self.assertEqual(len(contacted), 5)
        events = json.loads(self.webox("leads", "show", str(contacted[0]["id"]), "--json", check=0).out)["events"]
        kinds = [e["kind"] for e in events]
        self.assertIn("dm", kinds)
        self.assertEqual(events[-1]["detail"]["to"], "contacted")
        # Same campaign again, whatever the status filter: nobody is written twice.
        again = self.dm("--template", "bienvenue", "--send", "--status", "any", "--json", check=3).json()
        self.assertEqual(again["counts"].get("sent", 0), 0)
        self.assertEqual(again["counts"]["already_sent"], 5)
        self.assertEqual(len(self.messages()), 5)

    @sqlite_only
    def test_a_template_field_a_lead_lacks_is_refused_before_any_send(self):
        self.seed(recent=3, old=0)
        r = self.dm("--template", "relance-prenom", "--send", check=2)
        self.assertIn("first_name", r.err)
        self.assertIn("nothing was sent", r.err)
        self.assertEqual(self.messages(), [])
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM dm_ledger").fetchone()[0], 0)
        r = self.dm("--template", "nope", check=2)
        self.assertIn("bienvenue", r.err)  # lists the available templates
        self.dm("--send", check=2)  # neither --template nor --draft-model
        tpl_dir = os.path.join(self.home, "config", "webox", "prompts", "dm")
        os.makedirs(tpl_dir)
        with open(os.path.join(tpl_dir, "casse.md"), "w") as f:
            f.write("---\nname: casse\n---\nBonjour {{#username}}sans fin\n")
        r = self.dm("--template", "casse", "--send", check=2)
        self.assertIn("casse.md", r.err)
        self.assertEqual(self.messages(), [])
        self.dm("--template", "bienvenue", "--status", "maybe", check=2)
        # A template is named, never reached by a path: a file two folders
        # above prompts/dm/ is not read through "../../".
        with open(os.path.join(self.home, "config", "webox", "dehors.md"), "w") as f:
            f.write("Bonjour {{username}}\n")
        for name in ("../../dehors", ".hidden", "a/b"):
            r = self.dm("--template", name, "--send", check=2)
            self.assertIn("is not a DM template name", r.err)
        self.assertEqual(self.messages(), [])

    def test_named_leads_get_their_first_name_and_user_templates_win(self):
        self.seed(recent=2, old=0, named=True)
        r = self.dm("--template", "relance-prenom", check=0)
        self.assertIn("Bonjour Client.0,", r.out)
        os.makedirs(os.path.join(self.home, "config", "webox", "prompts", "dm"))
        with open(os.path.join(self.home, "config", "webox", "prompts", "dm", "bienvenue.md"), "w") as f:
            f.write("---\nname: bienvenue\n---\nSalut {{username}} (score {{score}}) {{campaign}}\n")
        r = self.dm("--template", "bienvenue", check=0)
        self.assertRegex(r.out, r"Salut client\.0 \(score \d+\) bienvenue")

    def test_daily_quota_stops_with_the_remaining_leads_listed_and_holds_across_runs(self):
        self.seed(recent=5, old=0)
        self.config("leads:\n  dm:\n    daily_quota: 2\n")
        r = self.dm("--template", "bienvenue", "--send", check=5)
        self.assertIn("daily quota of 2", r.err)
        self.assertEqual(r.err.count("  lead "), 3)  # the three left, listed
        self.assertEqual(len(self.messages()), 2)
        # Another campaign the same day: the account's quota is already spent.
        r = self.dm("--template", "welcome", "--send", "--json", check=5)
        self.assertEqual(len(r.json()["remaining"]), 3)  # the three still new
        self.assertEqual(len(self.messages()), 2)

    def test_the_platform_window_refusal_is_reported_and_others_go_on(self):
        self.seed(recent=3, old=0)
        self.control(window_closed=["99000001"])
        doc = self.dm("--template", "bienvenue", "--send", "--json", check=3).json()
        failed = [e for e in doc["entries"] if e["status"] == "failed"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["reason"], "outside_window")
        self.assertIn("2534022", failed[0]["detail"])
        self.assertEqual(sorted(self.recipients()), ["99000000", "99000002"])
        # A failed attempt is not a contact: once the window opens, a rerun writes.
        self.control(window_closed=[])
        doc = self.dm("--template", "bienvenue", "--send", "--status", "any", "--json", check=0).json()
        self.assertEqual(doc["counts"], {"already_sent": 2, "sent": 1})

    @sqlite_only
    def test_throttling_backs_off_then_stops_and_spam_restrictions_stop_at_once(self):
        self.seed(recent=4, old=0)
        self.control(send_errors=[[613, 2534040]])
        doc = self.dm("--template", "bienvenue", "--send", "--json", check=0).json()
        self.assertEqual(doc["counts"], {"sent": 4})  # one back-off, then it went
        self.seed(recent=6, old=0)  # two more people
        self.control(send_errors=[[613, 2534040]] * 3)
        r = self.dm("--template", "welcome", "--send", check=75)
        self.assertIn("613", r.err)
        self.assertIn("not messaged", r.err)
        self.assertEqual(len(self.messages()), 4)
        self.control(send_errors=[[10, 1893063]])
        r = self.dm("--template", "welcome", "--send", "--json", check=75)
        self.assertEqual(r.json()["stopped"], "blocked")
        self.assertEqual(len(self.messages()), 4)
        with self.db() as c:  # definite refusals leave nothing uncertain
            self.assertEqual(c.execute("SELECT count(*) FROM dm_ledger WHERE state = 'intent'").fetchone()[0], 0)

    def test_an_ambiguous_answer_is_never_resent_and_can_be_resolved(self):
        self.seed(recent=3, old=0)
        self.control(send_errors=[[1, 1357046]])  # the message left, the answer is broken
        r = self.dm("--template", "bienvenue", "--send", "--json", check=75)
        self.assertEqual(r.json()["stopped"], "ambiguous")
        self.assertEqual(len(self.messages()), 1)
        doc = self.dm("--template", "bienvenue", "--send", "--json", check=3).json()
        self.assertEqual(doc["counts"], {"sent": 2, "uncertain": 1})
        self.assertEqual(sorted(self.recipients()), ["99000000", "99000001", "99000002"])
        listed = json.loads(self.dm("--uncertain", "--json", check=0).out)
        self.assertEqual(len(listed), 1)
        self.dm("--resolve", f"{listed[0]['ledger_id']}=sent", check=0)
        self.assertEqual(json.loads(self.dm("--uncertain", "--json", check=0).out), [])
        self.dm("--resolve", "999=sent", check=2)
        self.dm("--resolve", "garbage", check=2)
        self.assertEqual(len(json.loads(self.webox("leads", "list", "--json", "--status", "contacted", check=0).out)), 3)

    def test_a_send_whose_answer_times_out_is_never_repeated_by_the_transport(self):
        self.seed(recent=2, old=0)
        self.control(send_delay_ms=2500)  # recorded (it left), then no answer in time
        r = self.dm("--template", "bienvenue", "--send", "--json", check=75,
                    env={"WEBOX_TIMEOUT_MS": "1000", "WEBOX_RETRIES": "3"})
        self.assertEqual(r.json()["stopped"], "ambiguous")
        posts = [q for q in self.fake.requests() if q["method"] == "POST" and q["path"].endswith("/messages")]
        self.assertEqual(len(posts), 1)
        self.assertEqual(len(self.messages()), 1)

    def test_draft_model_writes_one_message_per_lead(self):
        self.seed(recent=2, old=0)
        doc = self.dm("--draft-model", "echo", "--json", check=0).json()
        drafts = [e for e in doc["entries"] if e["status"] == "would_send"]
        self.assertEqual(len(drafts), 2)
        for e in drafts:  # the echo provider answers the user message: what the model was told
            self.assertIn(e["handle"][1:], e["text"])
        self.assertEqual(doc["campaign"], "draft:echo")


class XDmTest(DmTestCase):
    def test_x_sends_refusals_and_the_platform_daily_cap(self):
        self.seed(recent=0, old=0, x=4)
        self.control(x_dm_refused=["30000001"])
        doc = self.dm("--template", "welcome", "--platform", "x", "--send", "--json", check=3).json()
        self.assertEqual(doc["counts"], {"sent": 3, "failed": 1})
        failed = [e for e in doc["entries"] if e["status"] == "failed"][0]
        self.assertEqual((failed["handle"], failed["reason"]), ("@x.user1", "recipient_unavailable"))
        self.assertEqual(sorted(self.recipients()), ["30000000", "30000002", "30000003"])
        posts = [q for q in self.fake.requests() if q["method"] == "POST"]
        self.assertTrue(all(q["path"].startswith("/x/2/dm_conversations/with/") and q["path"].endswith("/messages") for q in posts))
        self.assertIn({"text": self.messages()[0]["text"]}, [json.loads(q["body"]) for q in posts])
        # X says the account's own 24-hour cap is spent: stop after that message.
        self.control(x_daily_left=0, x_dm_refused=[])
        r = self.dm("--template", "bienvenue", "--platform", "x", "--status", "any", "--send", "--json", check=5)
        self.assertEqual(r.json()["stopped"], "quota")
        self.assertEqual(r.json()["counts"], {"sent": 1, "not_reached": 3})
        self.assertEqual(len(r.json()["remaining"]), 3)

    def test_an_expired_x_token_is_refreshed_and_the_new_pair_stored_encrypted(self):
        self.seed(recent=0, old=0, x=2)
        self.control(x_expire_token=True)
        env = {"X_REFRESH_TOKEN": "x-refresh-1", "X_CLIENT_ID": "webox-client"}
        r = self.dm("--template", "welcome", "--platform", "x", "--send", "-vv", env=env, check=0)
        self.assertEqual(len(self.messages()), 2)
        token_calls = [q for q in self.fake.requests() if q["path"] == "/x/2/oauth2/token"]
        self.assertEqual(len(token_calls), 1)
        self.assertIn("grant_type=refresh_token", token_calls[0]["body"])
        # The rotated pair is in the key store, encrypted; never printed.
        names = self.webox("keys", "list", check=0).out
        self.assertIn("X_OAUTH2_ACCESS_TOKEN", names)
        self.assertIn("X_OAUTH2_REFRESH_TOKEN", names)
        with open(os.path.join(self.home, "config", "webox", "keys.json")) as f:
            stored = f.read()
        self.assertNotIn("x-refresh-2", stored)
        self.assertNotIn("x-test-token-2", stored)
        self.assertEqual(oct(os.stat(os.path.join(self.home, "config", "webox", "keys.json")).st_mode & 0o777), "0o600")
        for secret in ("x-refresh-1", "x-refresh-2", "x-test-token-2"):
            self.assertNotIn(secret, r.err + r.out)
        # The environment's refresh token is dead now (rotation); the next expiry
        # is refreshed with the stored one, during collection too.
        self.control(x_expire_token=True)
        self.webox("scrape-interactions", "--platform", "x", "--quiet", env=env, check=0)
        token_calls = [q for q in self.fake.requests() if q["path"] == "/x/2/oauth2/token"]
        self.assertEqual(len(token_calls), 2)
        self.assertIn("refresh_token=x-refresh-2", token_calls[1]["body"])

    def test_a_refresh_that_fails_says_to_authorise_again(self):
        self.seed(recent=0, old=0, x=1)
        self.control(x_expire_token=True)
        r = self.dm("--template", "welcome", "--platform", "x", "--send", env={"X_REFRESH_TOKEN": "dead", "X_CLIENT_ID": "webox-client"},
                    check=4)
        self.assertIn("refreshing it failed", r.err)
        self.assertEqual(self.messages(), [])
        r = self.dm("--template", "welcome", "--platform", "x", "--send", check=4)  # no refresh token at all
        self.assertIn("X_REFRESH_TOKEN", r.err)


PAGE_ID = "104000000000001"  # fake_social.py's Facebook Page
NOW = 1795000000  # WEBOX_NOW and the fake's clock: comment ages are exact
DAY = 86400


class PrivateReplyTest(DmTestCase):
    """Instagram commenters get a private reply to a recent comment (one per
    comment, within 7 days); the others the 24-hour-window direct message."""

    def setUp(self):
        super().setUp()
        self.env["WEBOX_NOW"] = str(NOW)
        self.control(now=NOW)

    def people(self, *persons):
        """persons: (igsid, username, [(interaction id, age in seconds, kind)]).
        Comments and replies are registered with the fake, as Meta knows them."""
        lines, known = [], {}
        for igsid, name, acts in persons:
            for pid, age, kind in acts:
                lines.append({"platform": "instagram", "platform_id": pid, "kind": kind,
                              "person": {"id": igsid, "username": name}, "text": "C'est dispo ? prix ?",
                              "timestamp": NOW - age})
                if kind in ("comment", "reply"):
                    known[pid] = {"from": igsid, "timestamp": NOW - age}
        self.control(comments=known)
        path = os.path.join(self.home, "people.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(json.dumps(l) for l in lines) + "\n")
        self.webox("scrape-interactions", "--from", path, "--quiet", check=0)

    def sent_bodies(self):
        return [(q["path"], json.loads(q["body"])) for q in self.fake.requests() if q["method"] == "POST"]

    @sqlite_only
    def test_a_commenter_gets_a_private_reply_to_the_newest_recent_comment_never_the_same_twice(self):
        # Last interaction a day ago: outside the 24-hour window, inside the 7 days.
        self.people(("99100001", "lea", [("c-a1", DAY + 3600, "comment"), ("c-a2", 3 * DAY, "reply"), ("c-a3", 8 * DAY, "comment")]))
        r = self.dm("--template", "bienvenue", check=0)
        self.assertIn("@lea (instagram, lead ", r.out)
        self.assertIn("private reply to comment c-a1", r.out)
        doc = self.dm("--template", "bienvenue", "--json", check=0).json()
        self.assertEqual([(e["via"], e["comment_id"]) for e in doc["entries"]], [("private_reply", "c-a1")])
        self.assertEqual(self.messages(), [])

        doc = self.dm("--template", "bienvenue", "--send", "--json", check=0).json()
        self.assertEqual(doc["counts"], {"sent": 1})
        self.assertEqual(self.sent_bodies()[0][1]["recipient"], {"comment_id": "c-a1"})
        self.assertEqual(self.sent_bodies()[0][0], f"/ig/v23.0/{IG_ACCOUNT}/messages")
        m = self.messages()[0]
        self.assertEqual((m["recipient"], m["recipient_kind"], m["comment_id"]), ("99100001", "comment_id", "c-a1"))
        with self.db() as c:
            self.assertEqual(c.execute("SELECT comment_id FROM dm_ledger").fetchall(), [("c-a1",)])
        # Another campaign: that comment is spent, the next recent one is answered.
        doc = self.dm("--template", "welcome", "--status", "any", "--send", "--json", check=0).json()
        self.assertEqual(doc["entries"][0]["comment_id"], "c-a2")
        # A third: only an 8-day-old comment is left, and the window is closed.
        doc = self.dm("--template", "bienvenue", "--campaign", "trois", "--status", "any", "--send", "--json", check=3).json()
        self.assertEqual([(e["status"], e["reason"]) for e in doc["entries"]], [("skipped", "outside_window")])
        self.assertEqual([m["comment_id"] for m in self.messages()], ["c-a1", "c-a2"])

    def test_a_lead_whose_comments_are_all_older_than_7_days_gets_a_direct_message(self):
        self.people(("99100002", "marc", [("c-b1", 8 * DAY, "comment"), ("c-b2", 7 * DAY, "comment"), ("m-b1", 3600, "dm")]))
        r = self.dm("--template", "bienvenue", check=0)
        self.assertIn("@marc (instagram, lead 1), direct message", r.out)
        self.dm("--template", "bienvenue", "--send", check=0)
        self.assertEqual(self.sent_bodies()[0][1]["recipient"], {"id": "99100002"})
        self.assertEqual([(m["recipient"], m["recipient_kind"]) for m in self.messages()], [("99100002", "id")])

    def test_an_already_used_private_reply_is_reported_and_the_others_go_on(self):
        self.people(("99100003", "cleo", [("c-c1", DAY, "comment"), ("c-c2", 2 * DAY, "comment")]),
                    ("99100004", "dan", [("c-d1", DAY, "comment")]),
                    ("99100005", "eve", [("c-e1", DAY, "comment")]))
        self.control(private_replied=["c-c1"])  # answered by hand in the app, say
        doc = self.dm("--template", "bienvenue", "--send", "--json", check=3).json()
        self.assertIsNone(doc["stopped"])
        self.assertEqual(doc["counts"], {"sent": 2, "failed": 1})
        failed = [e for e in doc["entries"] if e["status"] == "failed"][0]
        self.assertEqual((failed["handle"], failed["reason"], failed["comment_id"]), ("@cleo", "comment_used", "c-c1"))
        self.assertIn("2534025", failed["detail"])
        self.assertEqual(sorted(m["comment_id"] for m in self.messages()), ["c-d1", "c-e1"])
        # A later run answers cleo's other comment, and never c-c1 again.
        doc = self.dm("--template", "bienvenue", "--status", "any", "--send", "--json", check=0).json()
        self.assertEqual(doc["counts"], {"already_sent": 2, "sent": 1})
        self.assertEqual(sorted(m["comment_id"] for m in self.messages()), ["c-c2", "c-d1", "c-e1"])
        self.assertEqual(sum(b["recipient"] == {"comment_id": "c-c1"} for _, b in self.sent_bodies()), 1)

    def test_a_deleted_comment_is_spent_and_a_later_run_answers_another(self):
        self.people(("99100008", "hugo", [("c-h1", DAY, "comment"), ("c-h2", 2 * DAY, "comment")]))
        self.control(forget_comments=["c-h1"])  # deleted by its author since it was collected
        doc = self.dm("--template", "bienvenue", "--send", "--json", check=3).json()
        self.assertIsNone(doc["stopped"])
        [entry] = doc["entries"]
        self.assertEqual((entry["status"], entry["reason"], entry["comment_id"]), ("failed", "comment_gone", "c-h1"))
        self.assertIn("100/33", entry["detail"])
        self.assertEqual(self.messages(), [])
        # The next run answers the older comment and never asks about c-h1 again.
        doc = self.dm("--template", "bienvenue", "--send", "--json", check=0).json()
        self.assertEqual((doc["counts"], doc["entries"][0]["comment_id"]), ({"sent": 1}, "c-h2"))
        self.assertEqual([m["comment_id"] for m in self.messages()], ["c-h2"])
        self.assertEqual(sum(b["recipient"] == {"comment_id": "c-h1"} for _, b in self.sent_bodies()), 1)

    def fb_env(self, **extra):
        env = {"INSTAGRAM_BASE_URL": "", "META_GRAPH_BASE_URL": self.fake.url + "/fb", "INSTAGRAM_ACCESS_TOKEN": "page-test-token"}
        env.update(extra)
        return env

    def test_facebook_login_sends_from_the_page(self):
        self.people(("99100006", "flo", [("c-f1", DAY, "comment")]), ("99100007", "gus", [("m-g1", 3600, "dm")]))
        doc = self.dm("--template", "bienvenue", "--send", "--json", env=self.fb_env(INSTAGRAM_PAGE_ID=PAGE_ID), check=0).json()
        self.assertEqual(doc["counts"], {"sent": 2})
        self.assertEqual({p for p, _ in self.sent_bodies()}, {f"/fb/v23.0/{PAGE_ID}/messages"})
        self.assertEqual(sorted((m["host"], m["recipient_kind"]) for m in self.messages()), [("fb", "comment_id"), ("fb", "id")])
        self.assertTrue(all(q["headers"]["authorization"] == "Bearer page-test-token"
                            for q in self.fake.requests() if q["method"] == "POST"))

    def test_facebook_login_page_id_from_the_key_store(self):
        self.people(("99100006", "flo", [("c-f1", DAY, "comment")]))
        self.webox("keys", "set", "INSTAGRAM_PAGE_ID", stdin=PAGE_ID, check=0)
        self.dm("--template", "bienvenue", "--send", env=self.fb_env(), check=0)
        self.assertEqual({p for p, _ in self.sent_bodies()}, {f"/fb/v23.0/{PAGE_ID}/messages"})

    @sqlite_only
    def test_facebook_login_without_a_page_id_exits_4_and_sends_nothing(self):
        self.people(("99100006", "flo", [("c-f1", DAY, "comment")]))
        r = self.dm("--template", "bienvenue", "--send", env=self.fb_env(), check=4)
        self.assertIn("INSTAGRAM_PAGE_ID", r.err)
        self.assertIn("nothing was sent", r.err)
        self.assertEqual(self.messages(), [])
        self.assertEqual([q for q in self.fake.requests() if q["method"] == "POST"], [])
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM dm_ledger").fetchone()[0], 0)
        r = self.dm("--template", "bienvenue", env=self.fb_env(), check=0)  # a dry run only warns
        self.assertIn("INSTAGRAM_PAGE_ID", r.err)


class DmCrashTest(DmTestCase):
    """SIGKILL during --send at many random points, then a rerun: nobody is
    messaged twice by a campaign, and every targeted lead is either messaged
    or reported uncertain."""

    LEADS = 12
    KILLS = 24

    def test_killed_at_random_points_nobody_gets_two_messages(self):
        self.seed(recent=self.LEADS, old=0)
        self.config("leads:\n  dm:\n    daily_quota: 100000\n")
        tpl_dir = os.path.join(self.home, "config", "webox", "prompts", "dm")
        os.makedirs(tpl_dir)
        with open(os.path.join(tpl_dir, "essai.md"), "w") as f:
            f.write("---\nname: essai\n---\nEssai {{campaign}} : bonjour {{username}}\n")
        self.control(send_delay_ms=30)  # each message is recorded, then answered 30 ms later
        rnd = random.Random(20261204)
        killed_mid_run = 0
        uncertain_seen = 0
        for k in range(self.KILLS):
            campaign = f"c{k:02d}"
            args = ["leads", "dm", "--template", "essai", "--campaign", campaign, "--status", "any", "--send"]
            proc = subprocess.Popen([WEBOX, *args], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # A random point keyed to progress, not to the clock (sanitizer
            # builds are slower): after N messages arrived, plus up to 40 ms,
            # which often falls between a message's arrival and its answer.
            wanted = rnd.randint(0, self.LEADS - 1)
            deadline = time.monotonic() + 30
            while proc.poll() is None and time.monotonic() < deadline and \
                    sum(m["text"].startswith(f"Essai {campaign} :") for m in self.messages()) < wanted:
                time.sleep(0.005)
            time.sleep(rnd.uniform(0.0, 0.04))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed_mid_run += 1
            proc.wait()
            rerun = self.webox(*args, "--json")
            self.assertIn(rerun.code, (0, 3), rerun)
            uncertain = {e["handle"] for e in rerun.json()["entries"] if e["status"] == "uncertain"}
            uncertain_seen += len(uncertain)
            received = [m["recipient"] for m in self.messages() if m["text"].startswith(f"Essai {campaign} :")]
            for who in set(received):
                self.assertEqual(received.count(who), 1, f"{who} got {received.count(who)} messages from {campaign}")
            for i in range(self.LEADS):
                self.assertTrue(f"99{i:06d}" in received or f"@client.{i}" in uncertain,
                                f"client.{i} neither messaged nor reported uncertain in {campaign}")
        self.assertGreaterEqual(killed_mid_run, 20)
        # Kills landed between a message's intent and its completion too.
        self.assertGreater(uncertain_seen, 0)


if __name__ == "__main__":
    main()
