"""webox models: the catalogue (manifests, the per-provider cache, prices),
--refresh through each plugin against a loopback fake of the four list
formats (OpenAI-compatible, Anthropic, Gemini, Ollama; pagination included),
the cache when an endpoint is down, and bare model names resolved for -m
(exact, alias, cache, ambiguous, unknown)."""
import json
import os
import time

from harness import WeboxTestCase, main

OPENAI_KEY = "sk-list-SECRET-0001"
ANTHROPIC_KEY = "sk-ant-SECRET-0002"
GEMINI_KEY = "AIza-SECRET-0003"


class ModelsTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_models.py")
        u = self.fake.url
        self.env.update({"OPENAI_BASE_URL": u + "/v1", "OPENAI_API_KEY": OPENAI_KEY,
                         "MISTRAL_BASE_URL": u + "/v1", "MISTRAL_API_KEY": OPENAI_KEY,
                         "ANTHROPIC_BASE_URL": u, "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
                         "GEMINI_BASE_URL": u, "GEMINI_API_KEY": GEMINI_KEY,
                         "OLLAMA_HOST": u, "WEBOX_RETRIES": "0"})

    def refresh(self, provider, *args, check=0):
        return self.webox("models", "--refresh", "-p", provider, "--json", *args, check=check)

    def by_name(self, doc):
        return {m["model"]: m for m in doc["models"]}

    def cache_file(self, provider):
        return os.path.join(self.home, "cache", "webox", "models", provider + ".json")

    def test_openai_format_and_its_dialects(self):
        r = self.refresh("openai", "-vvv")
        models = self.by_name(r.json())
        m = models["openai:gpt-4o-mini"]
        self.assertEqual(m["source"], "endpoint")
        self.assertEqual(m["price"], {"input": 0.15, "output": 0.60})  # merged from data/prices.json
        self.assertNotIn("capabilities", m)  # OpenAI says nothing: nothing is made up
        self.assertEqual(models["openai:pixtral-large-latest"]["capabilities"], ["chat", "tools", "vision"])
        self.assertEqual(models["openai:pixtral-large-latest"]["context_window"], 131072)
        sonnet = models["openai:anthropic/claude-sonnet-4"]
        self.assertEqual(sonnet["capabilities"], ["chat", "tools", "vision"])
        self.assertEqual(sonnet["context_window"], 200000)
        self.assertEqual(sonnet["display_name"], "Anthropic: Claude Sonnet 4")
        self.assertEqual(models["openai:llama-3.3-70b-versatile"]["context_window"], 131072)
        reqs = self.fake.requests()
        self.assertEqual([q["path"] for q in reqs], ["/v1/models"])
        self.assertEqual(reqs[0]["headers"]["Authorization"], "Bearer " + OPENAI_KEY)
        # The key is never printed, even at trace level.
        self.assertNotIn(OPENAI_KEY, r.out + r.err)
        with open(self.cache_file("openai")) as f:
            self.assertNotIn(OPENAI_KEY, f.read())
        # Only the refreshed provider is listed from its endpoint; the others from manifests.
        everything = self.by_name(self.webox("models", "--json", check=0).json())
        self.assertEqual(everything["anthropic:claude-sonnet-4-5"]["source"], "manifest")
        self.assertEqual(everything["openai:pixtral-large-latest"]["source"], "endpoint")

    def test_the_openai_family_shares_it(self):
        models = self.by_name(self.refresh("mistral").json())
        self.assertEqual(models["mistral:pixtral-large-latest"]["source"], "endpoint")

    def test_anthropic_pages(self):
        r = self.refresh("anthropic", "-vvv")
        models = self.by_name(r.json())
        self.assertEqual(models["anthropic:claude-opus-4-1-20250805"]["display_name"], "Claude Opus 4.1")
        self.assertIn("anthropic:claude-3-5-haiku-20241022", models)  # the third page
        reqs = self.fake.requests()
        self.assertEqual([q["path"] for q in reqs],
                         ["/v1/models?limit=1000", "/v1/models?limit=1000&after_id=claude-opus-4-1-20250805",
                          "/v1/models?limit=1000&after_id=gpt-4o-mini"])
        for q in reqs:
            self.assertEqual(q["headers"]["x-api-key"], ANTHROPIC_KEY)
            self.assertEqual(q["headers"]["anthropic-version"], "2023-06-01")
        self.assertNotIn(ANTHROPIC_KEY, r.out + r.err)

    def test_gemini_pages_and_capabilities(self):
        models = self.by_name(self.refresh("gemini").json())
        flash = models["gemini:gemini-2.5-flash"]
        self.assertEqual(flash["capabilities"], ["chat"])
        self.assertEqual(flash["context_window"], 1048576)
        self.assertEqual(flash["display_name"], "Gemini 2.5 Flash")
        self.assertEqual(models["gemini:gemini-embedding-001"]["capabilities"], ["embeddings"])
        self.assertEqual(models["gemini:imagen-4.0-generate-001"]["capabilities"], ["images"])
        self.assertIn("gemini:gemini-3-pro-preview", models)  # the third page
        reqs = self.fake.requests()
        self.assertEqual([q["path"] for q in reqs],
                         ["/v1beta/models?pageSize=1000", "/v1beta/models?pageSize=1000&pageToken=p2",
                          "/v1beta/models?pageSize=1000&pageToken=p4"])
        self.assertEqual(reqs[0]["headers"]["x-goog-api-key"], GEMINI_KEY)

    def test_ollama_tags(self):
        models = self.by_name(self.refresh("ollama").json())
        self.assertEqual(models["ollama:llama3.2:3b"]["source"], "endpoint")
        self.assertEqual([q["path"] for q in self.fake.requests()], ["/api/tags"])

    def test_endless_pagination_stops(self):
        self.fake.control(mode="endless")
        r = self.refresh("anthropic")
        self.assertEqual(len(self.fake.requests()), 50)
        self.assertIn("more models than were read", r.err)
        self.fake.control(mode="endless", requests=[])
        self.refresh("gemini")
        reqs = self.fake.requests()
        self.assertEqual(len(reqs), 50)
        self.assertIn("pageToken=p0%26n%3D", reqs[1]["path"])  # a cursor is escaped, not spliced

    def test_plain_models_is_offline_and_reads_the_cache(self):
        self.refresh("ollama")
        self.fake.control(requests=[])
        r = self.webox("models", check=0)
        self.assertIn("ollama:llama3.2:3b", r.out)
        self.assertIn("openai:gpt-4o-mini", r.out)
        self.assertIn("$0.15/$0.6", r.out)
        self.assertEqual(self.fake.requests(), [])
        self.assertEqual(r.err, "")

    def test_down_endpoint_uses_the_cache_and_says_its_age(self):
        self.refresh("ollama")
        self.fake.control(mode="down")
        r = self.refresh("ollama")
        self.assertIn("ollama did not answer", r.err)
        self.assertIn("cached", r.err)
        self.assertIn(" s ago", r.err)
        self.assertIn("ollama:llama3.2:3b", self.by_name(r.json()))

    def test_down_endpoint_without_cache_exits_3(self):
        self.fake.control(mode="down")
        r = self.refresh("ollama", check=3)
        self.assertIn("no list of it is cached", r.err)
        self.assertIn("ollama:llama3.2", self.by_name(r.json()))  # the manifest's, still printed

    def test_stale_cache_is_said_and_refresh_replaces_it(self):
        self.refresh("ollama")
        path = self.cache_file("ollama")
        with open(path) as f:
            doc = json.load(f)
        doc["fetched_at"] = int(time.time()) - 3 * 86400
        with open(path, "w") as f:
            json.dump(doc, f)
        r = self.webox("models", check=0)
        self.assertIn("the ollama list is 3 d old", r.err)
        self.refresh("ollama")
        with open(path) as f:
            self.assertGreater(json.load(f)["fetched_at"], time.time() - 60)
        self.assertEqual(self.webox("models", check=0).err, "")

    def test_refresh_all_skips_providers_without_a_key(self):
        r = self.webox("models", "--refresh", "--json", env={"OPENAI_API_KEY": "", "MISTRAL_API_KEY": ""}, check=0)
        self.assertIn("not asked (no key):", r.err)
        self.assertIn("openai", r.err)
        models = self.by_name(r.json())
        self.assertEqual(models["anthropic:claude-3-5-haiku-20241022"]["source"], "endpoint")
        self.assertEqual(models["ollama:qwen2.5-coder:7b"]["source"], "endpoint")

    def test_search(self):
        self.refresh("gemini")
        doc = self.webox("models", "--search", "EMBED", "--json", check=0).json()
        names = [m["model"] for m in doc["models"]]
        self.assertIn("gemini:gemini-embedding-001", names)
        self.assertIn("openai:text-embedding-3-small", names)
        for n in names:
            self.assertIn("embed", json.dumps(self.by_name(doc)[n]).lower())
        r = self.webox("models", "--search", "no-such-model-zzz", check=0)
        self.assertEqual(r.out, "")
        self.assertIn("no model matches", r.err)

    def test_bad_input(self):
        r = self.webox("models", "--refresh", "-p", "opnai", check=2)
        self.assertIn("did you mean 'openai'", r.err)
        r = self.webox("models", "--refresh", "-p", "echo", check=2)
        self.assertIn("cannot list its models", r.err)
        r = self.webox("models", "--refresh", "-p", "anthropic", env={"ANTHROPIC_API_KEY": ""}, check=4)
        self.assertIn("ANTHROPIC_API_KEY", r.err)
        # A cache file that is not webox's is ignored, not an error.
        os.makedirs(os.path.dirname(self.cache_file("ollama")), exist_ok=True)
        with open(self.cache_file("ollama"), "w") as f:
            f.write("{not json")
        r = self.webox("models", "-p", "ollama", "--json", check=0)
        self.assertEqual({m["source"] for m in r.json()["models"]}, {"manifest"})


class ResolveTest(WeboxTestCase):
    def chat_model(self, model, check=0):
        r = self.webox("chat", "-m", model, "--no-log", "--json", "x", check=check)
        return r.json()["model"] if check == 0 else r

    def test_exact_bare_name(self):
        self.assertEqual(self.chat_model("messages"), "echo:messages")

    def test_alias_to_a_bare_name(self):
        self.write_config("aliases:\n  rapide: messages\n")
        self.assertEqual(self.chat_model("rapide"), "echo:messages")

    def test_cache_before_manifests(self):
        self.write_config("providers:\n  myecho:\n    type: echo\n")
        d = os.path.join(self.home, "cache", "webox", "models")
        os.makedirs(d)
        with open(os.path.join(d, "myecho.json"), "w") as f:
            json.dump({"provider": "myecho", "fetched_at": int(time.time()),
                       "models": [{"model": "messages"}, {"model": "only-in-cache"}]}, f)
        self.assertEqual(self.chat_model("only-in-cache"), "myecho:only-in-cache")
        # The cache knows "messages" from myecho: it wins over echo's manifest.
        self.assertEqual(self.chat_model("messages"), "myecho:messages")

    def test_ambiguous_lists_the_candidates(self):
        d = os.path.join(self.home, "cache", "webox", "models")
        os.makedirs(d)
        for provider in ("openai", "openrouter"):
            with open(os.path.join(d, provider + ".json"), "w") as f:
                json.dump({"provider": provider, "fetched_at": int(time.time()), "models": [{"model": "gpt-4o-mini"}]}, f)
        r = self.chat_model("gpt-4o-mini", check=2)
        self.assertIn("openai:gpt-4o-mini", r.err)
        self.assertIn("openrouter:gpt-4o-mini", r.err)
        self.assertIn("several providers", r.err)
        # Every command that takes a model resolves the same way.
        r = self.webox("embed", "-m", "gpt-4o-mini", "x", check=2)
        self.assertIn("openrouter:gpt-4o-mini", r.err)

    def test_bare_name_from_the_manifests(self):
        # No cache: the openai manifest alone has it (the key is then asked for: exit 4, not 2).
        r = self.webox("chat", "-m", "gpt-4o-mini", "--no-log", "x", env={"OPENAI_API_KEY": ""}, check=4)
        self.assertIn("OPENAI_API_KEY", r.err)

    def test_unknown_says_did_you_mean(self):
        r = self.chat_model("gpt-4o-mni", check=2)
        self.assertIn("did you mean 'gpt-4o-mini'", r.err)
        r = self.chat_model("claude-sonet-4-5", check=2)
        self.assertIn("did you mean 'claude-sonnet-4-5'", r.err)
        r = self.chat_model("zzzzzzzzzzzz", check=2)
        self.assertIn("unknown model or provider 'zzzzzzzzzzzz'", r.err)


    def test_a_family_name_lists_its_models(self):
        # The "-m claude": no single model, so the models it is a part of.
        r = self.chat_model("claude", check=2)
        self.assertRegex(r.err, r"did you mean one of [^?]*claude-haiku-4-5[^?]*claude-sonnet-4-5")
        self.assertEqual(len(r.err.strip().splitlines()), 1)
        r = self.chat_model("haiku", check=2)
        self.assertIn("claude-haiku-4-5", r.err)


if __name__ == "__main__":
    main()
