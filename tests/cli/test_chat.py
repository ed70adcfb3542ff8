"""webox chat, plugins, models and config through the real binary, offline
(the echo provider) and against closed ports (no network is ever reached)."""
import json
import os
import signal
import subprocess
import time

from harness import WEBOX, WeboxTestCase, free_port, main

BUILD_TESTS = os.path.join(os.path.dirname(os.path.dirname(WEBOX)), "tests")
BAD_PLUGINS = os.path.join(BUILD_TESTS, "bad-plugins")


class ChatTest(WeboxTestCase):
    def test_streams_the_answer_and_one_newline(self):
        r = self.webox("chat", "-m", "echo", "Bonjour à tous 🚀 — ok", check=0)
        self.assertEqual(r.out, "Bonjour à tous 🚀 — ok\n")
        self.assertEqual(r.err, "")

    def test_prompt_words_are_joined(self):
        r = self.webox("chat", "-m", "echo", "un", "deux", "trois", check=0)
        self.assertEqual(r.out, "un deux trois\n")

    def test_stdin_then_arguments(self):
        r = self.webox("chat", "-m", "echo", "Relis ce diff", stdin="diff --git a b\n+x\n", check=0)
        self.assertEqual(r.out, "diff --git a b\n+x\n\n\nRelis ce diff\n")
        r = self.webox("chat", "-m", "echo", stdin="seulement l'entrée", check=0)
        self.assertEqual(r.out, "seulement l'entrée\n")

    def test_json_output(self):
        r = self.webox("chat", "-m", "echo", "--json", "hello world", check=0)
        doc = r.json()
        self.assertEqual(doc["model"], "echo:echo")
        self.assertEqual(doc["text"], "hello world")
        self.assertEqual(doc["usage"], {"input_tokens": 2, "output_tokens": 2})
        self.assertIsInstance(doc["latency_ms"], int)
        self.assertEqual(len(doc["conversation_id"]), 26)

    def test_no_stream_gives_the_same_text(self):
        r = self.webox("chat", "-m", "echo", "--no-stream", "à la fois", check=0)
        self.assertEqual(r.out, "à la fois\n")

    def test_continue_sends_the_history_and_the_system_prompt(self):
        first = self.webox("chat", "-m", "echo", "-s", "Tu es bref", "--json", "premier", check=0).json()
        r = self.webox("chat", "-m", "echo:messages", "-c", "second", check=0)
        messages = json.loads(r.out)
        self.assertEqual(messages, [
            {"role": "system", "content": "Tu es bref"},
            {"role": "user", "content": "premier"},
            {"role": "assistant", "content": "premier"},
            {"role": "user", "content": "second"},
        ])
        # --cid continues a named conversation, even after another one started.
        self.webox("chat", "-m", "echo", "autre conversation", check=0)
        r = self.webox("chat", "-m", "echo:messages", "--cid", first["conversation_id"], "troisième", check=0)
        self.assertEqual(len(json.loads(r.out)), 6)

    def test_continue_keeps_the_conversation_model(self):
        self.webox("chat", "-m", "echo:messages", "un", check=0)
        r = self.webox("chat", "-c", "--json", "deux", check=0)
        self.assertEqual(r.json()["model"], "echo:messages")

    def test_no_log_leaves_the_store_untouched(self):
        self.webox("chat", "-m", "echo", "logged", check=0)
        self.webox("chat", "-m", "echo", "--no-log", "not logged", check=0)
        logs = self.webox("logs", "-n", "10", "--json", check=0).json()
        self.assertEqual([c["prompt"] for c in logs], ["logged"])

    def test_options_reach_the_provider(self):
        r = self.webox("chat", "-m", "echo:slow", "-o", "delay_ms=0", "--temperature", "0.2",
                       "--max-tokens", "5", "--json", "a b", check=0)
        self.assertEqual(r.json()["text"], "a b")
        calls = self.webox("logs", "--json", "-n", "1", check=0).json()
        self.assertEqual(json.loads(calls[0]["options"]) if isinstance(calls[0]["options"], str)
                         else calls[0]["options"], {"delay_ms": 0, "temperature": 0.2, "max_tokens": 5})

    def test_usage_errors_exit_2(self):
        r = self.webox("chat", "-m", "ecoh", "x", check=2)
        self.assertIn("did you mean 'echo'", r.err)
        r = self.webox("chat", "-m", "echo", "-o", "novalue", "x", check=2)
        self.assertIn("-o expects key=value", r.err)
        r = self.webox("chat", "-m", "echo", stdin="", check=2)
        self.assertIn("no prompt", r.err)
        r = self.webox("chat", "-m", "echo", "--cid", "01NOPE", "x", check=2)
        self.assertIn("no conversation '01NOPE'", r.err)
        r = self.webox("chat", "-c", "x", check=2)
        self.assertIn("no conversation to continue", r.err)
        r = self.webox("chatt", "x", check=2)
        self.assertIn("did you mean 'chat'", r.err)
        r = self.webox("chat", "--temperature", "hot", "x", check=2)
        self.assertEqual(r.out, "")

    def test_missing_key_exits_4_with_a_hint(self):
        closed = f"http://127.0.0.1:{free_port()}/v1"
        r = self.webox("chat", "-m", "openai:gpt-4o-mini", "x", env={"OPENAI_BASE_URL": closed}, check=4)
        self.assertIn("OPENAI_API_KEY", r.err)
        self.assertIn("webox keys set openai", r.err)

    def test_unreachable_server_is_a_temporary_failure(self):
        closed = f"http://127.0.0.1:{free_port()}/v1"
        r = self.webox("chat", "-m", "openai:gpt-4o-mini", "x",
                       env={"OPENAI_BASE_URL": closed, "OPENAI_API_KEY": "sk-unit-SECRET-123456",
                            "WEBOX_RETRY_BASE_MS": "1"}, check=75)
        self.assertIn("openai", r.err)
        self.assertNotIn("sk-unit-SECRET-123456", r.err)

    def test_scripted_failures_map_to_exit_codes(self):
        for model, code in [("fail-auth", 4), ("fail-quota", 5), ("fail-rate", 75), ("fail-upstream", 75),
                            ("fail-network", 75)]:
            r = self.webox("chat", "-m", "echo:" + model, "x", check=code)
            self.assertTrue(r.err.startswith("webox: error: echo"), r.err)

    def test_failure_midstream_keeps_a_prefix_and_is_logged(self):
        r = self.webox("chat", "-m", "echo:fail-midstream", "un deux trois quatre", check=1)
        self.assertTrue("un deux trois quatre".startswith(r.out), r.out)
        self.assertTrue(r.out)
        self.assertIn("scripted failure mid-answer", r.err)
        log = self.webox("logs", "--json", "-n", "1", check=0).json()[0]
        self.assertEqual(log["status"], "error")
        self.assertEqual(log["response"], r.out)

    def test_ctrl_c_stops_promptly_with_130(self):
        words = " ".join(f"mot{i}" for i in range(200))
        proc = subprocess.Popen([WEBOX, "chat", "-m", "echo:slow", words], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=self.env)
        # Wait for the answer to start streaming (webox is then surely past
        # installing its handler, however slow the machine or the sanitizer).
        first = os.read(proc.stdout.fileno(), 3)  # unbuffered: communicate() reads the rest
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        out = first + out
        self.assertEqual(proc.returncode, 130, err)
        self.assertTrue(words.startswith(out.decode()), out[-80:])
        self.assertLess(len(out), len(words))  # stopped, not streamed to the end
        log = self.webox("logs", "--json", "-n", "1", check=0).json()[0]
        self.assertEqual(log["status"], "cancelled")

    def test_assistant_brings_its_system_prompt(self):
        r = self.webox("chat", "-m", "echo:messages", "--assistant", "traducteur", "Good morning", check=0)
        messages = json.loads(r.out)
        self.assertEqual(messages[0]["role"], "system")
        self.assertIn("tradu", messages[0]["content"].lower())
        r = self.webox("chat", "-m", "echo", "--assistant", "personne", "x", check=2)
        self.assertIn("available:", r.err)
        for name in ["rédacteur", "développeur", "analyste", "coach", "traducteur", "créatif"]:
            self.assertIn(name, r.err)


class PluginsTest(WeboxTestCase):
    def test_list_reads_manifests(self):
        r = self.webox("plugins", "list", "--json", check=0)
        ids = [p["id"] for p in r.json()["plugins"]]
        for expected in ["anthropic", "deepinfra", "deepseek", "echo", "gemini", "groq", "mistral",
                         "ollama", "openai", "openrouter", "xai"]:
            self.assertIn(expected, ids)
        human = self.webox("plugins", "list", check=0)
        self.assertIn("echo", human.out)

    def test_info_loads_and_checks(self):
        r = self.webox("plugins", "info", "echo", check=0)
        self.assertIn("loads and matches its manifest", r.out)
        doc = self.webox("plugins", "info", "openai", "--json", check=0).json()
        self.assertEqual(doc["capabilities"], ["chat", "chat-stream", "embed", "image", "tts", "stt", "tools", "vision", "list-models", "batch"])  # ABI 1.5: openai only
        doc = self.webox("plugins", "info", "mistral", "--json", check=0).json()
        self.assertEqual(doc["capabilities"], ["chat", "chat-stream", "embed", "tools", "list-models"])
        doc = self.webox("plugins", "info", "groq", "--json", check=0).json()
        self.assertEqual(doc["capabilities"], ["chat", "chat-stream", "tools", "list-models"])

    def test_bad_plugins_are_refused_with_one_line(self):
        for case, reason in [("wrong_abi", "built for ABI 2"), ("no_entry", "does not export"),
                             ("cap_without_slot", "has no function"), ("id_mismatch", "differs")]:
            r = self.webox("--plugin-dir", BAD_PLUGINS, "plugins", "info", case, check=1)
            self.assertIn(reason, r.err)
            self.assertEqual(r.err.count("\n"), 1, r.err)
        r = self.webox("--plugin-dir", BAD_PLUGINS, "plugins", "list", check=0)
        self.assertIn("manifest_abi2", r.err)
        # A refused plugin used for chat is a clear error, not a crash.
        r = self.webox("--plugin-dir", BAD_PLUGINS, "chat", "-m", "wrong_abi:x", "hi", check=1)
        self.assertIn("built for ABI 2", r.err)

    def test_never_the_current_directory(self):
        # A plugin folder in the working directory is not picked up.
        os.makedirs(os.path.join(self.home, "work", "evil"))
        with open(os.path.join(self.home, "work", "evil", "plugin.json"), "w") as f:
            f.write('{"id":"evil","version":"1","abi":{"major":1}}')
        r = subprocess.run([WEBOX, "plugins", "list", "--json"], cwd=os.path.join(self.home, "work"),
                           env=dict(self.env, WEBOX_PLUGIN_PATH=".:evil"), capture_output=True, text=True)
        self.assertNotIn("evil", [p["id"] for p in json.loads(r.stdout)["plugins"]])

    def test_path(self):
        r = self.webox("plugins", "path", check=0)
        self.assertIn(os.path.join(self.home, "data", "webox", "plugins"), r.out)


class ModelsConfigTest(WeboxTestCase):
    def test_models_and_aliases(self):
        self.write_config("default_model: echo:echo\naliases:\n  rapide: echo:slow\n")
        doc = self.webox("models", "--json", check=0).json()
        self.assertEqual(doc["default"], "echo:echo")
        listed = {m["model"]: m for m in doc["models"]}
        self.assertEqual(listed["openai:gpt-4o-mini"]["provider"], "openai")
        self.assertEqual(listed["openai:gpt-4o-mini"]["source"], "manifest")
        self.assertEqual(doc["aliases"], {"rapide": "echo:slow"})
        r = self.webox("chat", "-m", "rapide", "--json", "-o", "delay_ms=0", "x", check=0)
        self.assertEqual(r.json()["model"], "echo:slow")
        r = self.webox("chat", "x", check=0)  # the configured default model
        self.assertEqual(r.out, "x\n")

    def test_bad_config_names_line_and_column(self):
        self.write_config("default_model: echo\nprovders: {}\n")
        r = self.webox("chat", "-m", "echo", "x", check=4)
        self.assertIn("config.yaml:2:1: unknown setting 'provders'", r.err)

    def test_custom_openai_compatible_provider(self):
        self.write_config(f"providers:\n  lmstudio:\n    type: openai\n    base_url: http://127.0.0.1:{free_port()}/v1\n"
                          "    api_key_env: LMSTUDIO_KEY\n")
        r = self.webox("chat", "-m", "lmstudio:qwen", "x", check=4)
        self.assertIn("LMSTUDIO_KEY", r.err)

    def test_explain_shows_sources_never_values(self):
        self.write_config("default_model: echo:echo\n")
        r = self.webox("config", "explain", "--json",
                       env={"OPENAI_API_KEY": "sk-explain-SECRET-999", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
                       check=0)
        self.assertNotIn("sk-explain-SECRET-999", r.out)
        settings = {s["setting"]: s for s in r.json()}
        self.assertEqual(settings["default_model"]["source"], "file")
        self.assertEqual(settings["openai.key"]["source"], "env OPENAI_API_KEY")
        self.assertEqual(settings["openai.base_url"]["source"], "env OPENAI_BASE_URL")
        self.assertEqual(settings["anthropic.key"]["source"], "missing")

    def test_version_and_help(self):
        self.assertRegex(self.webox("--version", check=0).out, r"^webox \d+\.\d+\.\d+\n$")
        r = self.webox("chat", "--help", check=0)
        self.assertIn("Examples:", r.out)


class OfflineChatStartupTest(WeboxTestCase):
    """A chat that sends nothing over the network does not start OpenSSL
    (issue 22): its random conversation id comes from the kernel, not from
    OpenSSL's generator, whose first use loaded the OpenSSL configuration
    and instantiated its DRBG (0.3 MB of a chat's RSS)."""

    def test_chat_with_an_offline_model_does_not_initialise_openssl(self):
        conf = os.path.join(self.home, "openssl.cnf")
        with open(conf, "w") as f:
            # Any initialisation of OpenSSL fails with this configuration.
            f.write("config_diagnostics = 1\nopenssl_conf = openssl_init\n[openssl_init]\n"
                    "providers = provider_sect\n[provider_sect]\nwebox_no_such = no_such_sect\n"
                    "[no_such_sect]\nactivate = 1\n")
        r = self.webox("chat", "-m", "echo:echo", "hello", env={"OPENSSL_CONF": conf}, check=0)
        self.assertEqual(r.out.strip(), "hello")
        self.assertIn("hello", self.webox("logs", "-n", "1", check=0).out)


if __name__ == "__main__":
    main()
