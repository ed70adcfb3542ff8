#!/usr/bin/env python3
"""The real webox binary against tests/fakes/fake_llm.py, for every provider
plugin: the answer survives streams cut at awkward places (split UTF-8, CRLF,
comments, pings, padding), what the binary SENT is what each provider expects,
and every failure becomes the right exit code and message.

Run: WEBOX_BIN=build/bin/webox python3 tests/cli/test_providers.py

One fake serves the whole file (it is reset before each test); the fake picks
its scenario from the model name (see the top of fake_llm.py).
"""
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import WEBOX, Fake, WeboxTestCase, main  # noqa: E402

OK_TEXT = "Bonjour ! Le RAII lie une ressource à la durée de vie d'un objet. 🚀"
OK_PREFIX = "Bonjour ! Le RAII"  # what error-inband / cut / disconnect send first
QUIRKS_TEXT = "a < b && c > d — « ok » 🚀"

# provider -> (environment given the fake's URL, request path the fake sees)
OPENAI_FAMILY = {
    "openai": ("OPENAI", "/v1"),
    "mistral": ("MISTRAL", "/mistral/v1"),
    "groq": ("GROQ", "/groq/openai/v1"),
    "deepinfra": ("DEEPINFRA", "/deepinfra/v1/openai"),
    "openrouter": ("OPENROUTER", "/openrouter/api/v1"),
    "xai": ("XAI", "/xai/v1"),
    "deepseek": ("DEEPSEEK", "/deepseek/v1"),
}
FORMATS = ("openai", "anthropic", "gemini", "ollama")
ALL = tuple(OPENAI_FAMILY) + ("anthropic", "gemini", "ollama")


class ProviderTests(WeboxTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("fake_llm.py")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        super().setUp()
        self.fake_reset()
        url = self.fake.url
        self.env["WEBOX_RETRY_BASE_MS"] = "10"
        for name, (prefix, path) in OPENAI_FAMILY.items():
            self.env[prefix + "_BASE_URL"] = url + path
            self.env[prefix + "_API_KEY"] = "test-key"
        self.env.update({
            "ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": "test-key",
            "GEMINI_BASE_URL": url, "GEMINI_API_KEY": "test-key",
            "OLLAMA_HOST": "127.0.0.1:%d" % self.fake.port,  # bare host:port, as users write it
        })

    # -- helpers

    def chat(self, provider, model, *args, prompt="Explique le RAII", check=None, env=None):
        # "--" ends the options; test_option_before_prompt checks the form without it
        return self.webox("chat", "-m", "%s:%s" % (provider, model), "--no-log", *args, "--", prompt,
                          check=check, env=env)

    def sent(self):
        """The chat requests the binary made (the fake's control calls excluded)."""
        return [r for r in self.fake.requests() if not r["path"].startswith("/__")]

    def last_body(self):
        reqs = self.sent()
        self.assertTrue(reqs, "no request reached the fake")
        return reqs[-1]

    def assert_partial(self, r, provider):
        """A failed stream leaves a prefix of the answer on stdout."""
        self.assertNotEqual(r.code, 0, r)
        out = r.out.rstrip("\n")
        self.assertTrue(OK_TEXT.startswith(out), r)
        self.assertTrue(out.startswith("Bonjour"), r)

    # -- answers

    def test_streamed_answer_is_exact(self):
        for p in ALL:
            with self.subTest(provider=p):
                r = self.chat(p, "ok", check=0)
                self.assertEqual(r.out, OK_TEXT + "\n")

    def test_not_streamed_answer_is_exact(self):
        for p in ALL:
            with self.subTest(provider=p):
                r = self.chat(p, "ok", "--no-stream", check=0)
                self.assertEqual(r.out, OK_TEXT + "\n")

    def test_json_output_has_usage_from_every_flavor(self):
        # usage rides in four different places across the OpenAI family alone
        for p in ALL:
            for extra in ((), ("--no-stream",)):
                with self.subTest(provider=p, extra=extra):
                    r = self.webox("chat", "-m", p + ":ok", "--json", *extra, "Explique", check=0)
                    doc = r.json()
                    for key in ("model", "text", "usage", "latency_ms", "conversation_id"):
                        self.assertIn(key, doc)
                    self.assertEqual(doc["text"], OK_TEXT)
                    self.assertEqual(doc["usage"], {"input_tokens": 12, "output_tokens": 7})
                    self.assertIsInstance(doc["latency_ms"], (int, float))
                    self.assertEqual(r.out.count("\n"), 1)

    def test_prompt_round_trips_through_every_format(self):
        prompt = "Élève: «ça marche?» 日本語 🚀🎉 <&>"
        for p in FORMATS:
            with self.subTest(provider=p):
                r = self.chat(p, "echo", prompt=prompt, check=0)
                self.assertEqual(r.out, prompt + "\n")

    def test_format_quirks_are_ignored(self):
        # content:null, reasoning, thinking blocks, unknown events, thought parts, Go escapes
        for p in FORMATS:
            with self.subTest(provider=p):
                r = self.webox("chat", "-m", p + ":quirks", "--json", "x", check=0)
                doc = r.json()
                self.assertEqual(doc["text"], QUIRKS_TEXT)
                out_tokens = 5 + (5 if p == "gemini" else 0)  # Gemini thoughts are billed output
                self.assertEqual(doc["usage"], {"input_tokens": 12, "output_tokens": out_tokens})

    def test_unicode_escapes_and_surrogate_pairs(self):
        for p in FORMATS:
            with self.subTest(provider=p):
                r = self.chat(p, "unicode-escape", check=0)
                self.assertEqual(r.out, OK_TEXT + "\n")

    def test_gzip_stream(self):
        r = self.chat("openai", "gzip", check=0)
        self.assertEqual(r.out, OK_TEXT + "\n")

    def test_ten_thousand_deltas(self):
        for p in ("openai", "anthropic", "ollama"):
            with self.subTest(provider=p):
                start = time.monotonic()
                r = self.chat(p, "big-10000", check=0)
                self.assertEqual(r.out, "é" * 10000 + "\n")
                self.assertLess(time.monotonic() - start, 15)

    # -- what was sent

    def test_openai_family_request(self):
        for p, (_, path) in OPENAI_FAMILY.items():
            with self.subTest(provider=p):
                self.chat(p, "ok", "-s", "Sois bref", "--max-tokens", "50", "--temperature", "0.2",
                          "-o", "top_p=0.5", "-o", "seed=42", check=0)
                req = self.last_body()
                self.assertEqual(req["path"], path + "/chat/completions")
                self.assertEqual(req["headers"]["authorization"], "Bearer test-key")
                body = req["body"]
                self.assertEqual(body["model"], "ok")
                self.assertIs(body["stream"], True)
                self.assertEqual(body["stream_options"], {"include_usage": True})
                self.assertEqual(body["messages"][0], {"role": "system", "content": "Sois bref"})
                self.assertEqual(body["messages"][-1], {"role": "user", "content": "Explique le RAII"})
                self.assertEqual(body["max_tokens"], 50)
                self.assertEqual(body["temperature"], 0.2)
                self.assertEqual(body["top_p"], 0.5)
                self.assertEqual(body["seed"], 42)

    def test_option_before_prompt(self):
        # `-o key=value PROMPT` must take one value per -o, not swallow the prompt
        r = self.webox("chat", "-m", "openai:ok", "--no-log", "-o", "seed=42", "Explique", check=0)
        self.assertEqual(r.out, OK_TEXT + "\n")
        self.assertEqual(self.last_body()["body"]["seed"], 42)

    def test_openai_not_streamed_request(self):
        self.chat("openai", "ok", "--no-stream", check=0)
        body = self.last_body()["body"]
        self.assertNotIn("stream_options", body)
        self.assertFalse(body.get("stream", False))

    def test_anthropic_request(self):
        self.chat("anthropic", "ok", "-s", "Sois bref", check=0)
        req = self.last_body()
        self.assertEqual(req["path"], "/v1/messages")
        self.assertEqual(req["headers"]["x-api-key"], "test-key")
        self.assertEqual(req["headers"]["anthropic-version"], "2023-06-01")
        self.assertNotIn("authorization", req["headers"])
        body = req["body"]
        self.assertEqual(body["model"], "ok")
        self.assertIs(body["stream"], True)
        self.assertEqual(body["max_tokens"], 4096)  # required by the API: webox's default
        self.assertEqual(body["system"], "Sois bref")
        self.assertEqual([m["role"] for m in body["messages"]], ["user"])

        self.chat("anthropic", "ok", "--no-stream", "--max-tokens", "50", "--temperature", "0.3",
                  check=0)
        body = self.last_body()["body"]
        self.assertEqual(body["max_tokens"], 50)
        self.assertEqual(body["temperature"], 0.3)
        self.assertFalse(body.get("stream", False))
        self.assertNotIn("system", body)

    def test_gemini_request(self):
        self.chat("gemini", "ok", "-s", "Sois bref", "--max-tokens", "50", "--temperature", "0.2",
                  "-o", "topK=3", check=0)
        req = self.last_body()
        self.assertEqual(req["path"], "/v1beta/models/ok:streamGenerateContent")
        self.assertEqual(req["query"], {"alt": "sse"})  # and never ?key=
        self.assertEqual(req["headers"]["x-goog-api-key"], "test-key")
        body = req["body"]
        self.assertEqual(body["systemInstruction"], {"parts": [{"text": "Sois bref"}]})
        self.assertEqual(body["contents"], [{"role": "user", "parts": [{"text": "Explique le RAII"}]}])
        self.assertEqual(body["generationConfig"],
                         {"temperature": 0.2, "maxOutputTokens": 50, "topK": 3})

        self.chat("gemini", "ok", "--no-stream", check=0)
        self.assertEqual(self.last_body()["path"], "/v1beta/models/ok:generateContent")

    def test_gemini_accepts_google_api_key(self):
        env = {"GOOGLE_API_KEY": "test-key"}
        self.env.pop("GEMINI_API_KEY")
        r = self.chat("gemini", "ok", check=0, env=env)
        self.assertEqual(r.out, OK_TEXT + "\n")

    def test_ollama_request(self):
        self.chat("ollama", "ok", "-s", "Sois bref", "--max-tokens", "50", "--temperature", "0.2",
                  check=0)
        req = self.last_body()
        self.assertEqual(req["path"], "/api/chat")
        body = req["body"]
        self.assertIs(body["stream"], True)
        self.assertEqual(body["options"], {"num_predict": 50, "temperature": 0.2})
        self.assertEqual(body["messages"][0], {"role": "system", "content": "Sois bref"})

        self.chat("ollama", "ok", "--no-stream", check=0)
        self.assertIs(self.last_body()["body"]["stream"], False)  # explicit: the server streams by default

    # -- failures inside the stream

    def test_inband_error(self):
        said = {"openai": "The server had an error", "openrouter": "Provider disconnected",
                "anthropic": "overloaded_error", "gemini": "UNAVAILABLE",
                "ollama": "unexpected EOF"}
        for p, words in said.items():
            with self.subTest(provider=p):
                r = self.chat(p, "error-inband")
                self.assert_partial(r, p)
                self.assertEqual(r.code, 1, r)
                self.assertIn(words, r.err)

    def test_cut_stream(self):
        for p in FORMATS + ("mistral",):
            with self.subTest(provider=p):
                r = self.chat(p, "cut")
                self.assert_partial(r, p)
                self.assertEqual(r.code, 1, r)
                self.assertIn("cut", r.err)

    def test_cut_body_without_streaming(self):
        for p in FORMATS:
            with self.subTest(provider=p):
                r = self.chat(p, "cut", "--no-stream")
                self.assertEqual(r.code, 1, r)
                self.assertEqual(r.out, "")

    def test_interrupt_keeps_the_partial_answer(self):
        env = dict(self.env)
        proc = subprocess.Popen([WEBOX, "chat", "-m", "openai:slow-300", "--no-log", "--", "x"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        # The answer has started streaming: webox is past installing its
        # Ctrl-C handler, however slow the machine or the sanitizer.
        first = os.read(proc.stdout.fileno(), 7)  # unbuffered: communicate() reads the rest
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        out = first + out
        self.assertEqual(proc.returncode, 130, err)
        self.assertTrue(out.decode().startswith("Bonjour"), out)
        self.assertTrue(OK_TEXT.startswith(out.decode()), out)

    def test_disconnect_mid_stream(self):
        for p in ("openai", "gemini"):
            with self.subTest(provider=p):
                r = self.chat(p, "disconnect")
                self.assert_partial(r, p)
                self.assertEqual(r.code, 75, r)

    # -- HTTP failures

    def test_unauthorized(self):
        said = {"openai": "Incorrect API key", "mistral": "Unauthorized",
                "openrouter": "No auth credentials", "anthropic": "invalid x-api-key",
                "gemini": "API_KEY_INVALID", "ollama": "unauthorized"}
        for p, words in said.items():
            with self.subTest(provider=p):
                r = self.chat(p, "http-401")
                self.assertEqual(r.code, 4, r)
                self.assertIn(words, r.err)
                self.assertEqual(len(self.sent()), 1)  # never retried
                self.fake_reset()

    def test_wrong_key(self):
        env = {"OPENAI_API_KEY": "wrong", "ANTHROPIC_API_KEY": "wrong", "GEMINI_API_KEY": "wrong"}
        for p in ("openai", "anthropic", "gemini"):
            with self.subTest(provider=p):
                r = self.chat(p, "ok", env=env)
                self.assertEqual(r.code, 4, r)
                self.assertIn(p, r.err)

    def test_missing_key(self):
        for p, var in (("openai", "OPENAI_API_KEY"), ("groq", "GROQ_API_KEY"),
                       ("anthropic", "ANTHROPIC_API_KEY"), ("gemini", "GEMINI_API_KEY")):
            with self.subTest(provider=p):
                saved = self.env.pop(var)
                try:
                    r = self.chat(p, "ok")
                finally:
                    self.env[var] = saved
                self.assertEqual(r.code, 4, r)
                self.assertIn("no API key", r.err)
                self.assertIn(var, r.err)
                self.assertIn("webox keys set " + p, r.err)
                self.assertEqual(self.sent(), [])

    def test_rate_limited_then_ok(self):
        for p in FORMATS:
            with self.subTest(provider=p):
                r = self.chat(p, "http-429-then-ok", check=0)
                self.assertEqual(r.out, OK_TEXT + "\n")
                self.assertEqual(len(self.sent()), 2)
                self.fake_reset()

    def test_rate_limited_gives_up_with_75(self):
        r = self.chat("openai", "http-429")
        self.assertEqual(r.code, 75, r)
        self.assertIn("rate_limit_exceeded", r.err)
        self.assertGreater(len(self.sent()), 1)

    def test_quota_is_not_retried(self):
        for p, code in (("openai", 5), ("openrouter", 5), ("gemini", 75)):
            # gemini: a RetryInfo of an hour is a spent quota: not retried, but temporary
            with self.subTest(provider=p):
                r = self.chat(p, "http-429-quota")
                self.assertEqual(r.code, code, r)
                self.assertEqual(len(self.sent()), 1)
                self.fake_reset()
        r = self.chat("openai", "http-429-quota")
        self.assertIn("insufficient_quota", r.err)

    def test_gemini_daily_quota_is_a_quota_not_retried(self):
        # Google still says "retry in 13s": the QuotaFailure's per-day quotaId decides.
        r = self.chat("gemini", "http-429-daily")
        self.assertEqual(r.code, 5, r)
        self.assertEqual(len(self.sent()), 1)
        self.assertIn("RESOURCE_EXHAUSTED", r.err)
        self.assertIn("daily quota", r.err)

    def test_gemini_retry_info_delay_is_honoured(self):
        # The wait is in the body (RetryInfo.retryDelay "0.7s"), not in a header;
        # the host's own backoff here would be ~10 ms (WEBOX_RETRY_BASE_MS).
        r = self.chat("gemini", "http-429-wait-700-then-ok", check=0)
        self.assertEqual(r.out, OK_TEXT + "\n")
        first, second = self.sent()
        self.assertGreaterEqual(second["received"] - first["received"], 0.65)

    def test_mistral_inband_error_is_named(self):
        # Mistral's stream error is its bare {"object": "error", ...} object.
        r = self.chat("mistral", "error-inband")
        self.assert_partial(r, "mistral")
        self.assertEqual(r.code, 1, r)
        self.assertIn("Service unavailable, please retry.", r.err)
        self.assertIn("1000", r.err)
        self.assertNotIn("[DONE]", r.err)

    def test_server_error_after_retries(self):
        said = {"openai": "The server had an error", "anthropic": "api_error",
                "gemini": "INTERNAL", "ollama": "llama runner"}
        for p, words in said.items():
            with self.subTest(provider=p):
                r = self.chat(p, "http-500")
                self.assertEqual(r.code, 75, r)
                self.assertIn(words, r.err)
                self.assertGreater(len(self.sent()), 1)  # the host retried
                self.fake_reset()

    def test_anthropic_overloaded(self):
        r = self.chat("anthropic", "http-529")
        self.assertEqual(r.code, 75, r)
        self.assertIn("overloaded_error", r.err)

    def test_html_error_page(self):
        for p in ("openai", "anthropic"):
            with self.subTest(provider=p):
                r = self.chat(p, "http-502-html")
                self.assertEqual(r.code, 75, r)
                self.assertIn("HTML", r.err)
                self.assertNotIn("<html", r.err.lower())
                self.assertEqual(r.out, "")

    def test_ollama_unknown_model(self):
        r = self.chat("ollama", "http-404")
        self.assertEqual(r.code, 2, r)
        self.assertIn("model 'http-404' not found", r.err)
        self.assertEqual(len(self.sent()), 1)

    def fake_reset(self):
        req = urllib.request.Request(self.fake.url + "/__reset", data=b"{}", method="POST")
        urllib.request.urlopen(req, timeout=5).read()


if __name__ == "__main__":
    main()
