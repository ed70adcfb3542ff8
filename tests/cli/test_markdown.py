"""Markdown answers drawn on a terminal (webox chat, webox compare columns):
byte-exact when piped or with --raw, drawn with --render always or on a
pseudo-terminal, the same layout without colors under NO_COLOR. The answers
come from fake_llm's `echo` model, which streams the prompt back in
3-character deltas (so `**` and fences arrive split)."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time

from harness import WEBOX, WeboxTestCase, main

ANSWER = """# Titre

Un mot **important** et `du code`, voir [la doc](https://example.com/doc).

- un
- deux

| Nom | Âge |
|-----|----:|
| Zoé | 31 |

```python
print("ok")
```
"""


def width(line):
    """Terminal cells of a line of the test's text (no wide characters in it)."""
    return len(line)


class MarkdownRenderTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        fake = self.start_fake("fake_llm.py")
        self.env.update({"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "test-key", "COLUMNS": "50"})

    def test_piped_answer_is_byte_exact(self):
        r = self.webox("chat", "-m", "openai:echo", ANSWER, check=0)
        self.assertEqual(r.out, ANSWER + "\n")

    def test_render_always_draws_the_markdown(self):
        r = self.webox("chat", "-m", "openai:echo", "--render", "always", ANSWER, check=0)
        lines = r.out.split("\n")
        self.assertEqual(lines[0], "# Titre")
        self.assertIn("Un mot important et du code, voir la doc", r.out)
        self.assertIn("(https://example.com/doc).", r.out)
        self.assertIn("• un\n• deux\n", r.out)
        self.assertIn("│ Zoé │  31 │", r.out)
        self.assertIn("┌─ python ", r.out)
        self.assertIn('│ print("ok")', r.out)
        self.assertNotIn("**", r.out)
        self.assertNotIn("```", r.out)
        self.assertNotIn("\x1b", r.out)  # the harness sets NO_COLOR
        for line in lines:
            self.assertLessEqual(width(line), 49, line)  # COLUMNS - 1

    def test_a_split_double_star_is_bold_with_colors(self):
        # "Un mot **important**" reaches webox as "Un ", "mot", " **", "imp"...
        r = self.webox("chat", "-m", "openai:echo", "--render", "always", "Un mot **important** ici.",
                       env={"NO_COLOR": ""}, check=0)
        self.assertEqual(r.out, "Un mot \x1b[0;1mimportant\x1b[0m ici.\n")

    def test_no_color_keeps_the_layout(self):
        colored = self.webox("chat", "-m", "openai:echo", "--render", "always", ANSWER, env={"NO_COLOR": ""}, check=0)
        bare = self.webox("chat", "-m", "openai:echo", "--render", "always", ANSWER, check=0)
        import re
        self.assertIn("\x1b[", colored.out)
        self.assertEqual(re.sub(r"\x1b\[[0-9;]*m", "", colored.out), bare.out)

    def test_raw_and_bad_render_values(self):
        r = self.webox("chat", "-m", "openai:echo", "--raw", ANSWER, check=0)
        self.assertEqual(r.out, ANSWER + "\n")
        r = self.webox("chat", "-m", "openai:echo", "--render", "sometimes", "x", check=2)
        self.assertIn("--render: expected auto, always or never, got 'sometimes'", r.err)
        self.assertEqual(r.out, "")
        self.webox("chat", "-m", "openai:echo", "--raw", "--render", "always", "x", check=2)
        self.webox("compare", "-m", "echo", "--render", "sometimes", "x", check=2)

    def test_on_a_terminal_the_answer_is_drawn(self):
        out = self.run_on_pty([WEBOX, "chat", "-m", "openai:echo", ANSWER], columns=60)
        self.assertIn("┌─ python ", out)
        self.assertIn("• un", out)
        self.assertNotIn("**important**", out)
        out = self.run_on_pty([WEBOX, "chat", "-m", "openai:echo", "--raw", ANSWER], columns=60)
        self.assertIn("**important**", out)

    def test_compare_columns_draw_the_markdown(self):
        r = self.webox("compare", "-m", "echo", "-m", "echo:messages", "--render", "always", "Un **mot**", check=0)
        self.assertIn("Un mot", r.out)
        self.assertNotIn("**mot**", r.out.split("\n")[2])
        piped = self.webox("compare", "-m", "echo", "-m", "echo:messages", "Un **mot**", check=0)
        self.assertIn("Un **mot**", piped.out)

    def run_on_pty(self, argv, columns):
        """stdout and stderr on a pseudo-terminal of `columns` columns; what it showed."""
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        env = dict(self.env)
        env.pop("COLUMNS", None)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        os.close(master)
        self.assertEqual(proc.wait(timeout=10), 0, out)
        return out.decode("utf-8", "replace").replace("\r\n", "\n")


if __name__ == "__main__":
    main()
