"""Edges of tool use across providers: a conversation that used tools
continued (chat -c) with a model whose plugin cannot read tool messages,
and a failed tool's result marked as an error on Anthropic's wire
(tool_result.is_error, checked by tests/fakes/llm_tools.py)."""
import os
import unittest

from harness import WEBOX, WeboxTestCase, main

# The ABI tests' recorder plugin (tests/CMakeLists.txt): it chats, without the
# tools capability, and writes each request it gets to WEBOX_RECORDER_DIR.
RECORDER_PLUGINS = os.path.join(os.path.dirname(os.path.dirname(WEBOX)), "tests", "recorder-plugin")


class ToolEdgesTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.work = os.path.join(self.home, "work")
        os.makedirs(self.work)
        with open(os.path.join(self.work, "notes.md"), "w") as f:
            f.write("les notes")

    @unittest.skipUnless(os.path.isdir(RECORDER_PLUGINS), "the recorder plugin is built with webox_unit")
    def test_continue_with_a_plugin_that_cannot_read_tool_messages(self):
        self.webox("chat", "-m", "echo:tools", "--root", self.work, "--tool", "read_file",
                   'call read_file {"path": "notes.md"}', check=0)
        recorded = os.path.join(self.home, "recorded")
        os.makedirs(recorded)
        self.env.update({"WEBOX_PLUGIN_PATH": RECORDER_PLUGINS, "WEBOX_RECORDER_DIR": recorded})
        r = self.webox("chat", "-m", "recorder:any", "-c", "et ensuite ?", check=2)
        self.assertIn("recorder cannot continue this conversation", r.err)
        self.assertIn("tool calls", r.err)
        self.assertIn("'tools' capability", r.err)
        self.assertEqual(os.listdir(recorded), [])  # nothing reached the plugin
        # A conversation without tools still goes on with that plugin.
        self.webox("chat", "-m", "recorder:any", "bonjour", check=0)
        self.webox("chat", "-m", "recorder:any", "-c", "encore", check=0)

    def test_anthropic_error_result_is_flagged(self):
        fake = self.start_fake("fake_llm.py")
        self.env.update({"ANTHROPIC_BASE_URL": fake.url, "ANTHROPIC_API_KEY": "test-key"})
        # tools-one calls the first offered tool with {"city": ...}: read_file's
        # schema wants a path, so the call goes back as an error result.
        r = self.webox("chat", "-m", "anthropic:tools-one", "--root", self.work, "--tool", "read_file",
                       "--max-steps", "3", "météo ?", check=0)
        self.assertIn("Résultats : ", r.out)
        self.assertIn("[erreur]", r.out)
        # A tool that worked is not flagged (list_dir takes {"city": ...}: extra keys are allowed).
        r = self.webox("chat", "-m", "anthropic:tools-one", "--root", self.work, "--tool", "list_dir",
                       "--max-steps", "3", "météo ?", check=0)
        self.assertIn("notes.md", r.out)
        self.assertNotIn("[erreur]", r.out)


if __name__ == "__main__":
    main()
