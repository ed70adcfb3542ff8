"""webox chat with tools, through the real binary and the echo provider's
deterministic tool mode (echo:tools): the agent loop, approval, limits,
built-in tools, Ctrl-C, memory and logs. Offline; http_get reaches only a
loopback server started here."""
import http.server
import json
import os
import signal
import subprocess
import threading
import time

from harness import WEBOX, WeboxTestCase, main


class BigBody(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"a" * (3 << 20)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class AgentTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.work = os.path.join(self.home, "work")
        os.makedirs(self.work)
        with open(os.path.join(self.work, "notes.md"), "w") as f:
            f.write("les notes")

    def chat(self, script, *flags, check=None, env=None):
        return self.webox("chat", "-m", "echo:tools", "--root", self.work, *flags, script, check=check, env=env) \
            if "--tool" in flags else self.webox("chat", "-m", "echo:tools", *flags, script, check=check, env=env)

    def test_read_file_round_trip(self):
        r = self.chat('call read_file {"path": "notes.md"}', "--tool", "read_file", check=0)
        self.assertEqual(r.out, "read_file: les notes\n\n")

    def test_json_carries_steps_and_calls(self):
        r = self.chat('call read_file {"path": "notes.md"}\ncall list_dir {}', "--tool", "read_file",
                      "--tool", "list_dir", "--json", check=0)
        doc = r.json()
        self.assertEqual(len(doc["steps"]), 1)
        calls = doc["steps"][0]["tool_calls"]
        self.assertEqual([c["name"] for c in calls], ["read_file", "list_dir"])
        self.assertEqual([c["status"] for c in calls], ["ok", "ok"])
        self.assertEqual(calls[0]["result_bytes"], len("les notes"))
        self.assertIn("read_file: les notes", doc["text"])

    def test_tool_calls_without_tools_are_never_silent(self):
        r = self.chat('call read_file {"path": "notes.md"}', check=1)
        self.assertIn("no tools are enabled", r.err)
        self.assertIn("read_file", r.err)
        r = self.chat('call read_file {"path": "notes.md"}', "--json", check=1)
        doc = r.json()
        self.assertEqual(doc["tool_calls"][0]["name"], "read_file")
        self.assertEqual(doc["finish_reason"], "tool_calls")

    def test_unknown_tool_exits_1(self):
        r = self.chat('call rm_rf {"path": "/"}', "--tool", "read_file", check=1)
        self.assertIn("rm_rf", r.err)
        self.assertIn("not one of the tools offered", r.err)

    def test_unknown_builtin_name_is_a_usage_error(self):
        r = self.chat("hello", "--tool", "format_disk", check=2)
        self.assertIn("format_disk", r.err)

    def test_write_file_refused_without_tty_or_permission(self):
        script = 'call write_file {"path": "out.txt", "content": "x"}'
        r = self.chat(script, "--tool", "write_file", check=2)
        self.assertIn("write_file", r.err)
        self.assertIn("--yes", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.work, "out.txt")))
        self.chat(script, "--tool", "write_file", "--yes", check=0)
        with open(os.path.join(self.work, "out.txt")) as f:
            self.assertEqual(f.read(), "x")

    def test_config_allow_list(self):
        self.write_config("tools:\n  allow: [write_*]\n")
        self.chat('call write_file {"path": "a.txt", "content": "y"}', "--tool", "write_file", check=0)
        self.assertTrue(os.path.exists(os.path.join(self.work, "a.txt")))
        self.write_config("tools:\n  allow: write_file\n")
        r = self.chat("hello", "--tool", "write_file", check=4)
        self.assertIn("config.yaml:2", r.err)

    def test_write_file_cannot_escape_the_root(self):
        outside = os.path.join(self.home, "outside")
        os.makedirs(outside)
        os.symlink(outside, os.path.join(self.work, "link"))
        for path in ["../escape.txt", os.path.join(self.home, "escape.txt"), "link/planted.txt"]:
            script = 'call write_file ' + json.dumps({"path": path, "content": "x"})
            r = self.chat(script, "--tool", "write_file", "--yes", "--json", check=0)
            call = r.json()["steps"][0]["tool_calls"][0]
            self.assertEqual(call["status"], "error", path)
            self.assertIn("write_file (error)", r.json()["text"])
        self.assertFalse(os.path.exists(os.path.join(self.home, "escape.txt")))
        self.assertFalse(os.path.exists(os.path.join(outside, "planted.txt")))

    def test_max_steps_exits_3_with_what_was_done(self):
        r = self.chat("call list_dir {}\nrepeat", "--tool", "list_dir", "--max-steps", "3", check=3)
        self.assertIn("--max-steps 3", r.err)
        self.assertIn("what was done", r.err)
        self.assertEqual(r.err.count("list_dir {} -> ok"), 2)

    def test_bad_arguments_go_back_once_then_stop(self):
        r = self.chat('call read_file {"path": \n---\ncall read_file {"path": "notes.md"}', "--tool", "read_file",
                      check=0)
        self.assertIn("read_file (error): the arguments are not valid JSON", r.out)
        self.assertIn("read_file: les notes", r.out)
        r = self.chat('call read_file {"path": \n---\ncall read_file {"file": "notes.md"}', "--tool", "read_file",
                      check=1)
        self.assertIn("invalid arguments a second time", r.err)
        self.assertIn("missing required 'path'", r.err)

    def test_http_get_is_capped(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BigBody)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = "http://127.0.0.1:%d/big" % server.server_address[1]
            r = self.chat('call http_get {"url": "%s"}' % url, "--tool", "http_get", "--yes", "--json", check=0)
        finally:
            server.shutdown()
            server.server_close()
        call = r.json()["steps"][0]["tool_calls"][0]
        self.assertEqual(call["status"], "ok")
        self.assertLess(call["result_bytes"], (1 << 20) + 200)  # 1 MiB and a note, not 3 MiB
        self.assertIn("truncated by webox", r.json()["text"])  # and the model gets at most 256 KiB

    def test_shell_is_off_unless_named(self):
        r = self.chat('call shell {"command": "echo hi"}', "--tool", "read_file", check=1)
        self.assertIn("shell", r.err)
        r = self.chat('call shell {"command": "echo hi"}', "--tool", "shell", "--yes", check=0)
        self.assertIn("shell: exit status 0\nhi", r.out)

    def test_ctrl_c_during_a_tool_exits_130(self):
        script = 'call shell {"command": "touch started; exec sleep 30"}'
        proc = subprocess.Popen([WEBOX, "chat", "-m", "echo:tools", "--tool", "shell", "--yes", "--root", self.work,
                                 script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.env)
        marker = os.path.join(self.work, "started")
        deadline = time.time() + 20
        while not os.path.exists(marker) and time.time() < deadline:
            time.sleep(0.02)
        self.assertTrue(os.path.exists(marker))
        started = time.time()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(time.time() - started, 5)
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        self.assertNotIn("sleep 30", [line.strip() for line in ps.splitlines()])

    def test_max_cost_covers_the_whole_loop(self):
        # A dollar per input token: every step's estimate (the conversation
        # so far and the tools) plus what the earlier steps cost grows until
        # --max-cost refuses the next step, before it is sent.
        self.write_config('prices:\n  "echo:*": {input: 1000000, output: 0}\n')
        r = self.chat("call list_dir {}\nrepeat", "--tool", "list_dir", "--max-steps", "100", "--max-cost", "3000",
                      check=5)
        calls = self.webox("logs", "--json", "-n", "0", check=0).json()
        self.assertGreater(len(calls), 2)       # several steps ran ...
        self.assertLess(len(calls), 99)         # ... and the cap stopped the loop, not --max-steps
        self.assertTrue(all(c["tool_calls"] for c in calls))

    def test_continue_replays_tool_calls_and_logs_show_them(self):
        self.chat('call read_file {"path": "notes.md"}', "--tool", "read_file", check=0)
        r = self.webox("chat", "-m", "echo:messages", "-c", "et ensuite ?", check=0)
        messages = json.loads(r.out)
        roles = [m["role"] for m in messages]
        self.assertEqual(roles, ["user", "assistant", "tool", "assistant", "user"])
        self.assertEqual(messages[1]["tool_calls"][0]["name"], "read_file")
        self.assertEqual(messages[2]["tool_call_id"], messages[1]["tool_calls"][0]["id"])
        self.assertEqual(messages[2]["content"], "les notes")
        logs = self.webox("logs", "-n", "0", check=0)
        self.assertIn('read_file {"path":"notes.md"} -> ok', logs.out)
        doc = self.webox("logs", "--json", "-n", "0", check=0).json()
        self.assertTrue(any(c["tool_calls"] for c in doc))
        md = self.webox("logs", "export", "last", "--format", "md", check=0)
        self.assertIn("read_file", md.out)


if __name__ == "__main__":
    main()
