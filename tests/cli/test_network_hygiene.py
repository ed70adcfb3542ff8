"""Network hygiene through the real binary, against loopback fakes: TLS is
always verified (a private CA is added, never verification removed),
redirects are limited and never go from HTTPS down to HTTP, response sizes
are bounded, and plugins never load from the current directory.

The HTTP client is the host's (lib/net/http_client.cpp); the OpenAI plugin
is used as the messenger because its base URL is configurable."""
import json
import os
import shutil
import subprocess
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
