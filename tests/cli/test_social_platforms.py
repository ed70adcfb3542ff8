"""webox scrape-interactions --platform linkedin|tiktok through the real binary,
against the loopback LinkedIn and TikTok fakes in tests/fakes/fake_social.py."""
import json
import os
import sqlite3
import urllib.request

from harness import WeboxTestCase, main


class PlatformTestCase(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_social.py")
        self.env.update({
            "LINKEDIN_BASE_URL": self.fake.url + "/li",
            "LINKEDIN_ACCESS_TOKEN": "li-test-token",
            "LINKEDIN_ORG_ID": "5515715",
            "TIKTOK_BASE_URL": self.fake.url + "/tt",
            "TIKTOK_ACCESS_TOKEN": "tt-test-token",
            "TIKTOK_BUSINESS_ID": "tt-business-1",
            "WEBOX_RETRY_BASE_MS": "10",
        })

    def control(self, **doc):
        self.fake.control(**doc)

    def truth(self):
        with urllib.request.urlopen(self.fake.url + "/__truth", timeout=5) as r:
            return json.loads(r.read())

    def stored(self, platform):
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            return sorted(r[0] for r in c.execute("SELECT platform_id FROM interactions WHERE platform = ?", (platform,)))

    def kinds(self, platform):
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            return dict(c.execute("SELECT kind, count(*) FROM interactions WHERE platform = ? GROUP BY kind", (platform,)))

    def config(self, text):
        os.makedirs(os.path.join(self.home, "config", "webox"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write(text)


class LinkedInTest(PlatformTestCase):
    def scrape(self, *extra, check=0, **kw):
        return self.webox("scrape-interactions", "--platform", "linkedin", *extra, check=check, **kw)

    def test_collects_comments_replies_and_reactions_once(self):
        first = self.scrape("--json").json()
        self.assertEqual(self.stored("linkedin"), self.truth()["linkedin_interactions"])
        self.assertEqual(first["new_interactions"], len(self.truth()["linkedin_interactions"]))
        kinds = self.kinds("linkedin")
        self.assertEqual(set(kinds), {"comment", "reply", "like"})
        self.assertEqual(kinds["reply"], 3)  # one reply per post, told by parentComment
        reqs = [r for r in self.fake.requests() if r["path"].startswith("/li/")]
        for r in reqs:
            self.assertRegex(r["headers"]["linkedin-version"], r"^\d{6}$")
            self.assertEqual(r["headers"]["x-restli-protocol-version"], "2.0.0")
            self.assertEqual(r["headers"]["authorization"], "Bearer li-test-token")
        comment_paths = [r["path"] for r in reqs if r["path"].endswith("/comments")]
        self.assertIn("/li/rest/socialActions/urn%3Ali%3Ashare%3A700000000000001/comments", comment_paths)
        self.assertTrue(all("start" in r["query"] and "count" in r["query"] for r in reqs))
        # Phone numbers in comments become contacts, people are identified by URN.
        leads = json.loads(self.webox("leads", "list", "--json", "--platform", "linkedin", check=0).out)
        self.assertTrue(leads)
        self.assertTrue(all(l["platform_user_id"].startswith("urn:li:person:") for l in leads))
        # Second run: totals unchanged, nothing new and no page beyond the first of each edge.
        self.control(reset_requests=True)
        second = self.scrape("--json").json()
        self.assertEqual(second["new_interactions"], 0)

    def test_throttling_is_retried_and_errors_are_clear(self):
        self.control(li_throttle=1)
        self.scrape("--quiet")
        self.assertEqual(self.stored("linkedin"), self.truth()["linkedin_interactions"])
        r = self.scrape(env={"LINKEDIN_ACCESS_TOKEN": "expired"}, check=4)
        self.assertIn("65600", r.err)
        self.assertIn("LINKEDIN_ACCESS_TOKEN", r.err)
        self.config("social:\n  linkedin:\n    version: '202301'\n")
        r = self.scrape(check=2)
        self.assertIn("426", r.err)
        self.assertIn("social.linkedin.version", r.err)

    def test_persistent_throttling_exits_75(self):
        self.control(li_throttle=50)
        r = self.scrape(env={"WEBOX_RETRIES": "1"}, check=75)
        self.assertIn("throttle", r.err)

    def test_no_organisation_is_a_clear_error(self):
        r = self.scrape(env={"LINKEDIN_ORG_ID": ""}, check=2)
        self.assertIn("LINKEDIN_ORG_ID", r.err)


class TikTokTest(PlatformTestCase):
    def scrape(self, *extra, check=0, **kw):
        return self.webox("scrape-interactions", "--platform", "tiktok", *extra, check=check, **kw)

    def test_collects_comments_by_cursor_without_the_accounts_own(self):
        first = self.scrape("--json").json()
        truth = self.truth()["tiktok_interactions"]
        self.assertEqual(self.stored("tiktok"), truth)
        self.assertEqual(first["new_interactions"], len(truth))
        reqs = [r for r in self.fake.requests() if r["path"].endswith("/comment/list/")]
        self.assertTrue(all(r["headers"]["access-token"] == "tt-test-token" for r in reqs))
        self.assertTrue(all("authorization" not in r["headers"] for r in reqs))
        self.assertTrue(any("cursor" in r["query"] for r in reqs))  # more than one page per video
        self.assertEqual(len(reqs), 4)  # 5 comments, 3 a page, 2 videos
        # The rerun resumes at the stored cursors: one page per video, nothing new.
        self.control(reset_requests=True)
        self.assertEqual(self.scrape("--json").json()["new_interactions"], 0)
        reqs = [r for r in self.fake.requests() if r["path"].endswith("/comment/list/")]
        self.assertEqual([r["query"].get("cursor") for r in reqs], ["5", "5"])

    def test_errors_in_http_200_bodies(self):
        self.control(tt_error=[40105])
        r = self.scrape(check=4)
        self.assertIn("40105", r.err)
        self.assertIn("TIKTOK_ACCESS_TOKEN", r.err)
        self.config("social:\n  tiktok:\n    backoff_ms: 1\n")
        self.control(tt_error=[40100, 429])
        self.scrape("--quiet")
        self.assertEqual(self.stored("tiktok"), self.truth()["tiktok_interactions"])
        self.control(tt_error=[40100] * 10)
        r = self.scrape(check=75)
        self.assertIn("40100", r.err)


if __name__ == "__main__":
    main()
