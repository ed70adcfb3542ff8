#!/usr/bin/env python3
"""webox logs: listing calls, --json, --cid, export in every format, path.

Conversations are made through the real binary with the offline echo
provider, which answers with the prompt.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class LogsTest(harness.WeboxTestCase):
    def chat(self, prompt, *extra):
        r = self.webox("chat", "-m", "echo:echo", *extra, prompt, check=0)
        self.assertEqual(r.out, prompt + "\n", r)
        return r

    def logs_json(self, *args):
        r = self.webox("logs", "--json", *args, check=0)
        return r.json()

    def last_cid(self):
        return self.logs_json("-n", "1")[0]["conversation_id"]

    # --- listing ------------------------------------------------------------

    def test_nothing_logged_yet(self):
        r = self.webox("logs", check=0)
        self.assertEqual(r.out, "")
        self.assertIn("no calls", r.err)
        self.assertEqual(self.logs_json(), [])
        # Reading logs does not create the database.
        self.assertFalse(os.path.exists(os.path.join(self.home, "data", "webox", "webox.db")))

    def test_default_shows_three_newest_first(self):
        for i in range(1, 6):
            self.chat(f"prompt number {i}")
        r = self.webox("logs", check=0)
        for i in (5, 4, 3):
            self.assertIn(f"prompt number {i}", r.out)
        for i in (1, 2):
            self.assertNotIn(f"prompt number {i}", r.out)
        self.assertLess(r.out.index("prompt number 5"), r.out.index("prompt number 3"))
        self.assertIn("echo:echo", r.out)
        self.assertIn(" ms", r.out)

    def test_n_limits_and_zero_means_all(self):
        for i in range(1, 6):
            self.chat(f"p{i}")
        self.assertEqual([c["prompt"] for c in self.logs_json("-n", "2")], ["p5", "p4"])
        self.assertEqual(len(self.logs_json("-n", "0")), 5)
        r = self.webox("logs", "-n", "1", check=0)
        self.assertIn("p5", r.out)
        self.assertNotIn("p4", r.out)
        self.webox("logs", "-n", "-1", check=2)
        self.webox("logs", "-n", "many", check=2)

    def test_json_is_one_array_with_typed_fields(self):
        self.chat("hello")
        r = self.webox("logs", "--json", check=0)
        records = json.loads(r.out)  # the whole stdout is one document
        self.assertIsInstance(records, list)
        self.assertEqual(len(records), 1)
        rec = records[0]
        expected = {"id", "conversation_id", "model", "resolved_model", "system", "prompt",
                    "response", "options", "input_tokens", "output_tokens", "latency_ms",
                    "ttft_ms", "status", "error", "created_at"}
        self.assertTrue(expected <= set(rec), set(rec) ^ expected)
        self.assertIsInstance(rec["id"], int)
        self.assertRegex(rec["conversation_id"], ULID)
        self.assertEqual(rec["model"], "echo:echo")
        self.assertEqual(rec["prompt"], "hello")
        self.assertEqual(rec["response"], "hello")
        self.assertIsInstance(rec["resolved_model"], str)
        self.assertIsInstance(rec["system"], str)
        self.assertIsInstance(rec["options"], dict)
        for key in ("input_tokens", "output_tokens", "ttft_ms"):
            self.assertTrue(rec[key] is None or isinstance(rec[key], int), (key, rec[key]))
        self.assertIsInstance(rec["latency_ms"], int)
        self.assertGreaterEqual(rec["latency_ms"], 0)
        self.assertEqual(rec["status"], "ok")
        self.assertIsNone(rec["error"])
        self.assertRegex(rec["created_at"], ISO_UTC)

    def test_cid_filters_one_conversation(self):
        self.chat("first conversation")
        first = self.last_cid()
        self.chat("second conversation")
        second = self.last_cid()
        self.assertNotEqual(first, second)
        self.chat("second again", "-c")
        self.assertEqual(self.last_cid(), second)

        mine = self.logs_json("--cid", second, "-n", "0")
        self.assertEqual([c["prompt"] for c in mine], ["second again", "second conversation"])
        self.assertTrue(all(c["conversation_id"] == second for c in mine))
        only_first = self.logs_json("--cid", first)
        self.assertEqual([c["prompt"] for c in only_first], ["first conversation"])
        self.assertEqual(self.logs_json("--cid", "last", "-n", "0"), mine)

        r = self.webox("logs", "--cid", second, check=0)
        self.assertIn(second, r.out)
        self.assertNotIn("first conversation", r.out)

    def test_unknown_cid_is_a_usage_error(self):
        self.chat("hello")
        r = self.webox("logs", "--cid", "01AAAAAAAAAAAAAAAAAAAAAAAA", check=2)
        self.assertIn("no conversation 01AAAAAAAAAAAAAAAAAAAAAAAA", r.err)
        self.assertEqual(r.out, "")

    # --- export -----------------------------------------------------------------

    def make_conversation(self):
        self.chat("Say <b>hello</b> & \"quote\" 'single'")
        self.chat("second turn", "-c")
        return self.last_cid()

    def test_export_markdown_is_the_default(self):
        cid = self.make_conversation()
        md = self.webox("logs", "export", cid, check=0).out
        self.assertTrue(md.startswith("# Say <b>hello</b>"), md)
        self.assertIn(cid, md)
        self.assertIn("second turn", md)
        self.assertIn("echo:echo", md)
        self.assertEqual(md, self.webox("logs", "export", cid, "--format", "md", check=0).out)
        self.assertEqual(md, self.webox("logs", "export", "last", check=0).out)

    def test_export_json(self):
        cid = self.make_conversation()
        r = self.webox("logs", "export", cid, "--format", "json", check=0)
        self.assertIn('\n  "calls"', r.out)  # pretty-printed, 2 spaces
        doc = r.json()
        self.assertEqual(doc["conversation"]["id"], cid)
        self.assertEqual(doc["conversation"]["model"], "echo:echo")
        self.assertEqual([c["prompt"] for c in doc["calls"]],
                         ["Say <b>hello</b> & \"quote\" 'single'", "second turn"])
        self.assertEqual([c["response"] for c in doc["calls"]],
                         ["Say <b>hello</b> & \"quote\" 'single'", "second turn"])

    def test_export_html_is_standalone_and_escaped(self):
        cid = self.make_conversation()
        html = self.webox("logs", "export", cid, "--format", "html", check=0).out
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertIn('<meta charset="utf-8">', html)
        self.assertIn("</html>", html.rstrip()[-8:])
        self.assertNotIn("<b>hello", html)
        self.assertIn("Say &lt;b&gt;hello&lt;/b&gt; &amp; &quot;quote&quot; &#39;single&#39;", html)

    def test_export_html_neutralises_script(self):
        self.chat('<script>alert("pwned")</script>')
        html = self.webox("logs", "export", "last", "--format", "html", check=0).out
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;", html)

    def test_export_text(self):
        cid = self.make_conversation()
        txt = self.webox("logs", "export", cid, "--format", "txt", check=0).out
        self.assertIn("User:\nsecond turn\n", txt)
        self.assertIn("Assistant:\nsecond turn\n", txt)
        self.assertIn(cid, txt)

    def test_export_to_file(self):
        cid = self.make_conversation()
        outdir = os.path.join(self.home, "exports")
        os.mkdir(outdir)
        for fmt in ("json", "md", "html", "txt"):
            path = os.path.join(outdir, "conv." + fmt)
            r = self.webox("logs", "export", cid, "--format", fmt, "-o", path, check=0)
            self.assertEqual(r.out, "")
            with open(path, encoding="utf-8") as f:
                content = f.read()
            stdout = self.webox("logs", "export", cid, "--format", fmt, check=0).out
            self.assertEqual(content, stdout)
        # Overwriting works, and no temporary file is left behind.
        self.webox("logs", "export", cid, "-o", os.path.join(outdir, "conv.md"), check=0)
        self.assertEqual(sorted(os.listdir(outdir)),
                         ["conv.html", "conv.json", "conv.md", "conv.txt"])

    def test_export_to_unwritable_place_fails_cleanly(self):
        cid = self.make_conversation()
        r = self.webox("logs", "export", cid, "-o", os.path.join(self.home, "no", "such", "x.md"))
        self.assertNotEqual(r.code, 0)
        self.assertIn("cannot write", r.err)

    def test_export_unknown_cid(self):
        r = self.webox("logs", "export", "01AAAAAAAAAAAAAAAAAAAAAAAA", check=2)
        self.assertIn("no conversation 01AAAAAAAAAAAAAAAAAAAAAAAA", r.err)
        self.chat("hello")
        r = self.webox("logs", "export", "nope", check=2)
        self.assertIn("no conversation nope", r.err)
        self.assertEqual(r.out, "")

    def test_export_last_without_any_conversation(self):
        r = self.webox("logs", "export", "last", check=2)
        self.assertIn("no conversation", r.err)

    def test_export_unknown_format(self):
        self.chat("hello")
        self.webox("logs", "export", "last", "--format", "pdf", check=2)

    # --- path and help ------------------------------------------------------------

    @harness.sqlite_only
    def test_path(self):
        r = self.webox("logs", "path", check=0)
        self.assertEqual(r.out, os.path.join(self.home, "data", "webox", "webox.db") + "\n")
        custom = os.path.join(self.home, "elsewhere.db")
        r = self.webox("logs", "path", env={"WEBOX_DB": custom}, check=0)
        self.assertEqual(r.out, custom + "\n")

    def test_webox_db_is_honoured(self):
        custom = os.path.join(self.home, "custom", "my.db")
        self.webox("chat", "-m", "echo:echo", "stored elsewhere", env={"WEBOX_DB": custom}, check=0)
        self.assertTrue(os.path.exists(custom))
        self.assertEqual(os.stat(custom).st_mode & 0o777, 0o600)
        self.assertEqual(self.logs_json(), [])
        r = self.webox("logs", "--json", env={"WEBOX_DB": custom}, check=0)
        self.assertEqual(r.json()[0]["prompt"], "stored elsewhere")

    def test_help_ends_with_examples(self):
        for args in (["logs"], ["logs", "export"], ["logs", "path"]):
            r = self.webox(*args, "--help", check=0)
            self.assertIn("Examples:", r.out + r.err, args)


if __name__ == "__main__":
    harness.main()
