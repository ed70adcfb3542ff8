"""webox mcp: the MCP client against tests/fakes/fake_mcp.py (stdio and
Streamable HTTP, well and badly behaved) and against the real
@modelcontextprotocol/server-filesystem from npm (installed by
scripts/install-test-deps.sh; skipped, saying why, when it is not).

Every misbehaving server must end in one clear line and a documented exit
code, with no process of the server left running."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import harness

FAKE = os.path.join(harness.FAKES, "fake_mcp.py")
DEPS = os.environ.get("WEBOX_TEST_DEPS_DIR", os.path.expanduser("~/.cache/webox-test-deps"))
FS_SERVER = os.path.join(DEPS, "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js")


def running(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class McpCase(harness.WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.pidfile = os.path.join(self.home, "pids")
        self.env["FAKE_MCP_PIDFILE"] = self.pidfile

    def stdio_config(self, *modes, name="fake", extra=""):
        args = json.dumps([FAKE, "stdio", *modes])
        self.write_config(f"mcp_servers:\n  {name}: {{command: {json.dumps(sys.executable)}, args: {args}{extra}}}\n")

    def pids(self):
        if not os.path.exists(self.pidfile):
            return []
        with open(self.pidfile) as f:
            return [int(x) for x in f.read().split()]

    def assert_nothing_left(self):
        pids = self.pids()
        self.assertTrue(pids, "the fake server never started")
        deadline = time.time() + 3
        while any(running(p) for p in pids) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual([p for p in pids if running(p)], [], "server processes left running")


class StdioTransport(McpCase):
    def test_tools_lists_every_page(self):
        self.stdio_config()
        r = self.webox("mcp", "tools", "fake", "--json", check=0)
        names = [t["name"] for t in r.json()]
        self.assertEqual(names, ["echo", "add", "image", "resource", "fail", "slow", "big", "env", "pid"])
        self.assertEqual(r.json()[0]["input_schema"]["required"], ["text"])
        human = self.webox("mcp", "tools", "fake", check=0).out
        self.assertIn("echo\n    Says the text back.\n    arguments: text (string, required)\n", human)
        self.assert_nothing_left()

    def test_call_prints_text_and_stderr_stays_out_of_stdout(self):
        self.stdio_config()
        r = self.webox("mcp", "call", "fake", "echo", '{"text":"héllo"}', check=0)
        self.assertEqual(r.out, "héllo\n")
        self.assertNotIn("fake-mcp", r.out)
        r = self.webox("-v", "mcp", "call", "fake", "add", '{"a":2,"b":3}', check=0)
        self.assertEqual(r.out, "5\n")
        self.assertIn("fake-mcp: started on stdio", r.err)
        self.assert_nothing_left()

    def test_image_and_resource_parts(self):
        self.stdio_config()
        r = self.webox("mcp", "call", "fake", "image", check=0)
        self.assertEqual(r.out, "a picture:\n[image image/png, 66 B]\n")
        j = self.webox("mcp", "call", "fake", "image", "--json", check=0).json()
        self.assertEqual(j["content"][1]["mimeType"], "image/png")
        self.assertTrue(j["content"][1]["data"].startswith("iVBOR"))
        self.assertEqual(self.webox("mcp", "call", "fake", "resource", check=0).out, "# Notes\nhello\n")

    def test_is_error_exits_1_with_the_content(self):
        self.stdio_config()
        r = self.webox("mcp", "call", "fake", "fail", check=1)
        self.assertEqual(r.out, "it went wrong\n")
        self.assertIn("reported an error", r.err)
        j = self.webox("mcp", "call", "fake", "fail", "--json", check=1)
        self.assertTrue(j.json()["isError"])

    def test_unknown_tool_is_the_servers_error(self):
        self.stdio_config()
        r = self.webox("mcp", "call", "fake", "nope", check=1)
        self.assertIn("tools/call failed: -32602 Unknown tool: nope", r.err)
        self.assert_nothing_left()

    def test_bad_arguments_exit_2(self):
        self.stdio_config()
        for bad in ["{not json", "[1,2]", '"text"', "[" * 200 + "]" * 200]:
            r = self.webox("mcp", "call", "fake", "echo", bad, check=2)
            self.assertIn("arguments", r.err)
            self.assertEqual(r.err.count("\n"), 1, r)
        self.assertEqual(self.pids(), [], "the server was started for arguments refused up front")

    def test_unknown_server_exits_2_naming_the_configured_ones(self):
        self.stdio_config()
        r = self.webox("mcp", "tools", "nope", check=2)
        self.assertIn("no MCP server 'nope'", r.err)
        self.assertIn("configured: fake", r.err)

    def test_server_that_does_not_start(self):
        self.write_config("mcp_servers:\n  ghost: {command: /nonexistent/mcp-server}\n")
        r = self.webox("mcp", "tools", "ghost", check=4)
        self.assertIn("config.yaml:2:3: mcp_servers.ghost: cannot start '/nonexistent/mcp-server'", r.err)
        self.write_config(f"mcp_servers:\n  quits: {{command: {json.dumps(sys.executable)}, "
                          f"args: ['-c', 'import sys; print(\"no config\", file=sys.stderr); sys.exit(2)']}}\n")
        r = self.webox("mcp", "tools", "quits", check=1)
        self.assertIn("mcp server 'quits' exited with status 2 (stderr: no config)", r.err)

    def test_server_dies_mid_call(self):
        self.stdio_config("die")
        r = self.webox("mcp", "call", "fake", "echo", '{"text":"x"}', check=1)
        self.assertIn("mcp server 'fake' exited with status 3 (stderr: fake-mcp: crashing on purpose)", r.err)
        self.assertEqual(r.out, "")
        self.assert_nothing_left()

    def test_server_answers_garbage(self):
        self.stdio_config("garbage")
        r = self.webox("mcp", "call", "fake", "echo", '{"text":"x"}', check=1)
        self.assertIn("answered something that is not JSON-RPC on stdout: 'Traceback", r.err)
        self.assert_nothing_left()

    def test_server_that_hangs_and_ignores_sigterm(self):
        self.stdio_config("hang", extra=", timeout_ms: 800")
        started = time.time()
        r = self.webox("mcp", "tools", "fake", check=75)
        self.assertIn("no answer to initialize within 800 ms", r.err)
        self.assertLess(time.time() - started, 10)
        self.assert_nothing_left()

    def test_server_floods_stdout(self):
        self.stdio_config("flood")
        r = self.webox("mcp", "call", "fake", "echo", '{"text":"x"}', check=1)
        self.assertIn("sent a message over 16 MiB on stdout (refused)", r.err)
        self.assert_nothing_left()

    def test_a_50_mb_result_is_refused(self):
        self.stdio_config()
        r = self.webox("mcp", "call", "fake", "big", '{"bytes": 50000000}', check=1, timeout=60)
        self.assertIn("over 16 MiB", r.err)
        self.assert_nothing_left()

    def test_slow_start_and_server_pings(self):
        self.stdio_config("slow-start", "ping-first")
        r = self.webox("mcp", "call", "fake", "echo", '{"text":"after a pong"}', check=0)
        self.assertEqual(r.out, "after a pong\n")

    def test_unsupported_protocol_version_is_refused(self):
        self.stdio_config("old-version")
        r = self.webox("mcp", "tools", "fake", check=1)
        self.assertIn("speaks protocol version '1999-01-01', which webox does not (webox speaks 2025-11-25", r.err)
        self.assert_nothing_left()

    def test_endless_pagination_is_refused(self):
        self.stdio_config("loop-cursor")
        r = self.webox("mcp", "tools", "fake", check=1)
        self.assertIn("same nextCursor twice", r.err)

    def test_grandchildren_end_with_the_server(self):
        self.stdio_config("grandchild")
        self.webox("mcp", "call", "fake", "echo", '{"text":"x"}', check=0)
        self.assertEqual(len(self.pids()), 2)
        self.assert_nothing_left()

    def interrupt(self, signals):
        self.stdio_config("grandchild")
        proc = subprocess.Popen([harness.WEBOX, "mcp", "call", "fake", "slow", '{"ms": 60000}'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        deadline = time.time() + 10
        while len(self.pids()) < 2 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the call is in flight
        for sig in signals:
            proc.send_signal(sig)
            time.sleep(0.05)
        out, err = proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 130, err)
        self.assertEqual(out, b"")
        self.assert_nothing_left()

    def test_ctrl_c_ends_the_server(self):
        self.interrupt([signal.SIGINT])

    def test_second_ctrl_c_still_ends_the_server(self):
        self.interrupt([signal.SIGINT, signal.SIGINT])

    def test_sigterm_ends_the_server(self):
        self.interrupt([signal.SIGTERM])

    def test_env_and_variables_from_environment_and_key_store(self):
        self.stdio_config(extra=", env: {GREETING: 'hi ${MCP_TEST_TOKEN}'}")
        r = self.webox("mcp", "call", "fake", "env", '{"name":"GREETING"}', check=4)
        self.assertIn("mcp_servers.fake.env.GREETING: ${MCP_TEST_TOKEN} is not set", r.err)
        self.assertIn("config.yaml:2:3", r.err)
        r = self.webox("mcp", "call", "fake", "env", '{"name":"GREETING"}', env={"MCP_TEST_TOKEN": "tok-from-env"},
                       check=0)
        self.assertEqual(r.out, "hi tok-from-env\n")
        self.webox("keys", "set", "MCP_TEST_TOKEN", stdin="tok-from-store\n", check=0)
        r = self.webox("mcp", "call", "fake", "env", '{"name":"GREETING"}', check=0)
        self.assertEqual(r.out, "hi tok-from-store\n")

    def test_list_shows_each_servers_state(self):
        args = json.dumps([FAKE, "stdio"])
        self.write_config(f"mcp_servers:\n  good: {{command: {json.dumps(sys.executable)}, args: {args}}}\n"
                          f"  bad: {{command: /nonexistent/x}}\n")
        r = self.webox("mcp", "list", "--json", check=3)
        states = {s["name"]: s for s in r.json()}
        self.assertEqual(states["good"]["state"], "ready")
        self.assertEqual(states["good"]["tools"], 9)
        self.assertEqual(states["good"]["protocol_version"], "2025-11-25")
        self.assertEqual(states["bad"]["state"], "error")
        self.assertIn("cannot start", states["bad"]["error"])
        r = self.webox("mcp", "list", check=3)
        self.assertRegex(r.out, r"good +stdio  ready  9 tools, fake-mcp 1.0, MCP 2025-11-25")
        self.write_config("")
        r = self.webox("mcp", "list", check=0)
        self.assertIn("no MCP servers configured", r.err)


class MalformedConfig(McpCase):
    CASES = [
        ("mcp_servers: [a, b]\n", "config.yaml:1:14: 'mcp_servers' must be a mapping"),
        ("mcp_servers:\n  x: {command: a, url: 'http://127.0.0.1:1/mcp'}\n", "config.yaml:2:6: mcp_servers.x: give either"),
        ("mcp_servers:\n  x: {}\n", "mcp_servers.x: give either command"),
        ("mcp_servers:\n  x: {command: a, args: b}\n", "config.yaml:2:25: mcp_servers.x.args must be a list"),
        ("mcp_servers:\n  x: {command: a, env: [1]}\n", "mcp_servers.x.env must be a mapping"),
        ("mcp_servers:\n  x: {url: 'http://127.0.0.1:1/', type: sse}\n", "old HTTP+SSE transport is not supported"),
        ("mcp_servers:\n  x: {command: a, colour: red}\n", "config.yaml:2:19: mcp_servers.x: unknown key 'colour'"),
        ("mcp_servers:\n  a.b: {command: a}\n", "config.yaml:2:3: mcp_servers.a.b: a server name is letters"),
        ("mcp_servers:\n  x: {url: 'ftp://example.com/'}\n", "mcp_servers.x.url"),
        ("mcp_servers:\n  x: {command: a, timeout_ms: -4}\n", "mcp_servers.x.timeout_ms must be a whole number"),
        ("mcp_servers:\n  x: {command: a, headers: {A: b}}\n", "headers go with url"),
        ("mcp_servers:\n  x: {command: 'a${UNCLOSED'}\n", "'${' without its closing '}'"),
        ("mcp_servers:\n  x: {command: [a\n", "config.yaml:"),
    ]

    def test_each_malformed_section_exits_4_with_file_line(self):
        for text, expected in self.CASES:
            with self.subTest(config=text):
                self.write_config(text)
                r = self.webox("mcp", "call", "x", "t", check=4)
                self.assertIn(expected, r.err)
                self.assertEqual(r.err.count("\n"), 1, r)

    def test_the_rest_of_webox_accepts_the_section(self):
        self.stdio_config()
        self.webox("chat", "-m", "echo", "hello", check=0)


class HttpTransport(McpCase):
    def http_config(self, fake, extra=""):
        self.write_config(f"mcp_servers:\n  web: {{url: '{fake.url}/mcp', headers: {{Authorization: 'Bearer ${{WEB_TOKEN}}'}}"
                          f"{extra}}}\n")
        self.env["WEB_TOKEN"] = "secret-web-token-123"

    def check_exchange(self, fake):
        reqs = fake.requests()
        posts = [r for r in reqs if r["method"] == "POST"]
        self.assertEqual(posts[0]["body"]["method"], "initialize")
        self.assertEqual(posts[0]["body"]["params"]["protocolVersion"], "2025-11-25")
        self.assertIn("text/event-stream", posts[0]["headers"]["Accept"])
        self.assertEqual(posts[1]["body"]["method"], "notifications/initialized")
        for p in posts:
            self.assertEqual(p["headers"]["Authorization"], "Bearer secret-web-token-123")
        for p in posts[1:]:
            self.assertTrue(p["headers"]["Mcp-Session-Id"].startswith("sess-"))
            self.assertEqual(p["headers"]["MCP-Protocol-Version"], "2025-11-25")
        self.assertEqual(reqs[-1]["method"], "DELETE")
        self.assertTrue(reqs[-1]["headers"]["Mcp-Session-Id"].startswith("sess-"))

    def test_json_answers(self):
        fake = self.start_fake("fake_mcp.py", "http")
        self.http_config(fake)
        r = self.webox("-vvv", "mcp", "call", "web", "echo", '{"text":"over http"}', check=0)
        self.assertEqual(r.out, "over http\n")
        self.assertNotIn("secret-web-token-123", r.err)
        self.check_exchange(fake)
        names = [t["name"] for t in self.webox("mcp", "tools", "web", "--json", check=0).json()]
        self.assertEqual(len(names), 9)

    def test_sse_answers(self):
        fake = self.start_fake("fake_mcp.py", "http", "sse")
        self.http_config(fake)
        r = self.webox("mcp", "call", "web", "add", '{"a":1,"b":41}', check=0)
        self.assertEqual(r.out, "42\n")
        self.check_exchange(fake)
        self.webox("mcp", "call", "web", "fail", check=1)

    def test_garbage_and_unreachable(self):
        fake = self.start_fake("fake_mcp.py", "http", "garbage")
        self.http_config(fake)
        r = self.webox("mcp", "call", "web", "echo", '{"text":"x"}', check=1)
        self.assertIn("answered tools/call with something that is not JSON-RPC: '<html>", r.err)
        self.write_config(f"mcp_servers:\n  web: {{url: 'http://127.0.0.1:{harness.free_port()}/mcp'}}\n")
        r = self.webox("mcp", "tools", "web", env={"WEBOX_RETRIES": "0"}, check=75)
        self.assertIn("mcp server 'web'", r.err)

    def test_hanging_http_server_times_out(self):
        fake = self.start_fake("fake_mcp.py", "http", "hang")
        self.http_config(fake, ", timeout_ms: 700")
        r = self.webox("mcp", "tools", "web", env={"WEBOX_RETRIES": "0"}, check=75)
        self.assertIn("no answer within 700 ms", r.err)


class ChatWithMcp(McpCase):
    """chat --mcp: a server's tools in the agent loop (echo:tools plays the model)."""

    def test_the_loop_calls_a_server_tool_and_answers_with_its_result(self):
        self.stdio_config()
        r = self.webox("chat", "-m", "echo:tools", "--mcp", "fake", "--yes", "--json",
                       'call fake_add {"a": 2, "b": 3}', check=0)
        doc = r.json()
        call = doc["steps"][0]["tool_calls"][0]
        self.assertEqual((call["name"], call["tool"], call["status"]), ("fake_add", "fake.add", "ok"))
        self.assertEqual(doc["text"], "fake_add: 5\n")
        self.assert_nothing_left()

    def test_a_server_tool_needs_permission_without_a_terminal(self):
        self.stdio_config()
        r = self.webox("chat", "-m", "echo:tools", "--mcp", "fake", 'call fake_echo {"text": "x"}', check=2)
        self.assertIn("fake.echo", r.err)
        self.assertIn("--yes", r.err)
        self.assert_nothing_left()

    def test_an_unknown_server_is_named(self):
        self.stdio_config()
        r = self.webox("chat", "-m", "echo:tools", "--mcp", "nope", "--yes", "call fake_echo {}", check=2)
        self.assertIn("no MCP server 'nope'", r.err)


class RealFilesystemServer(McpCase):
    """@modelcontextprotocol/server-filesystem, the reference server, on Node."""

    def setUp(self):
        super().setUp()
        node = shutil.which("node")
        if not node or not os.path.exists(FS_SERVER):
            self.skipTest(f"@modelcontextprotocol/server-filesystem is not installed in {DEPS} "
                          "(scripts/install-test-deps.sh installs it from npm)")
        self.root = os.path.join(self.home, "notes")
        os.makedirs(os.path.join(self.root, "sub"))
        with open(os.path.join(self.root, "notes.md"), "w") as f:
            f.write("# Notes\nRéunion lundi\n")
        self.write_config(f"mcp_servers:\n  fs: {{command: {json.dumps(node)}, "
                          f"args: [{json.dumps(FS_SERVER)}, {json.dumps(self.root)}]}}\n")

    def test_lists_and_calls_its_tools(self):
        tools = {t["name"]: t for t in self.webox("mcp", "tools", "fs", "--json", check=0).json()}
        for name in ("read_text_file", "list_directory", "write_file"):
            self.assertIn(name, tools)
        self.assertIn("path", tools["read_text_file"]["input_schema"]["properties"])
        path = os.path.join(self.root, "notes.md")
        r = self.webox("mcp", "call", "fs", "read_text_file", json.dumps({"path": path}), check=0)
        self.assertEqual(r.out, "# Notes\nRéunion lundi\n")
        r = self.webox("mcp", "call", "fs", "list_directory", json.dumps({"path": self.root}), check=0)
        self.assertIn("[FILE] notes.md", r.out)
        self.assertIn("[DIR] sub", r.out)
        # Outside its allowed directory the server refuses: isError, exit 1.
        r = self.webox("mcp", "call", "fs", "read_text_file", '{"path": "/etc/hostname"}', check=1)
        self.assertIn("denied", r.out.lower() + r.err.lower())
        state = self.webox("mcp", "list", "--json", check=0).json()[0]
        self.assertEqual(state["state"], "ready")

    def test_a_chat_loop_reads_a_file_through_it(self):
        path = os.path.join(self.root, "notes.md")
        r = self.webox("chat", "-m", "echo:tools", "--mcp", "fs", "--yes",
                       "call fs_read_text_file " + json.dumps({"path": path}), check=0)
        self.assertIn("Réunion lundi", r.out)


if __name__ == "__main__":
    harness.main()
