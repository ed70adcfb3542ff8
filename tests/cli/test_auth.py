"""webox auth: sign-in through the real binary against tests/fakes/fake_oauth.py.

The test plays the browser: it starts `webox auth login PLATFORM
--no-browser`, reads the consent URL webox prints, GETs it (the fake's
consent page answers 302 to webox's loopback redirect URI with code and
state) and lets urllib follow that redirect to webox's listener.
"""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import WEBOX, WeboxTestCase, main

DAY = 24 * 3600
# Values the fake issues or expects that must never be shown anywhere.
SECRET_MARKERS = ("IGshort-", "IGlong-", "ig-secret", "x-access-", "x-refresh-", "li-access-", "li-refresh-",
                  "li-secret")

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def browse(url):
    """GETs `url` like a browser (following redirects); returns (status, body)."""
    try:
        with NO_PROXY.open(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class AuthTestCase(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_oauth.py")
        u = self.fake.url
        self.env.update({
            "WEBOX_RETRY_BASE_MS": "10",
            "INSTAGRAM_APP_ID": "ig-app", "INSTAGRAM_APP_SECRET": "ig-secret",
            "INSTAGRAM_AUTHORIZE_URL": u + "/ig-www/oauth/authorize",
            "INSTAGRAM_TOKEN_URL": u + "/ig-api/oauth/access_token",
            "INSTAGRAM_BASE_URL": u + "/ig",
            "X_CLIENT_ID": "x-client", "X_AUTHORIZE_URL": u + "/x-www/i/oauth2/authorize", "X_API_BASE_URL": u + "/x",
            "LINKEDIN_CLIENT_ID": "li-client", "LINKEDIN_CLIENT_SECRET": "li-secret",
            "LINKEDIN_AUTHORIZE_URL": u + "/li-www/oauth/v2/authorization",
            "LINKEDIN_TOKEN_URL": u + "/li-www/oauth/v2/accessToken",
        })
        self.env.pop("DISPLAY", None)
        self.env.pop("WAYLAND_DISPLAY", None)

    def start_login(self, platform, *extra, verbose=()):
        """Starts `auth login` and returns (process, consent URL, stderr lines so far)."""
        proc = subprocess.Popen([WEBOX, *verbose, "auth", "login", platform, "--no-browser", "--timeout", "20", *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, text=True)
        seen = []
        deadline = time.time() + 20
        while time.time() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("http"):
                return proc, line.strip(), seen
        proc.kill()
        out, err = proc.communicate()
        self.fail(f"no consent URL printed: {''.join(seen)}{err}")

    def finish(self, proc, seen, check):
        out, err = proc.communicate(timeout=30)
        err = "".join(seen) + err
        self.assertEqual(proc.returncode, check, f"stdout: {out}\nstderr: {err}")
        return out, err

    def login(self, platform="instagram", verbose=()):
        proc, url, seen = self.start_login(platform, verbose=verbose)
        status, body = browse(url)
        self.assertEqual(status, 200, body)
        self.assertIn("Signed in", body)
        return self.finish(proc, seen, 0)

    def status(self, platform, **kw):
        doc = self.webox("auth", "status", "--json", check=0, **kw).json()
        return next(s for s in doc if s["platform"] == platform)

    def scrape(self, now=None, check=0):
        env = {"WEBOX_NOW": str(int(now))} if now else None
        return self.webox("scrape-interactions", "--platform", "instagram", env=env, check=check)

    def keys_file(self):
        return os.path.join(self.home, "config", "webox", "keys.json")

    def assert_no_secret(self, *texts):
        for text in texts:
            for marker in SECRET_MARKERS:
                self.assertNotIn(marker, text)


class InstagramLogin(AuthTestCase):
    def test_login_stores_a_long_lived_token_and_status_shows_it(self):
        out, err = self.login()
        self.assertIn("Signed in to instagram", err)
        st = self.status("instagram")
        self.assertEqual(st["source"], "key store")
        self.assertEqual(st["account"], "17841400000000001")
        self.assertEqual(st["scopes"], ["instagram_business_basic", "instagram_business_manage_comments"])
        self.assertIn(st["expires_in_days"], (59, 60))
        self.assertIsNone(st["last_refresh"])
        names = self.webox("keys", "list", "--json", check=0).json()
        self.assertIn("INSTAGRAM_ACCESS_TOKEN", names)
        self.assertIn("auth.instagram", names)
        with open(self.keys_file()) as f:
            stored = f.read()
        self.assert_no_secret(out, err, stored)
        self.assertEqual(os.stat(self.keys_file()).st_mode & 0o777, 0o600)
        # The stored token is the one the plugin then uses: a collection works.
        self.scrape(check=0)
        # The short-lived token was exchanged exactly once, the code once.
        paths = [r["path"] for r in self.fake.get_json("/__state")["requests"]]
        self.assertEqual(paths.count("/ig-api/oauth/access_token"), 1)
        self.assertEqual(paths.count("/ig/access_token"), 1)

    def test_status_text_warns_from_14_days_before_expiry(self):
        self.login()
        r = self.webox("auth", "status", env={"WEBOX_NOW": str(int(time.time()) + 50 * DAY)}, check=0)
        self.assertRegex(r.out, r"instagram: account 17841400000000001, expires in (9|10) days")
        self.assertIn("warning", r.err.lower())
        r = self.webox("auth", "status", check=0)
        self.assertNotIn("warning", r.err.lower())
        self.assertIn("x: not signed in", r.out)

    def test_a_redirect_with_a_wrong_state_is_refused_and_nothing_stored(self):
        proc, url, seen = self.start_login("instagram")
        redirect_uri = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["redirect_uri"][0]
        status, body = browse(redirect_uri + "?code=instagram-code-1&state=forged")
        self.assertEqual(status, 400)
        self.assertIn("state does not match", body)
        _, err = self.finish(proc, seen, 1)
        self.assertIn("state does not match", err)
        self.assertIn("nothing stored", err)
        self.assertFalse(os.path.exists(self.keys_file()))

    def test_other_paths_are_answered_404_and_the_wait_goes_on(self):
        proc, url, seen = self.start_login("instagram")
        redirect_uri = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["redirect_uri"][0]
        self.assertTrue(redirect_uri.startswith("http://127.0.0.1:"))
        status, _ = browse(redirect_uri.replace("/callback", "/favicon.ico"))
        self.assertEqual(status, 404)
        self.assertEqual(browse(url)[0], 200)
        self.finish(proc, seen, 0)

    def test_denied_consent_is_a_clear_failure(self):
        self.fake.control(deny=True)
        proc, url, seen = self.start_login("instagram")
        status, body = browse(url)
        self.assertEqual(status, 400)
        _, err = self.finish(proc, seen, 1)
        self.assertIn("refused at instagram's consent page (access_denied: The user denied your request.)", err)
        self.assertFalse(os.path.exists(self.keys_file()))

    def test_no_redirect_in_time(self):
        r = self.webox("auth", "login", "instagram", "--no-browser", "--timeout", "1", check=1)
        self.assertIn("no sign-in redirect arrived within 1 s", r.err)

    def test_ctrl_c_while_waiting_exits_130(self):
        proc, url, seen = self.start_login("instagram")
        proc.send_signal(signal.SIGINT)
        self.finish(proc, seen, 130)
        self.assertFalse(os.path.exists(self.keys_file()))

    def test_missing_app_id_or_secret_is_exit_4_naming_it(self):
        env = dict(self.env)
        del env["INSTAGRAM_APP_ID"]
        self.env = env
        r = self.webox("auth", "login", "instagram", "--no-browser", check=4)
        self.assertIn("INSTAGRAM_APP_ID is not set", r.err)
        self.env["INSTAGRAM_APP_ID"] = "ig-app"
        del self.env["INSTAGRAM_APP_SECRET"]
        proc, url, seen = self.start_login("instagram")
        browse(url)
        _, err = self.finish(proc, seen, 4)
        self.assertIn("INSTAGRAM_APP_SECRET is not set", err)

    def test_bad_input(self):
        r = self.webox("auth", "login", "instagramm", check=2)
        self.assertIn("did you mean instagram", r.err)
        r = self.webox("auth", "login", "tiktok", check=2)
        self.assertIn("tiktok has no sign-in", r.err)
        self.webox("auth", "login", "instagram", "--timeout", "0", check=2)
        self.webox("auth", "login", "instagram", "--port", "70000", check=2)
        r = self.webox("auth", "logout", "instagram", check=2)
        self.assertIn("no token stored", r.err)
        r = self.webox("auth", "refresh", "instagram", check=4)
        self.assertIn("webox auth login instagram", r.err)
        r = self.webox("auth", "refresh", check=4)
        # No token at all: the collection names the way to get one.
        r = self.scrape(check=4)
        self.assertIn("webox auth login instagram", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)

    def test_logout_forgets_the_tokens(self):
        self.login()
        self.webox("auth", "logout", "instagram", check=0)
        names = self.webox("keys", "list", "--json", check=0).json()
        self.assertNotIn("INSTAGRAM_ACCESS_TOKEN", names)
        self.assertNotIn("auth.instagram", names)
        self.assertEqual(self.status("instagram")["source"], "none")


class InstagramLifecycle(AuthTestCase):
    def test_a_command_refreshes_a_token_that_expires_within_7_days(self):
        self.login()
        now = int(time.time())
        self.scrape(now=now + 50 * DAY)  # 10 days left: not yet
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 0)
        self.scrape(now=now + 54 * DAY)  # 6 days left: refreshed once, then used
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)
        st = self.status("instagram", env={"WEBOX_NOW": str(now + 54 * DAY)})
        self.assertIsNotNone(st["last_refresh"])
        self.assertIn(st["expires_in_days"], (59, 60))
        self.scrape(now=now + 55 * DAY)  # fresh again: no second refresh
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)

    def test_two_runs_at_once_refresh_once(self):
        self.login()
        self.fake.control(refresh_delay=1.5)
        env = dict(self.env, WEBOX_NOW=str(int(time.time()) + 55 * DAY))
        # Two accounts: the per-account collection lock must not be what keeps them apart.
        procs = [subprocess.Popen([WEBOX, "scrape-interactions", "--platform", "instagram", "--account", account],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for account in ("17841400000000001", "17841400000000002")]
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)

    def test_an_expired_token_stops_the_command_with_exit_4(self):
        self.login()
        r = self.scrape(now=time.time() + 61 * DAY, check=4)
        self.assertIn("the token expired on", r.err)
        self.assertIn("webox auth login instagram", r.err)
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 0)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)

    def test_a_revoked_token_is_exit_4_naming_auth_login(self):
        self.login()
        self.fake.control(revoked=True)
        r = self.scrape(check=4)
        self.assertIn("webox auth login instagram", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        r = self.webox("auth", "refresh", "instagram", check=4)
        self.assertIn("code 190", r.err)
        self.assertIn("webox auth login instagram", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)

    def test_a_failed_refresh_of_a_valid_token_is_a_warning(self):
        self.login()
        self.fake.control(revoked=True)
        # The refresh is refused but the token has 6 days left: the run goes on
        # (and then fails on the revoked token itself, exit 4, as it should).
        r = self.scrape(now=time.time() + 54 * DAY, check=4)
        self.assertIn("still works until", r.err)

    def test_auth_refresh_now(self):
        self.login()
        r = self.webox("auth", "refresh", "instagram", "--json", check=0)
        self.assertIsNotNone(json.loads(r.out)["last_refresh"])
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)
        self.scrape(check=0)  # the refreshed token is the one used

    def test_the_environment_wins_and_is_never_refreshed(self):
        self.login()
        self.scrape(now=time.time() + 55 * DAY, check=0)
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)
        self.env["INSTAGRAM_ACCESS_TOKEN"] = "from-env-token"
        self.assertEqual(self.status("instagram")["source"], "environment")
        self.scrape(now=time.time() + 120 * DAY, check=4)  # the fake refuses that token: 190
        self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)


class OtherPlatforms(AuthTestCase):
    def test_x_login_with_pkce_and_rotating_refresh(self):
        out, err = self.login("x")
        st = self.status("x")
        self.assertEqual(st["source"], "key store")
        self.assertTrue(st["refreshable"])
        self.assertEqual(st["scopes"], ["tweet.read", "users.read", "offline.access"])
        names = self.webox("keys", "list", "--json", check=0).json()
        self.assertIn("X_OAUTH2_ACCESS_TOKEN", names)
        self.assertIn("X_OAUTH2_REFRESH_TOKEN", names)
        self.webox("auth", "refresh", "x", check=0)
        self.webox("auth", "refresh", "x", check=0)  # the rotated refresh token was stored
        self.assertEqual(self.fake.get_json("/__state")["x_refreshes"], 2)
        self.fake.control(revoked=True)
        r = self.webox("auth", "refresh", "x", check=4)
        self.assertIn("invalid_grant", r.err)
        self.assertIn("webox auth login x", r.err)

    def test_x_consent_url_carries_an_s256_challenge(self):
        proc, url, seen = self.start_login("x")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertEqual(q["code_challenge_method"], ["S256"])
        self.assertEqual(len(q["code_challenge"][0]), 43)
        self.assertIn("offline.access", q["scope"][0].split(" "))
        self.assertEqual(len(q["state"][0]), 43)
        browse(url)
        self.finish(proc, seen, 0)

    def test_linkedin_login_and_refresh(self):
        self.login("linkedin")
        st = self.status("linkedin")
        self.assertEqual(st["scopes"], ["r_organization_social"])
        self.assertIn(st["expires_in_days"], (59, 60))
        self.webox("auth", "refresh", "linkedin", check=0)
        self.assertEqual(self.fake.get_json("/__state")["li_refreshes"], 1)

    def test_no_secret_in_any_output_even_at_vvv(self):
        texts = list(self.login("instagram", verbose=("-vvv",)))
        texts += list(self.login("x", verbose=("-vvv",)))
        texts += list(self.login("linkedin", verbose=("-vvv",)))
        for args in (("auth", "refresh"), ("auth", "status"), ("auth", "status", "--json"), ("keys", "list")):
            r = self.webox("-vvv", *args, check=0)
            texts += [r.out, r.err]
        r = self.webox("-vvv", "scrape-interactions", "--platform", "instagram",
                       env={"WEBOX_NOW": str(int(time.time()) + 55 * DAY)}, check=0)
        texts += [r.out, r.err]
        self.assertIn("refreshed", r.err)
        self.assertTrue(any("oauth2/token" in t for t in texts))  # the trace did show the requests
        self.assert_no_secret(*texts)
        with open(self.keys_file()) as f:
            self.assert_no_secret(f.read())


if __name__ == "__main__":
    main()
