"""The chat REPL through the real binary on a pseudo-terminal (libedit reads
the terminal): slash commands, multi-line prompts, history across sessions.
Answers come from fake_llm's `echo` model, which answers the last user
message, so the requests it records show what each command changed."""
import fcntl
import os
import pty
import re
import select
import stat
import struct
import subprocess
import termios
import time

from harness import WEBOX, WeboxTestCase, main


class Repl:
    """webox chat on a pseudo-terminal: stdin, stdout and stderr."""

    def __init__(self, env, *args):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        self.proc = subprocess.Popen([WEBOX, "chat", *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.seen = ""
        self.start = self.expect("> ")  # what came before the first prompt

    def read(self, timeout=0.2):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return bool(chunk)

    def expect(self, text, timeout=15):
        """Reads until `text` appears after what was already matched; returns what came before it."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never came; the terminal showed:\n{self.seen}")
            self.read()
        before, _, self.seen = self.seen.partition(text)
        return before

    def line(self, text):
        """Types a line, waits for the next prompt; returns what was shown in between."""
        os.write(self.master, text.encode() + b"\r")
        self.expect(text)  # the terminal's echo of the typed line
        return self.expect("> ")

    def close(self):
        # /exit, a line: Ctrl-D raced libedit's switch of the terminal's mode
        # on a busy machine (a key typed while libedit sets the terminal up
        # can be flushed, or read as a character rather than as end of file).
        os.write(self.master, b"/exit\r")
        code = self.proc.wait(timeout=10)
        while self.read(0.05):
            pass
        os.close(self.master)
        return code


class ReplTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_llm.py")
        self.env.update({"OPENAI_BASE_URL": self.fake.url + "/v1", "OPENAI_API_KEY": "test-key", "TERM": "dumb"})

    def repl(self, *args):
        r = Repl(self.env, "-m", "openai:echo", *args)
        self.addCleanup(lambda: r.proc.poll() is None and r.proc.kill())
        return r

    def chat_bodies(self):
        return [q["body"] for q in self.fake.requests() if q["path"].endswith("/chat/completions")]

    def test_help_lists_every_command(self):
        r = self.repl()
        shown = r.line("/help")
        for usage in ("/help", "/model MODEL", "/system TEXT", "/temperature X", "/save FILE", "/clear", "/tokens",
                      "/exit"):
            self.assertIn(usage, shown)
        self.assertEqual(r.close(), 0)

    def test_unknown_command_is_not_sent(self):
        r = self.repl()
        shown = r.line("/frobnicate now")
        self.assertIn("webox: unknown command /frobnicate (/help lists them); nothing was sent", shown)
        self.assertIn("0 turns yet", r.line("/tokens"))
        self.assertIn("bonjour", r.line("bonjour"))
        self.assertEqual(r.close(), 0)
        bodies = self.chat_bodies()
        self.assertEqual(len(bodies), 1)
        self.assertEqual([m["content"] for m in bodies[0]["messages"]], ["bonjour"])

    def test_attach_goes_with_the_next_prompt_only(self):
        note = os.path.join(self.home, "note.md")
        with open(note, "w", encoding="utf-8") as f:
            f.write("le budget est de 42 euros\n")
        r = self.repl()
        shown = r.line("/attach " + os.path.join(self.home, "absent.md"))
        self.assertIn("no such file", shown)  # nothing staged, the session goes on
        self.assertIn("goes with the next prompt", r.line("/attach " + note))
        r.line("que dit le fichier ?")
        r.line("et sinon ?")
        self.assertEqual(r.close(), 0)
        bodies = self.chat_bodies()
        self.assertEqual(len(bodies), 2)
        first = bodies[0]["messages"][-1]["content"]
        self.assertIn("Attached file note.md:", first)
        self.assertIn("le budget est de 42 euros", first)
        self.assertIn("que dit le fichier ?", first)
        self.assertEqual(bodies[1]["messages"][-1]["content"], "et sinon ?")

    def test_pdf_mode_decides_how_attached_pdfs_go(self):
        import attachment_fixtures as fx
        doc = fx.write(os.path.join(self.home, "rapport.pdf"), fx.pdf(["Budget 12000 euros"]))
        r = Repl(self.env, "-m", "openai:gpt-4o")
        self.addCleanup(lambda: r.proc.poll() is None and r.proc.kill())
        self.assertIn("webox: PDFs go auto", r.line("/pdf"))
        self.assertIn("'whole' is not a PDF mode", r.line("/pdf whole"))
        r.line("/attach " + doc)
        r.line("que dit-il ?")  # auto: gpt-4o takes PDFs whole
        self.assertIn("webox: PDFs go text", r.line("/pdf text"))
        r.line("/attach " + doc)
        r.line("et en texte ?")
        self.assertEqual(r.close(), 0)
        bodies = self.chat_bodies()
        self.assertEqual(len(bodies), 2)
        whole = bodies[0]["messages"][-1]["content"]
        self.assertEqual(whole[1]["type"], "file")
        self.assertEqual(whole[1]["file"]["filename"], "rapport.pdf")
        text = bodies[1]["messages"][-1]["content"]
        self.assertIn("Attached PDF rapport.pdf (1 page), its text:", text)

    def test_a_slash_prompt_is_typed_with_two_slashes(self):
        r = self.repl()
        self.assertIn("/usr/bin contient quoi ?", r.line("//usr/bin contient quoi ?"))
        r.close()
        self.assertEqual(self.chat_bodies()[0]["messages"][-1]["content"], "/usr/bin contient quoi ?")

    def test_model_that_does_not_exist_keeps_the_previous_one(self):
        r = self.repl()
        self.assertIn("premier", r.line("premier"))
        shown = r.line("/model nosuchprovider:x")
        self.assertIn("webox: error:", shown)
        self.assertIn("model openai:echo", r.line("/model"))
        self.assertIn("second", r.line("second"))
        shown = r.line("/model openai:ok")
        self.assertIn("model openai:ok", shown)
        self.assertIn("Bonjour", r.line("troisième"))
        r.close()
        bodies = self.chat_bodies()
        self.assertEqual([b["model"] for b in bodies], ["echo", "echo", "ok"])
        # The conversation went on across both changes.
        self.assertEqual([m["content"] for m in bodies[2]["messages"] if m["role"] == "user"],
                         ["premier", "second", "troisième"])

    def test_system_temperature_tokens_save_and_clear(self):
        r = self.repl()
        self.assertIn("system prompt: Tu réponds en une phrase.", r.line("/system Tu réponds en une phrase."))
        self.assertIn("temperature 0.3", r.line("/temperature 0.3"))
        self.assertIn("/temperature expects a number from 0 to 2, got '3'", r.line("/temperature 3"))
        self.assertIn("/temperature expects a number from 0 to 2, got 'chaud'", r.line("/temperature chaud"))
        r.line("bonjour")
        tokens = r.line("/tokens")
        self.assertRegex(tokens, r"1 turn: 12 input \+ \d+ output tokens")
        path = os.path.join(self.home, "conversation.md")
        self.assertIn("saved to " + path, r.line("/save " + path))
        self.assertIn("/save expects a file name", r.line("/save"))
        self.assertIn("new conversation", r.line("/clear"))
        self.assertIn("0 turns yet", r.line("/tokens"))
        r.line("encore")
        self.assertEqual(r.close(), 0)

        bodies = self.chat_bodies()
        self.assertEqual(len(bodies), 2)
        self.assertEqual(bodies[0]["temperature"], 0.3)
        self.assertEqual(bodies[0]["messages"][0], {"role": "system", "content": "Tu réponds en une phrase."})
        # After /clear: the system prompt and temperature stay, the turns are gone.
        self.assertEqual([m["content"] for m in bodies[1]["messages"]], ["Tu réponds en une phrase.", "encore"])
        self.assertEqual(bodies[1]["temperature"], 0.3)
        with open(path, encoding="utf-8") as f:
            saved = f.read()
        self.assertEqual(saved, "# Conversation with openai:echo\n\n## System\n\nTu réponds en une phrase.\n\n"
                                "## You\n\nbonjour\n\n## openai:echo\n\nbonjour\n")
        # Two conversations in the log.
        logs = self.webox("logs", "--json", "-n", "5", check=0)
        self.assertEqual(len({c["conversation_id"] for c in logs.json()}), 2, logs)

    def test_multiline_block_is_one_prompt(self):
        r = self.repl()
        os.write(r.master, b'"""\r')
        r.expect("... ")
        for text in ("ligne un", "/model pas une commande"):
            os.write(r.master, text.encode() + b"\r")
            r.expect("... ")
        r.line('"""')
        r.close()
        self.assertEqual(self.chat_bodies()[0]["messages"][-1]["content"], "ligne un\n/model pas une commande")

    def test_a_pasted_block_is_one_prompt(self):
        # What a terminal in bracketed-paste mode sends (CR for each line break).
        r = self.repl()
        self.assertIn("\x1b[?2004h", r.start)  # asked of the terminal
        os.write(r.master, "dis: \x1b[200~ligne un\r/model pas une commande\rligne trois é\r\x1b[201~".encode())
        r.expect("ligne trois é")
        r.expect("> ")
        # A paste without a line break is typed in, to go on editing.
        os.write(r.master, "\x1b[200~mot collé\x1b[201~ et suite\r".encode())
        r.expect("> ")
        self.assertEqual(r.close(), 0)
        self.assertIn("\x1b[?2004l", r.seen)  # and given back on leaving
        prompts = [b["messages"][-1]["content"] for b in self.chat_bodies()]
        self.assertEqual(prompts, ["dis: ligne un\n/model pas une commande\nligne trois é", "mot collé et suite"])

    def test_history_is_private_and_kept_across_sessions(self):
        r = self.repl()
        r.line("une question mémorable")
        self.assertEqual(r.close(), 0)
        history = os.path.join(self.home, "state", "webox", "chat_history")
        self.assertEqual(stat.S_IMODE(os.stat(history).st_mode), 0o600)
        with open(history, encoding="utf-8", errors="replace") as f:
            self.assertIn("question\\040mémorable", f.read())  # libedit's format: spaces escaped
        # A second session starts with it: Ctrl-P twice recalls the line
        # before the last (the last is the /exit that ended the session).
        r = self.repl()
        os.write(r.master, b"\x10\x10\r")
        r.expect("une question mémorable")
        r.expect("> ")
        r.close()
        bodies = self.chat_bodies()
        self.assertEqual(bodies[-1]["messages"][-1]["content"], "une question mémorable")


if __name__ == "__main__":
    main()
