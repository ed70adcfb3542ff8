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
                  "li-secret", "FBshort-", "FBuser-", "FBpage-", "fb-secret")

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
        # stdin is not a terminal: nothing is ever asked.
        proc = subprocess.Popen([WEBOX, *verbose, "auth", "login", platform, "--no-browser", "--timeout", "20", *extra],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                text=True)
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

    def login(self, platform="instagram", *extra, verbose=()):
        proc, url, seen = self.start_login(platform, *extra, verbose=verbose)
        status, body = browse(url)
        if status != 200:
            out, err = proc.communicate(timeout=30)
            self.fail(f"{body}\nstderr: {''.join(seen)}{err}")
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


class FacebookLogin(AuthTestCase):
    """`webox auth login instagram --via facebook`: a Facebook Page's token."""

    IG_ID = "17841400000000011"

    def setUp(self):
        super().setUp()
        u = self.fake.url
        self.env.update({"FACEBOOK_APP_ID": "fb-app", "FACEBOOK_APP_SECRET": "fb-secret",
                         "INSTAGRAM_FACEBOOK_DIALOG_URL": u + "/fb-www/dialog/oauth",
                         "META_GRAPH_BASE_URL": u + "/fb"})
        # The Facebook Login host, not Instagram Login's.
        del self.env["INSTAGRAM_BASE_URL"]

    def fb_login(self, *extra, verbose=()):
        return self.login("instagram", "--via", "facebook", *extra, verbose=verbose)

    def fb_login_fails(self, check, *extra):
        proc, url, seen = self.start_login("instagram", "--via", "facebook", *extra)
        browse(url)
        return self.finish(proc, seen, check)[1]

    def names(self):
        return self.webox("keys", "list", "--json", check=0).json()

    def test_page_token_is_stored_and_used_on_graph_facebook_com(self):
        proc, url, seen = self.start_login("instagram", "--via", "facebook")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertTrue(url.startswith(self.fake.url + "/fb-www/dialog/oauth?"))
        self.assertEqual(q["client_id"], ["fb-app"])
        self.assertEqual(q["response_type"], ["code"])
        self.assertIn("pages_show_list", q["scope"][0].split(","))
        self.assertIn("instagram_manage_messages", q["scope"][0].split(","))
        self.assertEqual(browse(url)[0], 200)
        out, err = self.finish(proc, seen, 0)
        st = self.status("instagram")
        self.assertEqual(st["method"], "facebook")
        self.assertTrue(st["never_expires"])
        self.assertIsNone(st["expires_at"])
        self.assertIn(self.IG_ID, st["account"])
        self.assertIn("'Ma Boutique' (1111)", st["account"])
        self.assertTrue(st["refreshable"])
        self.assertIn(st["grant_expires_at"][:4], time.strftime("%Y", time.gmtime(time.time() + 60 * DAY)))
        for name in ("INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_FB_USER_TOKEN", "INSTAGRAM_PAGE_ID", "INSTAGRAM_USER_ID",
                     "INSTAGRAM_LOGIN", "auth.instagram"):
            self.assertIn(name, self.names())
        r = self.webox("auth", "status", check=0)
        self.assertIn("(--via facebook), never expires", r.out)
        # Collection goes to the Facebook host, as the Instagram account (not /me, the Page).
        self.scrape(check=0)
        paths = [x["path"] for x in self.fake.get_json("/__state")["requests"]]
        self.assertIn(f"/fb/v23.0/{self.IG_ID}/media", paths)
        # A Page token does not expire: months later, no refresh and it still works.
        self.scrape(now=time.time() + 200 * DAY, check=0)
        self.assertEqual(self.fake.get_json("/__state")["fb_derives"], 1)
        with open(self.keys_file()) as f:
            self.assert_no_secret(out, err, f.read())

    def test_two_pages_are_chosen_with_page_or_listed(self):
        self.fake.control(fb_pages=[{"id": "1111", "name": "Boutique Lyon", "ig": "17841400000000011"},
                                    {"id": "2222", "name": "Boutique Paris", "ig": "17841400000000022"}])
        err = self.fb_login_fails(2)
        self.assertIn("2 Facebook Pages: 'Boutique Lyon' (1111), 'Boutique Paris' (2222)", err)
        self.assertIn("--page NAME|ID", err)
        self.assertIn("nothing stored", err)
        self.assertNotIn("INSTAGRAM_ACCESS_TOKEN", self.names())
        self.fb_login("--page", "Boutique Paris")
        self.assertIn("'Boutique Paris' (2222)", self.status("instagram")["account"])
        self.scrape(check=0)
        paths = [x["path"] for x in self.fake.get_json("/__state")["requests"]]
        self.assertIn("/fb/v23.0/17841400000000022/media", paths)
        self.fb_login("--page", "1111")
        self.assertIn("'Boutique Lyon' (1111)", self.status("instagram")["account"])
        err = self.fb_login_fails(2, "--page", "Boutique Nice")
        self.assertIn("no Facebook Page 'Boutique Nice'", err)

    def test_a_page_without_an_instagram_account_is_a_clear_exit_4(self):
        self.fake.control(fb_pages=[{"id": "3333", "name": "Sans Insta"}])
        err = self.fb_login_fails(4)
        self.assertIn("'Sans Insta' (3333) has no Instagram professional account linked", err)
        self.assertFalse(os.path.exists(self.keys_file()))
        self.fake.control(fb_pages=[{"id": "3333", "name": "Sans Insta"},
                                    {"id": "1111", "name": "Ma Boutique", "ig": self.IG_ID}])
        err = self.fb_login_fails(4, "--page", "Sans Insta")
        self.assertIn("has no Instagram professional account linked", err)
        self.fb_login()  # the only usable one is taken
        self.assertIn("(1111)", self.status("instagram")["account"])

    def test_denied_consent_and_wrong_state(self):
        self.fake.control(deny=True)
        err = self.fb_login_fails(1)
        self.assertIn("refused at instagram's consent page (access_denied: Permissions error)", err)
        self.fake.control(deny=False)
        proc, url, seen = self.start_login("instagram", "--via", "facebook")
        redirect_uri = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["redirect_uri"][0]
        self.assertEqual(browse(redirect_uri + "?code=facebook-code-1&state=forged")[0], 400)
        _, err = self.finish(proc, seen, 1)
        self.assertIn("state does not match", err)
        self.assertFalse(os.path.exists(self.keys_file()))
        # A code Facebook does not know (expired, used): refused, exit 4.
        proc, url, seen = self.start_login("instagram", "--via", "facebook")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        browse(q["redirect_uri"][0] + "?" + urllib.parse.urlencode({"code": "stale-code", "state": q["state"][0]}))
        _, err = self.finish(proc, seen, 4)
        self.assertIn("the code exchange was refused", err)
        self.assertIn("webox auth login instagram --via facebook", err)
        self.assertFalse(os.path.exists(self.keys_file()))

    def test_refresh_derives_the_page_token_again_or_says_sign_in_again(self):
        self.fb_login()
        r = self.webox("auth", "refresh", "instagram", "--json", check=0)
        self.assertIsNotNone(json.loads(r.out)["last_refresh"])
        self.assertEqual(self.fake.get_json("/__state")["fb_derives"], 2)
        self.scrape(check=0)  # the new Page token is the one used
        self.fake.control(revoked=True)
        r = self.webox("auth", "refresh", "instagram", check=4)
        self.assertIn("code 190", r.err)
        self.assertIn("webox auth login instagram --via facebook", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        # The Page token itself refused: collection says the same.
        r = self.scrape(check=4)
        self.assertIn("webox auth login instagram --via facebook", r.err)
        # The user token's ~60 days are over: said without asking Facebook.
        requests = len(self.fake.get_json("/__state")["requests"])
        r = self.webox("auth", "refresh", "instagram", env={"WEBOX_NOW": str(int(time.time()) + 61 * DAY)}, check=4)
        self.assertIn("expired on", r.err)
        self.assertIn("webox auth login instagram --via facebook", r.err)
        self.assertEqual(len(self.fake.get_json("/__state")["requests"]), requests + 1)  # only /__state

    def test_logout_removes_everything_the_sign_in_stored(self):
        self.fb_login()
        r = self.webox("auth", "logout", "instagram", check=0)
        for name in ("INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_FB_USER_TOKEN", "INSTAGRAM_PAGE_ID", "INSTAGRAM_USER_ID",
                     "INSTAGRAM_LOGIN", "auth.instagram"):
            self.assertIn(name, r.err)
            self.assertNotIn(name, self.names())

    def test_instagram_login_afterwards_forgets_the_page_ids(self):
        self.fb_login()
        self.env["INSTAGRAM_BASE_URL"] = self.fake.url + "/ig"
        self.login()
        names = self.names()
        for name in ("INSTAGRAM_FB_USER_TOKEN", "INSTAGRAM_PAGE_ID", "INSTAGRAM_USER_ID", "INSTAGRAM_LOGIN"):
            self.assertNotIn(name, names)
        self.assertIsNone(self.status("instagram")["method"])

    def test_bad_input(self):
        r = self.webox("auth", "login", "instagram", "--via", "facebok", "--no-browser", check=2)
        self.assertIn("no sign-in method 'facebok' (--via takes: instagram, facebook)", r.err)
        r = self.webox("auth", "login", "x", "--via", "facebook", "--no-browser", check=2)
        self.assertIn("no sign-in method 'facebook'", r.err)
        r = self.webox("auth", "login", "instagram", "--page", "1111", "--no-browser", check=2)
        self.assertIn("--via facebook", r.err)
        del self.env["FACEBOOK_APP_ID"]
        r = self.webox("auth", "login", "instagram", "--via", "facebook", "--no-browser", check=4)
        self.assertIn("FACEBOOK_APP_ID is not set", r.err)

    def test_no_secret_in_any_output_even_at_vvv(self):
        texts = list(self.fb_login(verbose=("-vvv",)))
        for args in (("auth", "refresh"), ("auth", "status", "--json"), ("scrape-interactions", "--platform", "instagram")):
            r = self.webox("-vvv", *args, check=0)
            texts += [r.out, r.err]
        self.assertTrue(any("me/accounts" in t for t in texts))  # the trace did show the requests
        self.assert_no_secret(*texts)


class LogoutWording(AuthTestCase):
    def test_a_key_set_by_hand_is_kept_and_said_so(self):
        self.webox("keys", "set", "instagram", stdin="hand-set-token\n", check=0)
        r = self.webox("auth", "logout", "instagram", check=2)
        self.assertIn("no token stored by webox auth login; nothing removed", r.err)
        self.assertIn("INSTAGRAM_ACCESS_TOKEN was stored with `webox keys set`", r.err)
        self.assertIn("webox keys remove INSTAGRAM_ACCESS_TOKEN", r.err)
        self.assertIn("INSTAGRAM_ACCESS_TOKEN", self.webox("keys", "list", "--json", check=0).json())

    def test_signed_in_logout_names_what_it_removed_and_the_environment(self):
        self.login()
        self.env["INSTAGRAM_ACCESS_TOKEN"] = "from-env-token"
        r = self.webox("auth", "logout", "instagram", check=0)
        self.assertIn("removed from the key store: INSTAGRAM_ACCESS_TOKEN, auth.instagram", r.err)
        self.assertIn("INSTAGRAM_ACCESS_TOKEN is set in the environment", r.err)


class ServeKeepsTokensFresh(AuthTestCase):
    """A long-running `webox serve` refreshes a token that comes within the
    refresh window while it runs, not only at the first delivery."""

    def test_a_token_that_becomes_due_is_refreshed_before_the_next_delivery(self):
        import test_serve
        self.login()
        self.env["INSTAGRAM_WEBHOOK_VERIFY_TOKEN"] = "verify-me"
        self.write_config("leads:\n  threshold: 1\n")
        serve = test_serve.Serve(self, "-v")
        try:
            def deliver(n):
                doc = test_serve.comment_delivery(f"c{n}", "prix ?", user_id=f"90{n}")
                status, body, _ = serve.deliver(doc, signature=test_serve.sign(json.dumps(doc).encode(), "ig-secret"))
                self.assertEqual(status, 200, body)
                serve.wait_processed(n)
            deliver(1)  # 60 days left: nothing to refresh
            self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 0)
            # The platform hands out a token for one hour, refreshed 50 minutes
            # ago (WEBOX_NOW): in the last half of its life, due while serve runs.
            self.fake.control(ig_expires_in=3600)
            self.env["WEBOX_NOW"] = str(int(time.time()) - 3000)
            self.webox("auth", "refresh", "instagram", check=0)
            del self.env["WEBOX_NOW"]
            self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 1)
            deliver(2)
            self.assertEqual(self.fake.get_json("/__state")["ig_refreshes"], 2)
        finally:
            code, err = serve.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("token refreshed ahead of its expiry", err)
        self.assert_no_secret(err)


if __name__ == "__main__":
    main()
