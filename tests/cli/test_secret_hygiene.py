"""Secret hygiene through the real binary: distinctive keys and tokens are
set for every provider and platform (in the environment and through
`webox keys set`), every command runs at -vv against loopback fakes, on
success and on failure (401, 500, timeouts), and then stdout, stderr and
every file webox wrote under the test's HOME (logs, the database, the key
store, outputs, recordings) are searched for each secret: raw,
base64-encoded (at every alignment) and URL-encoded. Zero occurrences.

Files that hold secrets are 0600, and a key store or key file that other
users could read is refused with exit 4 (docs: webox(1), EXIT STATUS).

EXTENDING. CASES is a table: add a Case for a new command (or a new failure
of an old one). Templates in args and env: {llm}, {media}, {social} are the
fakes' URLs ({exporthost} the export fake's host:port), {silent} a server that accepts connections and never answers, {home} the test's HOME (write any output or recording under
it: it is searched). A command that makes files somewhere else must list
them in `files` so they are searched too.
"""
import base64
import os
import socket
import stat
import urllib.parse

from harness import WeboxTestCase, main

# Distinctive values: long, unlike anything else in the output, one per role.
LLM_KEY = "sk-HYGIENE-llm-4f1c9e7a2b6d"          # accepted by fake_llm
MEDIA_KEY = "sk-HYGIENE-media-8e2d5b1f7a3c"      # accepted by fake_media
IG_TOKEN = "IGQ-HYGIENE-token-5a9d3f1e7c2b"      # accepted by fake_social (Instagram)
X_TOKEN = "AAAA-HYGIENE-xbearer-6c4e2a8f1d9b"    # accepted by fake_social (X)
WRONG_KEY = "sk-HYGIENE-wrong-3b7f1d9a5e2c"      # refused (401) everywhere
STORED_KEY = LLM_KEY                             # stored with `webox keys set`
MASTER_KEY = base64.b64encode(b"HYGIENE-master-key-32-bytes-long").decode()
URL_PASS = "HYGIENE-urlpass-7d3a9c1e5b"          # user:URL_PASS@ inside a URL
URL_TOKEN = "HYGIENE-urltoken-2b8e4f6a1c"        # ?token=URL_TOKEN inside a URL
SECRETS = [LLM_KEY, MEDIA_KEY, IG_TOKEN, X_TOKEN, WRONG_KEY, MASTER_KEY, URL_PASS, URL_TOKEN]
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"hygiene-webhook-secret-0123456789").decode()


class Case:
    """One command run: `codes` are the exit statuses it may end with."""

    def __init__(self, name, args, codes=(0,), env=None, stdin=None, files=()):
        self.name, self.args, self.codes = name, list(args), tuple(codes)
        self.env, self.stdin, self.files = dict(env or {}), stdin, tuple(files)


LLM_ENV = {"OPENAI_BASE_URL": "{llm}/v1", "OPENAI_API_KEY": LLM_KEY,
           "ANTHROPIC_BASE_URL": "{llm}", "ANTHROPIC_API_KEY": LLM_KEY,
           "GEMINI_BASE_URL": "{llm}", "GEMINI_API_KEY": LLM_KEY,
           "MISTRAL_BASE_URL": "{llm}/mistral/v1", "MISTRAL_API_KEY": LLM_KEY,
           "OPENROUTER_BASE_URL": "{llm}/openrouter/api/v1", "OPENROUTER_API_KEY": LLM_KEY}
MEDIA_ENV = {"OPENAI_BASE_URL": "{media}/v1", "OPENAI_API_KEY": MEDIA_KEY,
             "ELEVENLABS_BASE_URL": "{media}", "ELEVENLABS_API_KEY": MEDIA_KEY,
             "STABILITY_BASE_URL": "{media}", "STABILITY_API_KEY": MEDIA_KEY}
IG_ENV = {"INSTAGRAM_BASE_URL": "{social}/ig", "INSTAGRAM_ACCESS_TOKEN": IG_TOKEN}
X_ENV = {"X_API_BASE_URL": "{social}/x", "X_BEARER_TOKEN": X_TOKEN, "X_USER_ID": "2244994945"}
SLOW = {"WEBOX_TIMEOUT_MS": "1000", "WEBOX_RETRIES": "1"}
# Credentials inside URLs (issue 21, item 7): never printed, logged, recorded or stored.
CRED_URL = "http://crm:" + URL_PASS + "@{exporthost}/hook?token=" + URL_TOKEN + "&page=1"
EXPORT_ENV = {"WEBOX_WEBHOOK_SECRET": WEBHOOK_SECRET}

CASES = [
    # the key store
    Case("keys set", ["keys", "set", "openai"], stdin=STORED_KEY + "\n"),
    Case("keys set again", ["keys", "set", "x-bearer"], stdin=X_TOKEN + "\n"),
    Case("keys list", ["keys", "list"]),
    Case("auth status", ["auth", "status", "--json"], env=IG_ENV),
    Case("keys path", ["keys", "path"]),
    # chat: every protocol, success and failures
    Case("chat openai", ["chat", "-m", "openai:gpt-4o-mini", "hello"], env=LLM_ENV),
    Case("chat openai no-stream", ["chat", "--no-stream", "-m", "openai:gpt-4o-mini", "hello"], env=LLM_ENV),
    Case("chat anthropic", ["chat", "-m", "anthropic:claude-sonnet-4-5", "hello"], env=LLM_ENV),
    Case("chat gemini", ["chat", "-m", "gemini:gemini-2.5-flash", "hello"], env=LLM_ENV),
    Case("chat mistral", ["chat", "-m", "mistral:mistral-small-latest", "hello"], env=LLM_ENV),
    Case("chat openrouter in-band error", ["chat", "-m", "openrouter:error-inband", "hello"], codes=(1, 75),
         env=LLM_ENV),
    Case("chat key from the store", ["chat", "-m", "openai:gpt-4o-mini", "hello"],
         env=dict(LLM_ENV, OPENAI_API_KEY="")),
    Case("chat 401 openai", ["chat", "-m", "openai:gpt-4o-mini", "hello"], codes=(4,),
         env=dict(LLM_ENV, OPENAI_API_KEY=WRONG_KEY)),
    Case("chat 401 anthropic", ["chat", "-m", "anthropic:claude-sonnet-4-5", "hello"], codes=(4,),
         env=dict(LLM_ENV, ANTHROPIC_API_KEY=WRONG_KEY)),
    Case("chat 400 gemini bad key", ["chat", "-m", "gemini:gemini-2.5-flash", "hello"], codes=(4,),
         env=dict(LLM_ENV, GEMINI_API_KEY=WRONG_KEY)),
    Case("chat 500", ["chat", "-m", "openai:http-500", "hello"], codes=(75,), env=LLM_ENV),
    Case("chat 429 then ok", ["chat", "-m", "anthropic:http-429-then-ok", "hello"], env=LLM_ENV),
    Case("chat timeout", ["chat", "-m", "openai:gpt-4o-mini", "hello"], codes=(75,),
         env=dict(LLM_ENV, OPENAI_BASE_URL="{silent}/v1", **SLOW)),
    Case("tts timeout", ["tts", "-m", "elevenlabs", "Bonjour", "-o", "{home}/out/t.mp3"], codes=(75,),
         env=dict(MEDIA_ENV, ELEVENLABS_BASE_URL="{silent}", **SLOW)),
    Case("chat disconnect", ["chat", "-m", "gemini:disconnect", "hello"], codes=(1, 75), env=LLM_ENV),
    Case("compare", ["compare", "-m", "openai:gpt-4o-mini", "-m", "anthropic:claude-sonnet-4-5", "-m",
                     "gemini:http-401", "hello"], codes=(0, 3), env=LLM_ENV),
    # media
    Case("tts elevenlabs", ["tts", "-m", "elevenlabs", "Bonjour", "-o", "{home}/out/a.mp3"], env=MEDIA_ENV),
    Case("tts openai", ["tts", "-m", "openai:tts-1", "Bonjour", "-o", "{home}/out/b.mp3"], env=MEDIA_ENV),
    Case("tts 401", ["tts", "-m", "elevenlabs", "Bonjour", "-o", "{home}/out/c.mp3"], codes=(4,),
         env=dict(MEDIA_ENV, ELEVENLABS_API_KEY=WRONG_KEY)),
    Case("image openai", ["generate-image", "-m", "openai:gpt-image-1", "a cat", "-o", "{home}/out/cat.png"],
         codes=(0,), env=MEDIA_ENV),
    Case("image 401", ["generate-image", "-m", "stability:core", "a cat", "-o", "{home}/out/dog.png"], codes=(4,),
         env=dict(MEDIA_ENV, STABILITY_API_KEY=WRONG_KEY)),
    # social
    Case("scrape instagram", ["scrape-interactions", "--platform", "instagram"], env=IG_ENV),
    Case("scrape instagram 190", ["scrape-interactions", "--platform", "instagram"], codes=(4,),
         env=dict(IG_ENV, INSTAGRAM_ACCESS_TOKEN=WRONG_KEY)),
    Case("scrape x", ["scrape-interactions", "--platform", "x"], env=X_ENV),
    Case("scrape x 401", ["scrape-interactions", "--platform", "x"], codes=(4,),
         env=dict(X_ENV, X_BEARER_TOKEN=WRONG_KEY)),
    Case("leads list", ["leads", "list", "--json"]),
    # URLs carrying credentials: the export's summary and state key, its
    # errors, config explain, -vv request logs, recordings.
    Case("export webhook url credentials", ["leads", "export", "--to", "webhook:" + CRED_URL, "--since-last"],
         env=EXPORT_ENV),
    Case("export webhook url credentials json", ["leads", "export", "--to", "webhook:" + CRED_URL, "--json"],
         env=EXPORT_ENV),
    Case("export webhook url credentials unreachable",
         ["leads", "export", "--to", "webhook:http://crm:" + URL_PASS + "@{silenthost}/hook?api_key=" + URL_TOKEN],
         codes=(75,), env=dict(EXPORT_ENV, **SLOW)),
    Case("config explain url credentials", ["config", "explain"],
         env={"OPENAI_BASE_URL": "http://u:" + URL_PASS + "@127.0.0.1:9/v1?key=" + URL_TOKEN}),
    Case("chat url credentials", ["chat", "-m", "openai:gpt-4o-mini", "hello"],
         env=dict(LLM_ENV, OPENAI_BASE_URL="http://u:" + URL_PASS + "@{llmhost}/v1")),
    Case("chat url credentials unreachable", ["chat", "-m", "openai:gpt-4o-mini", "hello"], codes=(75,),
         env=dict(LLM_ENV, OPENAI_BASE_URL="http://u:" + URL_PASS + "@{silenthost}/v1?access_token=" + URL_TOKEN,
                  **SLOW)),
    Case("workflow record url credentials", ["workflow", "run", "lead-triage", "--var", "username=m", "--var",
                                             "comment=Combien ?", "-m", "openai:auto", "--no-cache", "--record",
                                             "{home}/out/wf-cred.jsonl"],
         env=dict(LLM_ENV, OPENAI_BASE_URL="http://u:" + URL_PASS + "@{llmhost}/v1")),
    # workflows: a recording must hold no key, on any provider, and replay needs none
    Case("workflow record", ["workflow", "run", "lead-triage", "--var", "username=m", "--var", "comment=Combien ?",
                             "-m", "openai:auto", "--no-cache", "--record", "{home}/out/wf-openai.jsonl"], env=LLM_ENV),
    Case("workflow record gemini", ["workflow", "run", "lead-triage", "--var", "username=m", "--var",
                                    "comment=Combien ?", "-m", "gemini:auto", "--no-cache", "--record",
                                    "{home}/out/wf-gemini.jsonl"], env=LLM_ENV),
    Case("workflow replay", ["workflow", "run", "lead-triage", "--var", "username=m", "--var", "comment=Combien ?",
                             "-m", "openai:auto", "--no-cache", "--replay", "{home}/out/wf-openai.jsonl", "--json"],
         env=dict(LLM_ENV, OPENAI_API_KEY="")),
    Case("workflow 401", ["workflow", "run", "lead-triage", "--var", "username=m", "--var", "comment=x",
                          "-m", "anthropic:claude-sonnet-4-5", "--no-cache", "--json"], codes=(1,),
         env=dict(LLM_ENV, ANTHROPIC_API_KEY=WRONG_KEY)),
    # reading back what was stored
    Case("logs", ["logs", "-n", "50"]),
    Case("logs json", ["logs", "--json", "-n", "50"]),
    Case("stats", ["stats"]),
    Case("config explain", ["config", "explain", "--json"], env=dict(LLM_ENV, **IG_ENV, **X_ENV)),
    Case("plugins info", ["plugins", "info", "openai"], env=LLM_ENV),
    Case("models", ["models"], env=LLM_ENV),
    Case("media list", ["media", "list", "--json"]),
]


def encodings(secret):
    """The forms a secret could leak in: raw, URL-encoded, and base64 at the
    three possible alignments inside a longer encoded blob."""
    raw = secret.encode()
    forms = {raw, urllib.parse.quote(secret, safe="").encode(), urllib.parse.quote_plus(secret).encode()}
    for k in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            blob = enc(b"\0" * k + raw)
            start = ((k + 2) // 3) * 4 if k else 0
            forms.add(blob[start:len(blob) - 4])  # the part that depends on the secret alone
    return {f for f in forms if len(f) >= 8}


class SecretHygieneTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        saved = {k: os.environ.get(k) for k in ("FAKE_ACCEPTED_KEY", "FAKE_ACCEPTED_TOKEN", "FAKE_ACCEPTED_X_TOKEN")}
        os.environ.update({"FAKE_ACCEPTED_KEY": LLM_KEY, "FAKE_ACCEPTED_TOKEN": IG_TOKEN,
                           "FAKE_ACCEPTED_X_TOKEN": X_TOKEN})
        try:
            self.llm = self.start_fake("fake_llm.py")
            self.social = self.start_fake("fake_social.py")
            os.environ["FAKE_ACCEPTED_KEY"] = MEDIA_KEY
            self.media = self.start_fake("fake_media.py")
            self.export = self.start_fake("fake_export.py", "/dev/null", "nobody@example.invalid", WEBHOOK_SECRET)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.env.update({"WEBOX_SECRET_KEY": MASTER_KEY, "WEBOX_RETRY_BASE_MS": "1", "WEBOX_RETRIES": "2"})
        os.makedirs(os.path.join(self.home, "out"), exist_ok=True)
        # Connections to it complete (the kernel's backlog) but nothing is ever read or written.
        self.silent = socket.socket()
        self.silent.bind(("127.0.0.1", 0))
        self.silent.listen(16)
        self.addCleanup(self.silent.close)

    def fill(self, text):
        silent = "127.0.0.1:%d" % self.silent.getsockname()[1]
        return text.format(llm=self.llm.url, media=self.media.url, social=self.social.url, home=self.home,
                           silent="http://" + silent, silenthost=silent, llmhost=self.llm.url.split("://")[1],
                           exporthost=self.export.url.split("://")[1])

    def run_case(self, case):
        env = {k: self.fill(v) for k, v in case.env.items()}
        r = self.webox("-vv", *[self.fill(a) for a in case.args], stdin=case.stdin, env=env, timeout=60)
        self.assertIn(r.code, case.codes, f"{case.name}: {r}")
        return r

    def leaks(self, name, data):
        return [f"{name} holds {form!r}" for s in SECRETS for form in encodings(s) if form in data]

    def test_no_secret_anywhere_after_every_command(self):
        found, extra_files = [], []
        for case in CASES:
            r = self.run_case(case)
            found += self.leaks(f"{case.name}: stdout", r.out.encode())
            found += self.leaks(f"{case.name}: stderr", r.err.encode())
            extra_files += [self.fill(f) for f in case.files]
        searched = 0
        for root, _, names in os.walk(self.home):
            for n in names:
                extra_files.append(os.path.join(root, n))
        for path in extra_files:
            with open(path, "rb") as f:
                found += self.leaks(os.path.relpath(path, self.home), f.read())
            searched += 1
        self.assertGreater(searched, 3)  # the database, the key store, the outputs at least
        self.assertEqual(found, [])

    def test_files_holding_secrets_are_private(self):
        self.run_case(CASES[0])
        self.env.pop("WEBOX_SECRET_KEY")  # a key file is created on first use
        self.webox("keys", "set", "other", stdin="sk-HYGIENE-other-value\n", env={"XDG_CONFIG_HOME": self.home + "/c2"},
                   check=0)
        for path in (os.path.join(self.home, "config", "webox", "keys.json"),
                     os.path.join(self.home, "c2", "webox", "keys.json"),
                     os.path.join(self.home, "c2", "webox", "secret.key")):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)

    def test_a_key_store_others_can_read_is_refused(self):
        self.run_case(CASES[0])
        keys = os.path.join(self.home, "config", "webox", "keys.json")
        for mode in (0o644, 0o640, 0o604, 0o660):
            os.chmod(keys, mode)
            for args in (["keys", "list"], ["chat", "-m", "openai:gpt-4o-mini", "hello"]):
                r = self.webox(*args, env={k: self.fill(v) for k, v in dict(LLM_ENV, OPENAI_API_KEY="").items()},
                               check=4)
                self.assertIn("keys.json has mode 0%o" % mode, r.err)
                self.assertIn("chmod 600", r.err)
                self.assertEqual(r.out, "")
        os.chmod(keys, 0o600)
        self.webox("keys", "list", check=0)

    def test_a_key_file_others_can_read_is_refused(self):
        self.env.pop("WEBOX_SECRET_KEY")
        self.webox("keys", "set", "openai", stdin=STORED_KEY + "\n", check=0)
        key_file = os.path.join(self.home, "config", "webox", "secret.key")
        os.chmod(key_file, 0o644)
        # `keys list` reads names only; whatever decrypts or encrypts needs the key file.
        r = self.webox("keys", "set", "x", stdin="v\n", check=4)
        self.assertIn("secret.key has mode 0644", r.err)
        r = self.webox("chat", "-m", "openai:gpt-4o-mini", "hello",
                       env={k: self.fill(v) for k, v in dict(LLM_ENV, OPENAI_API_KEY="").items()}, check=4)
        self.assertIn("secret.key has mode 0644", r.err)
        self.assertIn("chmod 600", r.err)


if __name__ == "__main__":
    main()
