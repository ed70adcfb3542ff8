#!/usr/bin/env python3
"""webox keys: set (stdin and terminal), list, remove, path; file modes,
encryption at rest, WEBOX_SECRET_KEY, and a stored key reaching a provider.
"""
import base64
import json
import os
import pty
import select
import signal
import stat
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

VALUE = "sk-test-0123456789-recognisable-secret"
HEX_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


class KeysTest(harness.WeboxTestCase):
    def config_dir(self):
        return os.path.join(self.home, "config", "webox")

    def keys_file(self):
        return os.path.join(self.config_dir(), "keys.json")

    def secret_file(self):
        return os.path.join(self.config_dir(), "secret.key")

    def set_key(self, name, value, check=0, env=None):
        return self.webox("keys", "set", name, stdin=value, env=env, check=check)

    def mode(self, path):
        return stat.S_IMODE(os.stat(path).st_mode)

    # --- set / list / remove ------------------------------------------------------

    def test_set_from_stdin_then_list_shows_names_only(self):
        r = self.set_key("openai", VALUE + "\n")
        self.assertNotIn(VALUE, r.out + r.err)
        self.set_key("ANTHROPIC_API_KEY", "sk-ant-other\n")
        r = self.webox("keys", "list", check=0)
        # A provider's key is listed under its variable, however it was set.
        self.assertEqual(r.out, "ANTHROPIC_API_KEY\nOPENAI_API_KEY\n")
        self.assertNotIn(VALUE, r.out + r.err)
        r = self.webox("keys", "list", "--json", check=0)
        self.assertEqual(r.json(), ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"])
        self.assertNotIn(VALUE, r.out + r.err)

    def test_list_when_empty(self):
        r = self.webox("keys", "list", check=0)
        self.assertEqual(r.out, "")
        self.assertIn("no keys stored", r.err)
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), [])

    def test_files_are_private(self):
        self.set_key("openai", VALUE)
        self.assertEqual(self.mode(self.keys_file()), 0o600)
        self.assertEqual(self.mode(self.secret_file()), 0o600)
        self.assertEqual(self.mode(self.config_dir()), 0o700)

    def test_value_is_nowhere_in_plain_text(self):
        self.set_key("openai", VALUE + "\n")
        self.webox("keys", "list", check=0)
        needles = [VALUE.encode(), base64.b64encode(VALUE.encode()), VALUE.encode().hex().encode()]
        checked = 0
        for root, _dirs, files in os.walk(self.home):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    content = f.read()
                checked += 1
                for needle in needles:
                    self.assertNotIn(needle, content, os.path.join(root, name))
        self.assertGreaterEqual(checked, 2)

    def test_replace_keeps_one_entry(self):
        self.set_key("openai", "first")
        self.set_key("openai", "second")
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), ["OPENAI_API_KEY"])

    def test_both_spellings_of_a_provider_key_are_one_entry(self):
        self.set_key("openai", "first")
        self.set_key("OPENAI_API_KEY", "second")
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), ["OPENAI_API_KEY"])
        self.set_key("openai", "third")
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), ["OPENAI_API_KEY"])
        with open(self.keys_file()) as f:
            self.assertEqual(list(json.load(f)["entries"]), ["OPENAI_API_KEY"])
        # Either spelling removes it.
        self.webox("keys", "rm", "openai", check=0)
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), [])
        self.set_key("openai", "fourth")
        self.webox("keys", "remove", "OPENAI_API_KEY", check=0)
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), [])

    def test_a_store_holding_both_spellings_lists_one_and_uses_the_variable(self):
        fake = self.fake_llm_or_skip()
        # A store written before keys had one name: a configuration that made
        # `openai` an alias of another plugin let both entries exist.
        self.write_config("providers:\n  openai: {type: anthropic}\n")
        self.set_key("openai", "old-key")
        self.set_key("OPENAI_API_KEY", "test-key")  # the key the fake accepts
        os.remove(os.path.join(self.config_dir(), "config.yaml"))
        with open(self.keys_file()) as f:
            self.assertEqual(sorted(json.load(f)["entries"]), ["OPENAI_API_KEY", "openai"])
        self.assertEqual(self.webox("keys", "list", check=0).out, "OPENAI_API_KEY\n")
        r = self.chat_openai(fake, "which key")
        self.assertEqual(r.code, 0, r)
        auth = [q["headers"].get("authorization") for q in fake.requests()]
        self.assertEqual(auth, ["Bearer test-key"])
        # Removing either spelling removes both entries.
        self.webox("keys", "rm", "openai", check=0)
        with open(self.keys_file()) as f:
            self.assertEqual(json.load(f)["entries"], {})

    def test_a_refused_store_is_said_once_with_its_fix(self):
        self.set_key("openai", VALUE)
        os.chmod(self.keys_file(), 0o644)
        r = self.webox("chat", "-m", "openai:gpt-4o-mini", "hi", check=4,
                       env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
        self.assertEqual(len(r.err.splitlines()), 1, r)
        self.assertIn("chmod 600 " + self.keys_file(), r.err)
        self.assertNotIn("no API key", r.err)
        self.assertNotIn("keys set", r.err)

    def test_remove(self):
        self.set_key("openai", VALUE)
        self.webox("keys", "remove", "openai", check=0)
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), [])
        r = self.webox("keys", "remove", "openai", check=2)
        self.assertIn("openai", r.err)

    def test_remove_missing_name_exits_2(self):
        r = self.webox("keys", "remove", "never-set", check=2)
        self.assertIn("never-set", r.err)

    def test_invalid_names_and_empty_values_are_usage_errors(self):
        for bad in ("a b", "x/y", "key$", ""):
            self.set_key(bad, "value", check=2)
        for empty in ("", "\n"):
            r = self.set_key("openai", empty, check=2)
            self.assertIn("empty", r.err)
        self.assertFalse(os.path.exists(self.keys_file()))

    def test_path(self):
        r = self.webox("keys", "path", check=0)
        self.assertEqual(r.out, self.keys_file() + "\n")

    def test_help_ends_with_examples(self):
        for args in (["keys"], ["keys", "set"], ["keys", "list"], ["keys", "remove"],
                     ["keys", "path"]):
            r = self.webox(*args, "--help", check=0)
            self.assertIn("Examples:", r.out + r.err, args)

    # --- permissions ----------------------------------------------------------------

    def test_world_readable_keys_file_is_refused(self):
        self.set_key("openai", VALUE)
        os.chmod(self.keys_file(), 0o644)
        for args in (["keys", "list"], ["keys", "set", "other"]):
            r = self.webox(*args, stdin="v", check=4)
            self.assertIn(self.keys_file(), r.err)
            self.assertIn("chmod 600", r.err)

    def test_group_readable_secret_key_is_refused(self):
        self.set_key("openai", VALUE)
        os.chmod(self.secret_file(), 0o640)
        r = self.set_key("other", "v", check=4)
        self.assertIn("secret.key", r.err)
        self.assertIn("chmod 600", r.err)

    # --- WEBOX_SECRET_KEY -------------------------------------------------------------

    def test_secret_key_from_environment(self):
        env = {"WEBOX_SECRET_KEY": HEX_KEY}
        self.set_key("openai", VALUE, env=env)
        self.assertFalse(os.path.exists(self.secret_file()))
        self.assertEqual(self.webox("keys", "list", "--json", env=env, check=0).json(), ["OPENAI_API_KEY"])
        # The base64 form of the same 32 bytes is the same key: adding works.
        b64 = base64.b64encode(bytes.fromhex(HEX_KEY)).decode()
        self.set_key("second", "v", env={"WEBOX_SECRET_KEY": b64})
        # Another key cannot add to a store sealed with this one.
        other = "ff" * 32
        r = self.set_key("third", "v", env={"WEBOX_SECRET_KEY": other}, check=4)
        self.assertIn("decrypt", r.err)
        # Names stay listable whatever the key: they are not secret.
        self.assertEqual(self.webox("keys", "list", "--json", env=env, check=0).json(),
                         ["OPENAI_API_KEY", "second"])

    def test_invalid_secret_key_is_refused(self):
        for bad in ("short", "zz" * 32, base64.b64encode(b"x" * 16).decode()):
            r = self.set_key("openai", VALUE, env={"WEBOX_SECRET_KEY": bad}, check=4)
            self.assertIn("WEBOX_SECRET_KEY", r.err)
            self.assertNotIn(bad, r.err)
        self.assertFalse(os.path.exists(self.keys_file()))

    # --- the terminal prompt -----------------------------------------------------------

    def run_on_terminal(self, args, keystrokes):
        """Runs webox on a pseudo-terminal; returns (exit code, everything the
        terminal showed, echo flag seen while prompting, echo flag after exit)."""
        pid, fd = pty.fork()
        if pid == 0:  # child: the pty is stdin, stdout, stderr and the controlling tty
            try:
                os.execvpe(harness.WEBOX, [harness.WEBOX, *args], self.env)
            finally:
                os._exit(127)
        shown = b""
        try:
            shown += self.read_until(fd, b": ")
            echo_while_prompting = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
            os.write(fd, keystrokes)
            deadline = time.time() + 10
            status = None
            while status is None and time.time() < deadline:
                shown += self.drain(fd)
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
                time.sleep(0.02)
            if status is None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                self.fail("webox did not finish; terminal showed %r" % shown)
            shown += self.drain(fd)
            echo_after = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
            return os.waitstatus_to_exitcode(status), shown, echo_while_prompting, echo_after
        finally:
            os.close(fd)

    def read_until(self, fd, marker, timeout=10):
        data = b""
        deadline = time.time() + timeout
        while marker not in data and time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
        self.assertIn(marker, data)
        return data

    def drain(self, fd):
        data = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                return data
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                return data
            if not chunk:
                return data
            data += chunk

    def test_terminal_prompt_hides_the_value(self):
        code, shown, echo_while, echo_after = self.run_on_terminal(
            ["keys", "set", "openai"], VALUE.encode() + b"\n")
        self.assertEqual(code, 0, shown)
        self.assertIn(b"Enter key for openai: ", shown)
        self.assertFalse(echo_while, "echo must be off while the key is typed")
        self.assertNotIn(VALUE.encode(), shown)
        self.assertTrue(echo_after, "echo must be restored")
        self.assertEqual(self.webox("keys", "list", "--json", check=0).json(), ["OPENAI_API_KEY"])

    def test_ctrl_c_at_the_prompt_restores_echo(self):
        code, shown, echo_while, echo_after = self.run_on_terminal(
            ["keys", "set", "openai"], b"half-typed\x03")
        self.assertEqual(code, 130, shown)
        self.assertFalse(echo_while)
        self.assertTrue(echo_after, "echo must be restored after Ctrl-C")
        self.assertNotIn(b"half-typed", shown)
        self.assertFalse(os.path.exists(self.keys_file()))

    # --- a stored key reaches the provider ------------------------------------------------

    def fake_llm_or_skip(self):
        if not os.path.exists(os.path.join(harness.FAKES, "fake_llm.py")):
            self.skipTest("tests/fakes/fake_llm.py is not there yet")
        return self.start_fake("fake_llm.py")

    def chat_openai(self, fake, prompt="ping"):
        return self.webox("chat", "-m", "openai:echo", prompt,
                          env={"OPENAI_BASE_URL": fake.url + "/v1"})

    def test_key_stored_under_provider_id_is_used(self):
        fake = self.fake_llm_or_skip()
        # Without a key: the provider's missing-key error.
        r = self.chat_openai(fake)
        self.assertEqual(r.code, 4, r)
        # `echo` adds a newline; exactly one is stripped, so the key is exact.
        self.set_key("openai", "test-key\n")
        r = self.chat_openai(fake, "bonjour")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "bonjour\n")
        auth = [q["headers"].get("authorization") for q in fake.requests()]
        self.assertIn("Bearer test-key", auth)
        self.assertNotIn("test-key", r.err)

    def test_key_stored_under_variable_name_is_used(self):
        fake = self.fake_llm_or_skip()
        self.set_key("OPENAI_API_KEY", "test-key")
        r = self.chat_openai(fake, "hi there")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "hi there\n")

    def test_environment_wins_over_stored_key(self):
        fake = self.fake_llm_or_skip()
        self.set_key("openai", "test-key")
        r = self.webox("chat", "-m", "openai:echo", "x",
                       env={"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "wrong-key"})
        self.assertEqual(r.code, 4, r)


if __name__ == "__main__":
    harness.main()
