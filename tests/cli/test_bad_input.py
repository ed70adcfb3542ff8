#!/usr/bin/env python3
"""Bad input at the edges: each case is one command line (with its standard
input, environment and configuration), the exit code the man pages give, and
a pattern for the ONE line it prints on stderr. No case may print an internal
error (a C++ exception's text) or more than one line.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FORBIDDEN = ("internal error", "json.exception", "basic_filebuf", "what()")

WORKFLOW = """
inputs:
  doc: {type: file, required: true}
steps:
  - id: say
    model: echo
    prompt: "{{inputs.doc}}"
"""

# (name, argv, stdin bytes, extra environment, config text, exit code, stderr pattern).
# In argv, stdin and config, "{dir}" is a folder that exists and "{wf}" a workflow file.
CASES = [
    # Item 10: text that is not UTF-8, named where it came in.
    ("prompt argument", [b"chat", b"-m", b"echo", b"caf\xe9"], None, {}, None, 2,
     r"^webox: error: the prompt argument is not valid UTF-8 \(byte 3\)$"),
    ("model name", [b"chat", b"-m", b"ech\xff", b"hi"], None, {}, None, 2,
     r"^webox: error: --model is not valid UTF-8 \(byte 3\)$"),
    ("system prompt", [b"chat", b"-m", b"echo", b"-s", b"\xc3(", b"hi"], None, {}, None, 2,
     r"^webox: error: --system is not valid UTF-8 \(byte 0\)$"),
    ("chat stdin", [b"chat", b"-m", b"echo"], b"bonjour\n\xc3\xa9t\xe9", {}, None, 2,
     r"^webox: error: standard input is not valid UTF-8 \(byte 11\)$"),
    ("compare stdin", [b"compare", b"-m", b"echo", b"-m", b"echo", b"--no-log"], b"ok \xff", {}, None, 2,
     r"^webox: error: standard input is not valid UTF-8 \(byte 3\)$"),
    ("workflow --var", [b"workflow", b"run", b"{wf}", b"--var", b"doc=\xff", b"--dry-run"], None, {}, None, 2,
     r"^webox: error: --var is not valid UTF-8 \(byte 4\)$"),
    ("config", [b"chat", b"-m", b"echo", b"hi"], None, {}, b"aliases:\n  fast: caf\xe9:x\n", 4,
     r"^webox: error: .*config\.yaml:2:12: not valid UTF-8 \(byte 20\)$"),
    # Item 11: files that are folders, numbers out of range, empty model names.
    ("WEBOX_CONFIG folder", [b"chat", b"-m", b"echo", b"hi"], None, {"WEBOX_CONFIG": "{dir}"}, None, 4,
     r"^webox: error: configuration file .+ is a folder; give a file$"),
    ("--from folder", [b"scrape-interactions", b"--from", b"{dir}"], None, {}, None, 2,
     r"^webox: error: --from .+ is a folder; give a file$"),
    ("workflow file folder", [b"workflow", b"run", b"{dir}/"], None, {}, None, 2,
     r"^webox: error: workflow .+ is a folder; give a file$"),
    ("workflow input folder", [b"workflow", b"run", b"{wf}", b"--var", b"doc=@{dir}", b"--dry-run"], None, {},
     None, 2, r"^webox: error: input 'doc' file .+ is a folder; give a file$"),
    ("logs export to a folder", [b"logs", b"export", b"last", b"--output", b"{dir}"], None, {}, None, 2,
     r"^webox: error: --output .+ is a folder; give a file name$"),
    ("negative --max-tokens", [b"chat", b"-m", b"echo", b"--max-tokens", b"-5", b"hi"], None, {}, None, 2,
     r"^webox: error: --max-tokens: must be a whole number of at least 1, not '-5' \(see `webox chat --help`\)$"),
    ("zero --max-tokens", [b"chat", b"-m", b"echo", b"--max-tokens", b"0", b"hi"], None, {}, None, 2,
     r"^webox: error: --max-tokens: must be a whole number of at least 1, not '0'"),
    ("compare --max-tokens", [b"compare", b"-m", b"echo", b"--max-tokens", b"-1", b"hi"], None, {}, None, 2,
     r"^webox: error: --max-tokens: must be a whole number of at least 1"),
    ("--temperature too high", [b"chat", b"-m", b"echo", b"--temperature", b"3", b"hi"], None, {}, None, 2,
     r"^webox: error: --temperature: must be a number from 0 to 2, not '3'"),
    ("--temperature negative", [b"compare", b"-m", b"echo", b"--temperature", b"-0.5", b"hi"], None, {}, None, 2,
     r"^webox: error: --temperature: must be a number from 0 to 2, not '-0.5'"),
    ("negative --max-cost", [b"chat", b"-m", b"echo", b"--max-cost", b"-1", b"hi"], None, {}, None, 2,
     r"^webox: error: --max-cost: must be a number of at least 0, not '-1'"),
    ("--jobs 0", [b"workflow", b"run", b"{wf}", b"--jobs", b"0", b"--var", b"doc=@{wf}", b"--dry-run"], None, {},
     None, 2, r"^webox: error: --jobs: must be a whole number from 1 to 256, not '0'"),
    ("--jobs too many", [b"workflow", b"run", b"{wf}", b"-j", b"257", b"--dry-run"], None, {}, None, 2,
     r"^webox: error: --jobs: must be a whole number from 1 to 256, not '257'"),
    ("tts --speed", [b"tts", b"--speed", b"10", b"hi"], None, {}, None, 2,
     r"^webox: error: --speed: must be a number from 0.25 to 4, not '10'"),
    ("leads export --batch 0", [b"leads", b"export", b"--batch", b"0"], None, {}, None, 2,
     r"^webox: error: --batch: must be a whole number of at least 1, not '0'"),
    ("empty -m", [b"chat", b"-m", b"", b"hi"], None, {}, None, 2,
     r"^webox: error: --model: empty model name \(give provider:model, an alias or @chain\)$"),
    ("empty --fallback", [b"chat", b"-m", b"echo", b"--fallback", b"", b"hi"], None, {}, None, 2,
     r"^webox: error: --fallback: empty model name"),
    ("compare empty -m", [b"compare", b"-m", b"echo", b"-m", b"", b"hi"], None, {}, None, 2,
     r"^webox: error: --model: empty model name"),
    # Item 11: a key written twice in the configuration.
    ("duplicate config key", [b"chat", b"-m", b"echo", b"hi"], None, {}, b"default_model: echo\ndefault_model: openai:x\n",
     4, r"^webox: error: .*config\.yaml:2:1: 'default_model' is set twice in the same mapping$"),
    ("duplicate nested config key", [b"chat", b"-m", b"echo", b"hi"], None, {},
     b"providers:\n  openai:\n    base_url: http://127.0.0.1:9/v1\n    base_url: http://127.0.0.1:8/v1\n",
     4, r"^webox: error: .*config\.yaml:4:5: 'base_url' is set twice in the same mapping$"),
    # Item 2: the prompt limit.
    ("stdin over the limit", [b"chat", b"-m", b"echo"], b"x" * 101, {"WEBOX_MAX_PROMPT_BYTES": "100"}, None, 2,
     r"^webox: error: standard input is larger than the prompt limit of 100 bytes; "
     r"raise it with WEBOX_MAX_PROMPT_BYTES=BYTES$"),
    ("stdin and arguments over the limit", [b"chat", b"-m", b"echo", b"y" * 50], b"x" * 50,
     {"WEBOX_MAX_PROMPT_BYTES": "100"}, None, 2,
     r"^webox: error: the prompt \(standard input and arguments\) is larger than the prompt limit of 100 bytes"),
    ("compare stdin over the limit", [b"compare", b"-m", b"echo", b"--no-log"], b"x" * 2000,
     {"WEBOX_MAX_PROMPT_BYTES": "1024"}, None, 2,
     r"^webox: error: standard input is larger than the prompt limit of 1 KiB \(1024 bytes\)"),
    ("workflow input over the limit", [b"workflow", b"run", b"{wf}", b"--var", b"doc=@{wf}", b"--dry-run"], None,
     {"WEBOX_MAX_PROMPT_BYTES": "10"}, None, 2,
     r"^webox: error: input 'doc' file .+ is larger than the prompt limit of 10 bytes"),
    ("bad WEBOX_MAX_PROMPT_BYTES", [b"chat", b"-m", b"echo"], b"hi", {"WEBOX_MAX_PROMPT_BYTES": "lots"}, None, 2,
     r"^webox: error: WEBOX_MAX_PROMPT_BYTES must be a positive whole number, not 'lots'$"),
]


class BadInputTest(harness.WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.folder = tempfile.mkdtemp(dir=self.home)
        self.workflow = os.path.join(self.home, "wf.yaml")
        with open(self.workflow, "w") as f:
            f.write(WORKFLOW)

    def expand(self, value):
        if isinstance(value, bytes):
            return value.replace(b"{dir}", self.folder.encode()).replace(b"{wf}", self.workflow.encode())
        return value.replace("{dir}", self.folder).replace("{wf}", self.workflow)

    def run_raw(self, argv, stdin, env):
        """Runs webox with byte arguments and byte standard input."""
        e = dict(self.env)
        e.update({k: self.expand(v) for k, v in env.items()})
        proc = subprocess.run([harness.WEBOX.encode(), *[self.expand(a) for a in argv]],
                              input=stdin if stdin is not None else b"", capture_output=True, env=e, timeout=60)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    def test_each_case_exits_with_its_code_and_one_line(self):
        for name, argv, stdin, env, config, code, pattern in CASES:
            with self.subTest(name):
                config_file = os.path.join(self.home, "config", "webox", "config.yaml")
                if config is None:
                    if os.path.exists(config_file):
                        os.remove(config_file)
                else:
                    os.makedirs(os.path.dirname(config_file), exist_ok=True)
                    with open(config_file, "wb") as f:
                        f.write(config)
                exit_code, out, err = self.run_raw(argv, stdin, env)
                self.assertEqual(exit_code, code, f"stdout: {out!r}\nstderr: {err!r}")
                lines = err.splitlines()
                self.assertEqual(len(lines), 1, f"stderr is not one line: {err!r}")
                self.assertRegex(lines[0], pattern)
                for word in FORBIDDEN:
                    self.assertNotIn(word, err)

    def test_a_prompt_at_the_limit_is_accepted(self):
        exit_code, out, err = self.run_raw([b"chat", b"-m", b"echo", b"--no-log"], b"x" * 100,
                                           {"WEBOX_MAX_PROMPT_BYTES": "100"})
        self.assertEqual(exit_code, 0, err)
        self.assertIn("x" * 100, out)
        exit_code, out, err = self.run_raw([b"chat", b"-m", b"echo", b"--no-log", b"y" * 48], b"x" * 50,
                                           {"WEBOX_MAX_PROMPT_BYTES": "100"})
        self.assertEqual(exit_code, 0, err)

    def test_valid_utf8_everywhere_still_works(self):
        exit_code, out, err = self.run_raw([b"chat", b"-m", b"echo", b"--no-log", "Caf\u00e9 \U0001F600".encode()],
                                           "d\u00e9j\u00e0\n".encode(), {})
        self.assertEqual(exit_code, 0, err)
        self.assertIn("d\u00e9j\u00e0", out)
        self.assertIn("Caf\u00e9 \U0001F600", out)

    def test_a_file_name_that_is_not_utf8_is_still_a_file_name(self):
        # File and folder names may hold any bytes: only text is checked.
        name = os.path.join(self.home.encode(), b"caf\xe9.yaml")
        with open(name, "w") as f:
            f.write(WORKFLOW)
        exit_code, out, err = self.run_raw([b"workflow", b"run", name, b"--var", b"doc=@" + self.workflow.encode(),
                                            b"--dry-run"], None, {})
        # --var's value is text and holds no bad byte here; the workflow path is a file name.
        self.assertEqual(exit_code, 0, err)


if __name__ == "__main__":
    harness.main()
