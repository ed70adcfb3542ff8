"""Network hygiene through the real binary, against loopback fakes: TLS is
always verified (a private CA is added, never verification removed),
redirects are limited and never go from HTTPS down to HTTP, response sizes
are bounded, and plugins never load from the current directory.

The HTTP client is the host's (lib/net/http_client.cpp); the OpenAI plugin
is used as the messenger because its base URL is configurable."""
import email.utils
import json
import os
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request

from harness import WEBOX, WeboxTestCase, main

KEY = "sk-net-hygiene-0123456789"


def make_cert(folder):
    """A self-signed certificate for 127.0.0.1 (the test's private CA)."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class NetworkHygieneTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.plain = self.start_fake("fake_hostile_http.py")
        self.env.update({"OPENAI_API_KEY": KEY, "WEBOX_RETRY_BASE_MS": "1", "WEBOX_RETRIES": "2"})

    def chat(self, base, *extra, env=None, check=None, stream=False):
        args = ["chat", "-m", "openai:gpt-4o-mini", *extra]
        if not stream:
            args.append("--no-stream")
        return self.webox(*args, "ping", env=dict(env or {}, OPENAI_BASE_URL=base), check=check)

    def requests_to(self, fake, scheme="http", context=None):
        url = f"{scheme}://127.0.0.1:{fake.port}/__requests"
        with urllib.request.urlopen(url, timeout=5, context=context) as r:
            return [q for q in json.loads(r.read()) if q["path"] != "/__requests"]

    # ---- redirects

    def test_a_short_redirect_chain_is_followed(self):
        r = self.chat(self.plain.url + "/hops/3/v1", check=0)
        self.assertEqual(r.out.strip(), "pong")
        self.assertEqual(len(self.requests_to(self.plain)), 4)

    def test_a_long_redirect_chain_is_cut_and_not_retried(self):
        r = self.chat(self.plain.url + "/hops/9/v1", check=4)
        self.assertIn("more than 5 redirects", r.err)
        # 1 request + 5 redirects followed, and no retry of the whole chain
        self.assertEqual(len(self.requests_to(self.plain)), 6)
        self.assertNotIn(KEY, r.err + r.out)

    # ---- settings from the environment

    def test_a_mistyped_http_setting_exits_2_before_any_request(self):
        for var, value in [("WEBOX_RETRIES", "lots"), ("WEBOX_RETRIES", "-1"), ("WEBOX_TIMEOUT_MS", "0"),
                           ("WEBOX_CONNECT_TIMEOUT_MS", "5s"), ("WEBOX_RETRY_BASE_MS", "1.5"),
                           ("WEBOX_MAX_RESPONSE_BYTES", "0")]:
            with self.subTest(var=var, value=value):
                r = self.chat(self.plain.url + "/v1", env={var: value}, check=2)
                self.assertIn(f"{var} must be ", r.err)
                self.assertIn(f"not '{value}'", r.err)
        self.assertEqual(self.requests_to(self.plain), [])
        # 0 retries and 0 ms of backoff are meaningful, and accepted.
        r = self.chat(self.plain.url + "/v1", env={"WEBOX_RETRIES": "0", "WEBOX_RETRY_BASE_MS": "0"}, check=0)
        self.assertEqual(r.out.strip(), "pong")

    # ---- response size

    def test_an_oversized_body_is_refused_once_with_a_clear_error(self):
        # A setting decides it, not the moment: exit 4 (configuration), not 75 (try later).
        r = self.chat(self.plain.url + "/big/200000/v1", env={"WEBOX_MAX_RESPONSE_BYTES": "100000"}, check=4)
        self.assertIn("larger than 100000 bytes", r.err)
        self.assertEqual(len(self.requests_to(self.plain)), 1)

    def test_the_limit_comes_from_the_config_file(self):
        os.makedirs(os.path.join(self.home, "config", "webox"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write("http:\n  max_response_bytes: 50000\n")
        r = self.chat(self.plain.url + "/big/80000/v1")
        self.assertIn("larger than 50000 bytes", r.err)
        self.chat(self.plain.url + "/big/20000/v1", check=0)
        self.assertIn("http.max_response_bytes", self.webox("config", "explain", check=0).out)

    def test_a_body_under_the_limit_passes(self):
        r = self.chat(self.plain.url + "/big/20000/v1", env={"WEBOX_MAX_RESPONSE_BYTES": "100000"}, check=0)
        self.assertEqual(len(r.out.strip()), 20000)

    def test_an_endless_stream_is_cut_at_the_limit(self):
        r = self.chat(self.plain.url + "/endless/v1", env={"WEBOX_MAX_RESPONSE_BYTES": "300000"}, stream=True, check=4)
        self.assertIn("larger than 300000 bytes", r.err)
        self.assertLess(len(r.out), 300000)

    # ---- TLS

    def start_tls(self):
        cert, key = make_cert(self.home)
        fake = self.start_fake("fake_hostile_http.py", "--tls", cert, key)
        return fake, cert, f"https://127.0.0.1:{fake.port}"

    def test_an_unknown_certificate_is_refused_without_retries(self):
        fake, cert, url = self.start_tls()
        r = self.chat(url + "/ok/v1", check=4)  # a setting fixes it, not a later run
        self.assertIn("certificate verification failed", r.err)
        self.assertIn("--ca-bundle", r.err)

    def test_a_ca_bundle_is_added_by_flag_environment_or_config(self):
        fake, cert, url = self.start_tls()
        r = self.chat(url + "/ok/v1", "--ca-bundle", cert, check=0)
        self.assertEqual(r.out.strip(), "pong")
        self.chat(url + "/ok/v1", env={"WEBOX_CA_BUNDLE": cert}, check=0)
        os.makedirs(os.path.join(self.home, "config", "webox"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write(f"http:\n  ca_bundle: {cert}\n")
        self.chat(url + "/ok/v1", check=0, stream=True)

    def test_a_missing_ca_bundle_is_a_configuration_error(self):
        r = self.chat(self.plain.url + "/ok/v1", "--ca-bundle", os.path.join(self.home, "nope.pem"), check=4)
        self.assertIn("nope.pem", r.err)
        self.assertEqual(len(self.requests_to(self.plain)), 0)

    def test_no_flag_or_setting_disables_verification(self):
        r = self.webox("--help", check=0)
        for word in ("insecure", "no-verify", "verify"):
            self.assertNotIn(word, r.out.lower().replace("verification is never turned off", ""))

    def test_https_never_redirects_down_to_http(self):
        fake, cert, url = self.start_tls()
        target = urllib.parse.quote(self.plain.url + "/ok", safe="")
        r = self.chat(f"{url}/to/{target}/v1", "--ca-bundle", cert, check=4)
        self.assertIn("redirect from HTTPS", r.err)
        self.assertEqual(self.requests_to(self.plain), [], "the plain-HTTP server must never be contacted")
        self.assertNotIn(KEY, r.err + r.out)

    def test_http_may_redirect_up_to_https(self):
        fake, cert, url = self.start_tls()
        target = urllib.parse.quote(url + "/ok", safe="")
        r = self.chat(f"{self.plain.url}/to/{target}/v1", "--ca-bundle", cert, check=0)
        self.assertEqual(r.out.strip(), "pong")

    # ---- what the host knows is said, not guessed by the plugin

    def test_a_stream_over_the_limit_says_so_not_a_dropped_connection(self):
        r = self.chat(self.plain.url + "/endless/v1", env={"WEBOX_MAX_RESPONSE_BYTES": "100000"}, stream=True, check=4)
        self.assertIn("http.max_response_bytes", r.err)
        self.assertNotIn("connection dropped", r.err)

    def test_huge_response_headers_are_refused_for_good(self):
        for route in ("/header-line/5000000", "/header-lines/3000"):
            with self.subTest(route=route):
                r = self.chat(self.plain.url + route + "/v1", check=4)
                self.assertIn("response headers over webox's limit", r.err)
                self.assertNotIn("Out of memory", r.err)
        self.assertEqual(len(self.requests_to(self.plain)), 2)  # neither was retried
        self.chat(self.plain.url + "/header-lines/50/v1", check=0)  # ordinary headers pass

    def test_invalid_utf8_from_the_server_is_named(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                r = self.chat(self.plain.url + "/bad-utf8/v1", stream=stream, check=1)
                self.assertIn("invalid UTF-8", r.err)
                self.assertNotIn("the service failed", r.err)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)

    # ---- base URLs are settings, checked before any request

    def test_a_malformed_base_url_is_a_configuration_error(self):
        r = self.chat("ht!tp://::::", check=4)
        self.assertIn("invalid base URL", r.err)
        self.assertIn("OPENAI_BASE_URL", r.err)
        self.write_config("providers:\n  local:\n    type: openai\n    base_url: 'http://exa mple/v1'\n")
        r = self.webox("chat", "-m", "local:gpt-4o-mini", "ping", env={"OPENAI_API_KEY": KEY}, check=4)
        self.assertIn("providers.local.base_url", r.err)
        r = self.chat("ftp://127.0.0.1/v1", check=4)
        self.assertIn("not http or https", r.err)
        self.assertEqual(self.requests_to(self.plain), [])

    # ---- an overall deadline per request

    def test_a_server_that_drips_forever_hits_the_total_timeout(self):
        for route, stream in (("/drip/comment/v1", True), ("/drip/byte/v1", False)):
            with self.subTest(route=route):
                started = time.monotonic()
                r = self.webox("chat", "-m", "openai:gpt-4o-mini", *([] if stream else ["--no-stream"]), "ping",
                               env={"OPENAI_BASE_URL": self.plain.url + route, "WEBOX_TOTAL_TIMEOUT_MS": "1200",
                                    "WEBOX_TIMEOUT_MS": "1000"}, timeout=15, check=75)
                self.assertLess(time.monotonic() - started, 8)
                self.assertIn("http.total_timeout_ms", r.err)
                self.assertNotIn("went silent", r.err)

    def test_the_total_timeout_setting(self):
        r = self.chat(self.plain.url + "/ok/v1", env={"WEBOX_TOTAL_TIMEOUT_MS": "soon"}, check=2)
        self.assertIn("WEBOX_TOTAL_TIMEOUT_MS must be", r.err)
        self.chat(self.plain.url + "/ok/v1", env={"WEBOX_TOTAL_TIMEOUT_MS": "0"}, check=0)  # 0 = none
        self.write_config("http:\n  total_timeout_ms: 1200\n  max_retry_wait_ms: 5000\n  max_cooldown_ms: 30000\n")
        explained = self.webox("config", "explain", check=0).out
        for name in ("http.total_timeout_ms", "http.max_retry_wait_ms", "http.max_cooldown_ms"):
            self.assertIn(name, explained)
        r = self.chat(self.plain.url + "/drip/comment/v1", stream=True, check=75)
        self.assertIn("gave up after 1200 ms", r.err)

    # ---- Retry-After: believed within bounds, whatever its form

    def cooldown_after(self, retry_after):
        """Seconds the openai model is benched after a 429 with this Retry-After."""
        env = {"OPENAI_BASE_URL": self.plain.url + "/retry-after/" + urllib.parse.quote(retry_after, safe="") + "/v1",
               "MISTRAL_BASE_URL": self.plain.url + "/ok/v1", "MISTRAL_API_KEY": KEY, "WEBOX_RETRIES": "0"}
        r = self.webox("chat", "-m", "openai:gpt-4o-mini", "--fallback", "mistral:gpt-4o-mini", "ping",
                       env=env, check=0)
        self.assertEqual(r.out.strip(), "pong")
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as db:
            rows = db.execute("SELECT until_unix FROM cooldowns WHERE model = 'openai:gpt-4o-mini'").fetchall()
            db.execute("DELETE FROM cooldowns")
        self.assertEqual(len(rows), 1)
        return rows[0][0] - time.time()

    def test_a_huge_retry_after_benches_a_model_for_the_capped_time_only(self):
        self.assertLess(self.cooldown_after("100000"), 600 + 2)  # the default cap: 10 minutes
        self.write_config("http:\n  max_cooldown_ms: 5000\n")
        self.assertLess(self.cooldown_after("100000"), 5 + 2)

    def test_retry_after_as_an_http_date_sets_the_cooldown(self):
        when = email.utils.formatdate(time.time() + 300, usegmt=True)
        self.assertAlmostEqual(self.cooldown_after(when), 300, delta=3)

    def test_absurd_retry_after_values_fall_back_to_a_minute(self):
        for value in ("-5", "nan", "inf", "1e400", "0x10", "soon"):
            with self.subTest(value=value):
                self.assertAlmostEqual(self.cooldown_after(value), 60, delta=3)

    # ---- plugins

    def test_plugins_never_load_from_the_current_directory(self):
        # A complete, loadable plugin (the echo plugin renamed) in the
        # working directory, in every layout the search path uses.
        plugin_dir = os.path.join(os.path.dirname(os.path.dirname(WEBOX)), "lib", "webox", "plugins", "echo")
        work = os.path.join(self.home, "work")
        for layout in ("evil", os.path.join("plugins", "evil"), os.path.join("lib", "webox", "plugins", "evil")):
            dest = os.path.join(work, layout)
            shutil.copytree(plugin_dir, dest)
            with open(os.path.join(dest, "plugin.json")) as f:
                manifest = json.load(f)
            manifest.update({"id": "evil", "library": "webox-echo.so"})
            with open(os.path.join(dest, "plugin.json"), "w") as f:
                json.dump(manifest, f)
        for path in (".", "plugins", "lib/webox/plugins", ""):
            r = subprocess.run([WEBOX, "plugins", "list", "--json"], cwd=work, capture_output=True, text=True,
                               env=dict(self.env, WEBOX_PLUGIN_PATH=path))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("evil", [p["id"] for p in json.loads(r.stdout)["plugins"]], path)
            r = subprocess.run([WEBOX, "chat", "-m", "evil:echo", "hi"], cwd=work, capture_output=True, text=True,
                               env=dict(self.env, WEBOX_PLUGIN_PATH=path))
            self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    main()
