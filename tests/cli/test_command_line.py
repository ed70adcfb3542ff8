#!/usr/bin/env python3
"""One command line (issue 18 item 7): one meaning per short flag, `webox`
alone, usage errors that name the subcommand's help, --json honoured or
refused, media in `webox stats`."""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DEPRECATED = "deprecated"


class CommandLineTest(harness.WeboxTestCase):
    def out(self, name):
        return os.path.join(self.home, name)

    # --- webox alone, usage errors ----------------------------------------------

    def test_webox_alone_prints_the_help_and_exits_0(self):
        r = self.webox(check=0)
        self.assertIn("chat", r.out)
        self.assertIn("logs", r.out)
        self.assertIn("Examples:", r.out)
        self.assertEqual(r.err, "")

    def test_a_usage_error_names_the_subcommands_help(self):
        r = self.webox("tts", "--speed", "9", "x", check=2)
        self.assertIn("(see `webox tts --help`)", r.err)
        r = self.webox("logs", "export", check=2)  # CID missing
        self.assertIn("(see `webox logs export --help`)", r.err)
        r = self.webox("chat", "--no-such-flag", "x", check=2)
        self.assertIn("(see `webox chat --help`)", r.err)
        r = self.webox("--no-such-flag", check=2)
        self.assertIn("(see `webox --help`)", r.err)
        r = self.webox("chta", check=2)
        self.assertIn("did you mean 'chat'", r.err)
        self.assertIn("(see `webox --help`)", r.err)

    def test_an_option_of_the_parent_command_is_refused_after_a_subcommand(self):
        # Parsed as `webox logs --cid X` and silently ignored before.
        r = self.webox("logs", "export", "last", "--cid", "X", check=2)
        self.assertIn("--cid is not an option of `webox logs export`", r.err)
        self.assertIn("webox logs export --help", r.err)
        self.webox("logs", "path", "-n", "3", check=2)
        # Global flags still go anywhere.
        self.webox("logs", "path", "-q", check=0)
        self.webox("-v", "logs", "path", check=0)

    # --- --json -----------------------------------------------------------------

    def test_logs_path_json(self):
        r = self.webox("logs", "path", "--json", check=0)
        self.assertEqual(r.json(), {"path": os.path.join(self.home, "data", "webox", "webox.db")})

    def test_logs_export_json_is_format_json(self):
        self.webox("chat", "-m", "echo:echo", "hello", check=0)
        doc = self.webox("logs", "export", "last", "--json", check=0).json()
        self.assertEqual(doc["calls"][0]["prompt"], "hello")
        r = self.webox("logs", "export", "last", "--json", "--format", "md", check=2)
        self.assertIn("--format", r.err)

    def test_json_and_audio_on_stdout_are_refused(self):
        r = self.webox("tts", "hello", "--output", "-", "--json", check=2)
        self.assertIn("--json and --output -", r.err)
        self.assertEqual(r.out, "")

    # --- short flags ---------------------------------------------------------------

    def test_output_is_spelled_long_and_old_o_warns_once(self):
        wav = self.out("a.wav")
        r = self.webox("tts", "--voice", "en", "hello", "--output", wav, check=0)
        self.assertEqual(r.out.strip(), wav)
        self.assertNotIn(DEPRECATED, r.err)
        r = self.webox("tts", "-v", "en", "hello", "-o", self.out("b.wav"), check=0)
        self.assertTrue(os.path.exists(self.out("b.wav")))
        self.assertEqual(r.err.count("-o in `webox tts` is deprecated"), 1, r)
        self.assertEqual(r.err.count("-v in `webox tts` is deprecated"), 1, r)
        self.assertIn("--output", r.err)
        # -q silences it.
        r = self.webox("-q", "tts", "hello", "-o", self.out("e.wav"), check=0)
        self.assertEqual(r.err, "")

    def test_logs_export_output(self):
        self.webox("chat", "-m", "echo:echo", "hello", check=0)
        f = self.out("c.md")
        r = self.webox("logs", "export", "last", "--output", f, check=0)
        self.assertNotIn(DEPRECATED, r.err)
        with open(f) as text:
            self.assertIn("hello", text.read())
        r = self.webox("logs", "export", "last", "-o", self.out("d.md"), check=0)
        self.assertIn("-o in `webox logs export` is deprecated", r.err)
        self.assertTrue(os.path.exists(self.out("d.md")))

    def test_scrape_interactions_p_is_deprecated(self):
        # -p is --provider (models); scrape-interactions spells --platform.
        r = self.webox("scrape-interactions", "-p", "nosuch", check=None)
        self.assertIn("-p in `webox scrape-interactions` is deprecated", r.err)
        r2 = self.webox("scrape-interactions", "--platform", "nosuch", check=None)
        self.assertEqual(r.code, r2.code)
        self.assertNotIn(DEPRECATED, r2.err)

    def test_leads_export_and_generate_image_take_output(self):
        for cmd in (["leads", "export"], ["generate-image", "-m", "sdwebui", "x"]):
            r = self.webox(*cmd, "--help", check=0)
            self.assertIn("--output", r.out)
            self.assertNotIn("-o,", r.out)
        self.assertIn("-o,--option", self.webox("chat", "--help", check=0).out)
        r = self.webox("leads", "export", "--output", self.out("l.csv"), check=0)
        self.assertNotIn(DEPRECATED, r.err)
        r = self.webox("leads", "export", "-o", self.out("m.csv"), check=0)
        self.assertIn(DEPRECATED, r.err)

    def test_no_short_flag_has_two_meanings(self):
        """Walks every command's --help: a short flag means one long option."""
        seen = {}
        top = self.webox("--help", check=0).out
        commands = []
        for line in top.split("SUBCOMMANDS:")[-1].splitlines():
            word = line.strip().split(" ")[0]
            if word and word.isascii() and word[0].isalpha() and not line.startswith("Examples"):
                commands.append([word])
        more = []
        for cmd in commands:
            text = self.webox(*cmd, "--help", check=0).out
            if "SUBCOMMANDS:" in text:
                for line in text.split("SUBCOMMANDS:")[-1].splitlines():
                    word = line.strip().split(" ")[0]
                    if word and word[0].isalpha() and line.startswith("  ") and not line.startswith("   "):
                        more.append(cmd + [word])
        for cmd in commands + more:
            r = self.webox(*cmd, "--help", check=None)
            for line in r.out.splitlines():
                parts = line.strip().split()
                if not parts or not parts[0].startswith("-") or parts[0].startswith("--"):
                    continue
                names = parts[0].split(",")
                short = names[0]
                longs = [n for n in names[1:] if n.startswith("--")]
                if len(short) != 2 or not longs or short == "-h":
                    continue
                seen.setdefault(short, {}).setdefault(longs[0], []).append(" ".join(cmd))
        # -n counts (--count or --limit): the same meaning, two spellings.
        clashes = {s: m for s, m in seen.items() if len(m) > 1 and set(m) != {"--count", "--limit"}}
        self.assertEqual(clashes, {})
        self.assertIn("-o", seen)
        self.assertEqual(set(seen["-o"]), {"--option"})

    # --- stats counts media ---------------------------------------------------------

    def test_stats_counts_media(self):
        self.webox("tts", "hello", "--output", self.out("a.wav"), check=0)
        self.webox("tts", "again", "--output", self.out("b.wav"), check=0)
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as db:
            for cost in (0.04, 0.04, None):
                db.execute("INSERT INTO media(kind, provider, model, prompt, file_path, bytes, cost, created_at) "
                           "VALUES('image', 'openai', 'gpt-image-1', 'p', '/x.png', 1, ?, "
                           "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", (cost,))
            db.execute("INSERT INTO media(kind, provider, model, prompt, file_path, bytes, cost, created_at) "
                       "VALUES('audio', 'elevenlabs', 'eleven_multilingual_v2', 'p', '/x.mp3', 1, NULL, "
                       "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
        doc = self.webox("stats", "--json", check=0).json()
        media = {(m["kind"], m["model"]): m for m in doc["media"]}
        self.assertEqual(media[("speech", "espeak:espeak-ng")]["items"], 2)
        self.assertEqual(media[("speech", "espeak:espeak-ng")]["unpriced_items"], 0)  # free: data/prices.json "media"
        self.assertEqual(media[("speech", "espeak:espeak-ng")]["cost"], 0)
        image = media[("image", "openai:gpt-image-1")]
        self.assertEqual(image["items"], 3)
        self.assertAlmostEqual(image["cost"], 0.08)
        self.assertEqual(image["unpriced_items"], 1)
        r = self.webox("stats", check=0)
        self.assertIn("speech", r.out)
        self.assertIn("$0.0800 (+1 unpriced)", r.out)
        self.assertIn("unknown", r.out)


class LazyCommandTreeTest(harness.WeboxTestCase):
    """A run builds only the invoked command's options (issue 22); the line
    must still be read as when every command was built."""

    def db_path(self):
        return os.path.join(self.home, "data", "webox", "webox.db")

    def test_a_global_option_value_naming_a_command_is_a_value(self):
        for line in (["--plugin-dir", "chat", "logs", "path"], ["--plugin-dir=chat", "logs", "path"],
                     ["-vq", "--plugin-dir", "logs", "logs", "path"], ["logs", "path", "--plugin-dir", "chat"]):
            r = self.webox(*line, check=0)
            self.assertEqual(r.out.strip(), self.db_path(), line)

    def test_usage_errors_name_the_same_help(self):
        r = self.webox("--no-such-flag", "logs", "path", check=2)
        self.assertIn("--no-such-flag", r.err)
        self.assertIn("(see `webox logs path --help`)", r.err)
        r = self.webox("--plugin-dir", check=2)
        self.assertIn("(see `webox --help`)", r.err)
        r = self.webox("chat", "logs", "-m", "echo", check=None)  # "logs" is chat's prompt
        self.assertNotIn("webox logs", r.err)
        r = self.webox("--", "chat", check=2)
        self.assertIn("(see `webox --help`)", r.err)

    def test_help_of_a_command_lists_what_completion_knows(self):
        """`webox CMD --help` (that command alone built) and the completion
        script (every command built) agree on each command's options."""
        script = self.webox("completions", "fish", check=0).out

        def completed(path):
            return set(re.findall(r"__webox_at \"%s\"' [^\n]*?-l ([a-z][a-z0-9-]*)" % path, script))

        globals_ = completed("")
        for command in ("chat", "logs", "logs search", "leads", "leads dm", "rag", "completions"):
            helped = set(re.findall(r"(?m)^ +(?:-\w,)?--([a-z][a-z0-9-]*)",
                                    self.webox(*command.split(), "--help", check=0).out))
            self.assertEqual(completed(command) - globals_, helped - globals_, command)
        self.assertIn("model", completed("chat"))
        self.assertIn("template", completed("leads dm"))
        leads = self.webox("leads", "--help", check=0).out
        for name in ("list", "dm", "export", "optout", "sequence", "stats", "forget"):
            self.assertIn("  " + name + " ", leads)


if __name__ == "__main__":
    harness.main()
