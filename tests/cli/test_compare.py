"""webox compare, fallbacks, budgets and stats through the real binary,
against the loopback fake of every provider (tests/fakes/fake_llm.py)."""
import json
import os
import time

from harness import WeboxTestCase, main


class CompareTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_llm.py")
        u = self.fake.url
        self.env.update({
            "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": u + "/v1",
            "MISTRAL_API_KEY": "test-key", "MISTRAL_BASE_URL": u + "/mistral/v1",
            "GROQ_API_KEY": "test-key", "GROQ_BASE_URL": u + "/groq/openai/v1",
            "ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": u,
            "GEMINI_API_KEY": "test-key", "GEMINI_BASE_URL": u,
            "WEBOX_RETRY_BASE_MS": "5",
        })

    def compare(self, *args, **kw):
        return self.webox("compare", *args, **kw)

    def test_models_run_in_parallel(self):
        r = self.compare("-m", "openai:wait-700", "-m", "anthropic:wait-700", "-m", "gemini:wait-700",
                         "--json", "capitale ?", check=0)
        doc = r.json()
        self.assertEqual([x["model"] for x in doc["results"]],
                         ["openai:wait-700", "anthropic:wait-700", "gemini:wait-700"])
        for res in doc["results"]:
            self.assertEqual(res["text"], "Bonjour ! Le RAII lie une ressource à la durée de vie d'un objet. 🚀")
            self.assertIsNone(res["error"])
            self.assertGreaterEqual(res["latency_ms"], 700)
            self.assertEqual((res["input_tokens"], res["output_tokens"]), (12, 7))
        # The three requests reached the server together, not one after the other.
        received = [q["received"] for q in self.fake.requests()]
        self.assertEqual(len(received), 3)
        self.assertLess(max(received) - min(received), 0.5)

    def test_partial_failure_exits_3_and_keeps_the_others(self):
        r = self.compare("-m", "openai:ok", "-m", "anthropic:http-401", "-m", "gemini:error-inband",
                         "--json", "x", check=3)
        res = {x["model"]: x for x in r.json()["results"]}
        self.assertIsNone(res["openai:ok"]["error"])
        self.assertIn("authentication_error", res["anthropic:http-401"]["error"])
        self.assertTrue(res["gemini:error-inband"]["error"])
        self.assertIn("anthropic:http-401", r.err)

    def test_all_failing_exits_1(self):
        self.compare("-m", "openai:http-400", "-m", "mistral:http-400", "--json", "x", check=1)

    def test_retry_then_ok_within_a_column(self):
        r = self.compare("-m", "openai:http-429-then-ok", "-m", "mistral:ok", "--json", "x", check=0)
        self.assertTrue(all(x["error"] is None for x in r.json()["results"]))

    def test_missing_key_errors_only_that_column(self):
        env = {"ANTHROPIC_API_KEY": ""}
        r = self.compare("-m", "openai:ok", "-m", "anthropic:ok", "--json", "x", env=env, check=3)
        res = {x["model"]: x for x in r.json()["results"]}
        self.assertIn("ANTHROPIC_API_KEY", res["anthropic:ok"]["error"])

    def test_bad_input(self):
        r = self.compare("-m", "openai:ok", "-m", "openai:ok", "x", check=2)
        self.assertIn("listed twice", r.err)
        r = self.compare("-m", "nope:x", "-m", "openai:ok", "x", check=2)
        self.assertIn("unknown model or provider", r.err)
        self.compare("-m", "openai:ok", "--format", "pdf", "x", check=2)
        self.compare("x", check=2)
        self.assertEqual(self.fake.requests(), [])
        self.assertEqual(self.webox("logs", "--json", "-n", "0", check=0).json(), [])

    def test_formats(self):
        md = self.compare("--models", "openai:ok,mistral:ok", "--format", "markdown", "x", check=0).out
        self.assertIn("| model | first token |", md)
        self.assertIn("## openai:ok", md)
        lines = self.compare("--models", "openai:ok,mistral:ok", "--format", "jsonl", "x", check=0).out.splitlines()
        self.assertEqual([json.loads(l)["model"] for l in lines], ["openai:ok", "mistral:ok"])
        table = self.compare("-m", "openai:quirks", "-m", "mistral:ok", "x", env={"COLUMNS": "80"}, check=0).out
        self.assertIn("│", table)
        self.assertTrue(all(len(l) <= 80 for l in table.splitlines()), table)

    def test_calls_are_logged_with_a_compare_id(self):
        doc = self.compare("-m", "openai:ok", "-m", "mistral:ok", "--json", "x", check=0).json()
        logs = self.webox("logs", "--json", "-n", "0", check=0).json()
        self.assertEqual(len(logs), 2)
        self.assertEqual({l["group_id"] for l in logs}, {doc["compare_id"]})
        self.assertEqual([l["cost"] for l in logs], [None, None])  # no price for these test models

    def test_judge_verdict_and_seed(self):
        r = self.compare("-m", "openai:ok", "-m", "mistral:ok", "--judge", "groq:judge-ok", "--seed", "7",
                         "--json", "Quelle est la capitale de l'Australie ?", check=0)
        judge = r.json()["judge"]
        self.assertEqual(judge["seed"], 7)
        self.assertEqual(judge["agreement"], 80)
        self.assertEqual(set(judge["notes"]), {"openai:ok", "mistral:ok"})
        self.assertIn("Canberra", judge["consensus"])
        self.assertIn("seed 7", r.err)
        # The judge saw anonymous answers, never model names.
        judge_request = [q for q in self.fake.requests() if q["path"].startswith("/groq")][0]
        sent = json.dumps(judge_request["body"]["messages"], ensure_ascii=False)
        self.assertIn("Answer A:", sent)
        self.assertNotIn("openai:ok", sent)

    def test_judge_gets_one_repair_attempt(self):
        r = self.compare("-m", "openai:ok", "-m", "mistral:ok", "--judge", "groq:judge-bad-then-ok",
                         "--json", "x", check=0)
        self.assertEqual(r.json()["judge"]["agreement"], 80)
        self.assertEqual(len([q for q in self.fake.requests() if q["path"].startswith("/groq")]), 2)
        r = self.compare("-m", "openai:ok", "-m", "mistral:ok", "--judge", "groq:judge-bad", "--json", "x", check=3)
        self.assertIn("after one repair attempt", r.json()["judge"]["error"])

    def test_judge_without_key_fails_before_sending(self):
        r = self.compare("-m", "openai:ok", "-m", "mistral:ok", "--judge", "groq:judge-ok", "x",
                         env={"GROQ_API_KEY": ""}, check=4)
        self.assertIn("judge groq:judge-ok has no API key", r.err)
        self.assertEqual(self.fake.requests(), [])

    def test_fallback_answers_when_the_first_model_is_down(self):
        r = self.webox("chat", "-m", "openai:http-500", "--fallback", "mistral:ok", "--json", "x", check=0)
        self.assertEqual(r.json()["model"], "mistral:ok")
        self.assertIn("trying mistral:ok", r.err)
        self.assertIn("answered by mistral:ok", r.err)
        logs = self.webox("logs", "--json", "-n", "0", check=0).json()
        self.assertEqual([l["status"] for l in reversed(logs)], ["error", "ok"])
        self.assertEqual(logs[0]["chain"], "openai:http-500 > mistral:ok")

    def test_no_fallback_on_auth_or_quota(self):
        self.webox("chat", "-m", "openai:http-401", "--fallback", "mistral:ok", "x", check=4)
        self.webox("chat", "-m", "openai:http-429-quota", "--fallback", "mistral:ok", "x", check=5)
        self.assertFalse([q for q in self.fake.requests() if q["path"].startswith("/mistral")])

    def test_named_chain_and_cooldown_across_processes(self):
        self.write_config("fallbacks:\n  fast: [openai:http-429, mistral:ok]\n")
        r = self.webox("chat", "-m", "@fast", "x", env={"WEBOX_RETRIES": "0"}, check=0)
        self.assertIn("answered by mistral:ok", r.err)
        before = len([q for q in self.fake.requests() if q["path"].startswith("/v1")])
        # A second process goes straight to the fallback: openai is cooling down.
        r = self.webox("chat", "-m", "@fast", "x", env={"WEBOX_RETRIES": "0"}, check=0)
        self.assertIn("cooling down", r.err)
        after = len([q for q in self.fake.requests() if q["path"].startswith("/v1")])
        self.assertEqual(before, after)
        r = self.webox("chat", "-m", "@nope", "x", check=2)
        self.assertIn("known: @fast", r.err)

    def test_fallback_in_compare_columns(self):
        r = self.compare("-m", "openai:http-503", "-m", "anthropic:ok", "--fallback", "mistral:ok",
                         "--json", "x", check=0)
        res = r.json()["results"][0]
        self.assertEqual(res["answered_by"], "mistral:ok")

    def test_budget_refuses_before_any_request(self):
        self.write_config('prices:\n  "openai:ok": {input: 1000, output: 1000}\n  "mistral:ok": {input: 0.1, output: 0.1}\n')
        r = self.compare("-m", "openai:ok", "-m", "mistral:ok", "--max-cost", "0.5", "x", check=5)
        self.assertIn("over --max-cost", r.err)
        r = self.webox("chat", "-m", "openai:ok", "--max-cost", "0.01", "x", check=5)
        self.assertEqual(self.fake.requests(), [])
        r = self.webox("chat", "-m", "mistral:ok", "--max-cost", "0.01", "--max-tokens", "100", "--json", "x", check=0)
        self.assertAlmostEqual(r.json()["cost"], (12 * 0.1 + 7 * 0.1) / 1e6)

    def test_daily_budget_counts_what_was_spent(self):
        self.write_config('budgets:\n  daily: 0.0000025\nprices:\n  "mistral:ok": {input: 0.1, output: 0.1}\n')
        # First call: worst case 3+(1+2)/3+4 = ~8 prompt tokens + 10 answer tokens at $0.1/M fits.
        self.webox("chat", "-m", "mistral:ok", "--max-tokens", "10", "x", check=0)
        r = self.webox("chat", "-m", "mistral:ok", "--max-tokens", "10", "x", check=5)
        self.assertIn("daily budget", r.err)
        r = self.webox("chat", "-m", "anthropic:ok", "x", check=5)
        self.assertIn("no known price", r.err)
        # Not logging this call does not hide what the log holds.
        r = self.webox("chat", "-m", "mistral:ok", "--max-tokens", "10", "--no-log", "x", check=5)
        self.assertIn("daily budget", r.err)

    def test_stats(self):
        self.write_config('prices:\n  "mistral:ok": {input: 1, output: 1}\n')
        self.webox("chat", "-m", "mistral:ok", "x", check=0)
        self.webox("chat", "-m", "mistral:ok", "y", check=0)
        self.webox("chat", "-m", "openai:http-400", "z", check=2)
        doc = self.webox("stats", "--json", check=0).json()
        rows = {r["key"]: r for r in doc["rows"]}
        self.assertEqual(rows["mistral:ok"]["calls"], 2)
        self.assertAlmostEqual(rows["mistral:ok"]["cost"], 2 * 19 / 1e6)
        self.assertEqual(rows["openai:http-400"]["errors"], 1)
        self.assertEqual(rows["openai:http-400"]["unpriced_calls"], 1)
        self.assertEqual(rows["total"]["calls"], 3)
        by_provider = self.webox("stats", "--by", "provider", "--json", check=0).json()
        self.assertEqual({r["key"] for r in by_provider["rows"]}, {"mistral", "openai", "total"})
        human = self.webox("stats", "--since", "1h", check=0).out
        self.assertIn("unpriced", human)
        self.webox("stats", "--since", "yesterday", check=2)
        self.webox("stats", "--by", "color", check=2)


if __name__ == "__main__":
    main()
