"""Shared helpers for the CLI tests: run the real webox binary in an isolated
XDG tree, and start loopback fakes from tests/fakes.

Every test gets a fresh temporary HOME with XDG_CONFIG_HOME, XDG_DATA_HOME,
XDG_CACHE_HOME and XDG_STATE_HOME under it, and an environment stripped of
every provider key and base URL, so nothing on the developer's machine leaks
in and nothing reaches the network.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKES = os.path.join(os.path.dirname(HERE), "fakes")
WEBOX = os.environ.get("WEBOX_BIN", "webox")

# Variables a user's shell may hold that would change what webox does.
_SCRUB_PREFIXES = ("WEBOX_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "MISTRAL_",
                   "GROQ_", "DEEPINFRA_", "OPENROUTER_", "XAI_", "DEEPSEEK_", "OLLAMA_",
                   "ELEVENLABS_", "STABILITY_", "XDG_", "HTTP_PROXY", "HTTPS_PROXY",
                   "http_proxy", "https_proxy", "ALL_PROXY", "NO_PROXY", "no_proxy")


class Result:
    def __init__(self, proc, stdout, stderr):
        self.code = proc.returncode
        self.out = stdout
        self.err = stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"<exit {self.code}\nstdout: {self.out!r}\nstderr: {self.err!r}>"


# WEBOX_TEST_STORE=pg runs a test module against PostgreSQL: each test gets
# a fresh database of the cluster tests/pg_cluster.sh started in
# WEBOX_TEST_PG_DIR (ctest fixture "pg"), and WEBOX_DB points at it.
PG_BIN = os.environ.get("WEBOX_PG_BIN", "/usr/lib/postgresql/15/bin")


def pg_cluster_url():
    """The URL of the test cluster's database "webox", or raises SkipTest
    with the reason the cluster could not start (no server binaries)."""
    d = os.environ.get("WEBOX_TEST_PG_DIR", "")
    if not d:
        raise unittest.SkipTest("WEBOX_TEST_PG_DIR is not set (the ctest fixture 'pg' sets it)")
    if os.path.exists(os.path.join(d, "skip")):
        with open(os.path.join(d, "skip")) as f:
            raise unittest.SkipTest(f.read().strip())
    with open(os.path.join(d, "url")) as f:
        return f.read().strip()


def pg_psql(url, sql):
    """Runs `sql` with psql against `url`; raises on failure."""
    subprocess.run([os.path.join(PG_BIN, "psql"), url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)


class PgDatabase:
    """A fresh, empty database on the test cluster, dropped by drop()."""

    def __init__(self):
        base = pg_cluster_url()
        self.name = "t_%d_%d" % (os.getpid(), int(time.monotonic_ns() % 10**12))
        self.admin = base.rsplit("/", 1)[0] + "/postgres"
        pg_psql(self.admin, f"CREATE DATABASE {self.name}")
        self.url = base.rsplit("/", 1)[0] + "/" + self.name

    def drop(self):
        pg_psql(self.admin, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def store_is_pg():
    return os.environ.get("WEBOX_TEST_STORE", "") == "pg"


# A test that reads the SQLite file itself (python's sqlite3) or checks a
# SQLite-only behaviour: skipped when its module runs against PostgreSQL.
sqlite_only = unittest.skipIf(store_is_pg(), "reads the SQLite file directly (WEBOX_TEST_STORE=pg)")


class WeboxTestCase(unittest.TestCase):
    """Base class: self.home is an isolated HOME, self.env its environment."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="webox-test-")
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
        env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
            "XDG_DATA_HOME": os.path.join(self.home, "data"),
            "XDG_CACHE_HOME": os.path.join(self.home, "cache"),
            "XDG_STATE_HOME": os.path.join(self.home, "state"),
            "WEBOX_SECRET_KEY": "",  # empty: use the key file under the test HOME
            "NO_COLOR": "1",
            "LC_ALL": "C.UTF-8",
        })
        env.pop("WEBOX_SECRET_KEY")
        if "WEBOX_PLUGIN_PATH_FOR_TESTS" in os.environ:
            env["WEBOX_PLUGIN_PATH"] = os.environ["WEBOX_PLUGIN_PATH_FOR_TESTS"]
        self.env = env
        self.fakes = []
        self.pg = None
        if store_is_pg():
            self.pg = PgDatabase()
            env["WEBOX_DB"] = self.pg.url

    def write_config(self, text):
        """Writes the isolated HOME's config.yaml."""
        os.makedirs(os.path.join(self.home, "config", "webox"), exist_ok=True)
        with open(os.path.join(self.home, "config", "webox", "config.yaml"), "w") as f:
            f.write(text)

    def tearDown(self):
        for f in self.fakes:
            f.stop()
        if self.pg:
            self.pg.drop()
        shutil.rmtree(self.home, ignore_errors=True)

    def webox(self, *args, stdin=None, env=None, timeout=30, check=None):
        """Runs webox with `args`; returns a Result. `check` asserts the exit code."""
        e = dict(self.env)
        if env:
            e.update(env)
        proc = subprocess.Popen([WEBOX, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=e)
        try:
            out, err = proc.communicate(None if stdin is None else stdin.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"webox {' '.join(args)} timed out; stderr: {err!r}")
        r = Result(proc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
        if check is not None:
            self.assertEqual(r.code, check, r)
        return r

    def store_rows(self, sql):
        """The rows of `sql` on the test's store, whichever the backend, as
        tuples (whole numbers as int, NULL as None): SQLite's file under the
        test HOME, or the test's PostgreSQL database (WEBOX_TEST_STORE=pg)."""
        if self.pg:
            out = subprocess.run([os.path.join(PG_BIN, "psql"), self.pg.url, "-At", "-F", "\x1f", "-R", "\x1e",
                                  "-P", "null=\x02", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                 check=True, capture_output=True, timeout=60).stdout.decode()  # bytes: \r kept
            def value(v):
                return None if v == "\x02" else int(v) if v.lstrip("-").isdigit() else v
            return [tuple(value(v) for v in row.split("\x1f")) for row in out.rstrip("\n").split("\x1e") if row]
        import sqlite3
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as c:
            return [tuple(row) for row in c.execute(sql)]

    def start_fake(self, script, *args):
        f = Fake(script, *args)
        self.fakes.append(f)
        return f

    def start_media_fake(self):
        """fake_media.py behind every cloud media provider's settings, no retries."""
        fake = self.start_fake("fake_media.py")
        u = fake.url
        self.env.update({"OPENAI_BASE_URL": u + "/v1", "OPENAI_API_KEY": "test-key",
                         "ELEVENLABS_BASE_URL": u, "ELEVENLABS_API_KEY": "test-key",
                         "STABILITY_BASE_URL": u, "STABILITY_API_KEY": "test-key",
                         "SDWEBUI_BASE_URL": u, "WEBOX_RETRIES": "0"})
        return fake

    def start_instagram_fake(self):
        """fake_social.py with webox's Instagram settings pointing at it."""
        fake = self.start_fake("fake_social.py")
        self.env.update({
            "INSTAGRAM_BASE_URL": fake.url + "/ig",
            "INSTAGRAM_ACCESS_TOKEN": "test-token",
            "WEBOX_RETRY_BASE_MS": "10",
        })
        return fake


class Fake:
    """A loopback fake from tests/fakes, started on a free port.

    The fake prints its port alone on its first stdout line. It records every
    request it receives; `requests()` fetches them from GET /__requests.
    """

    def __init__(self, script, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(FAKES, script), "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"fake {script} did not start: {self.proc.stderr.read()}")
        self.port = int(line.strip())
        self.url = f"http://127.0.0.1:{self.port}"

    def requests(self):
        return self.get_json("/__requests")

    def get_json(self, path):
        import urllib.request
        with urllib.request.urlopen(self.url + path, timeout=5) as r:
            return json.loads(r.read())

    def control(self, **doc):
        """POSTs `doc` to the fake's /__control (the fakes' test hooks)."""
        import urllib.request
        req = urllib.request.Request(self.url + "/__control", data=json.dumps(doc).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.stdout.close()
        self.proc.stderr.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    unittest.main(verbosity=2)
