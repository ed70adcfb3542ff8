"""Workflow steps that act (tools:, mcp:, max_steps:), the retrieve: step, and
tool calls no one offered (never silent, in workflows, compare, its judge and
rag ask). Offline: the echo provider's deterministic tool mode (echo:tools),
the fake MCP server (tests/fakes/fake_mcp.py) and the sample catalogue."""
import json
import os
import sqlite3
import subprocess
import sys

import harness
from harness import WEBOX, WeboxTestCase, main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOGUE = os.path.join(REPO, "data", "samples", "gift-catalogue.jsonl")
GIFT_IDEAS = os.path.join(REPO, "workflows", "gift-ideas.yaml")
FAKE_MCP = os.path.join(harness.FAKES, "fake_mcp.py")

READ_NOTES = 'call read_file {"path": "notes.md"}'


class WorkflowToolsTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.work = os.path.join(self.home, "work")
        os.makedirs(self.work)
        with open(os.path.join(self.work, "notes.md"), "w") as f:
            f.write("les notes")

    def write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_in_work(self, *args, check=None):
        """webox with the work folder as current directory (the built-in tools' root)."""
        proc = subprocess.run([WEBOX, *args], cwd=self.work, env=self.env, capture_output=True, timeout=60)
        r = harness.Result(proc, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
        if check is not None:
            self.assertEqual(r.code, check, r)
        return r

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))

    def tool_step(self, prompt, extra="", tools="[read_file]"):
        return self.write("wf.yaml", f"""
steps:
  - id: act
    model: echo:tools
    tools: {tools}
{extra}    prompt: {json.dumps(prompt)}
""")

    # -- steps that act ------------------------------------------------------

    def test_step_with_tools_runs_the_agent_loop_and_records_it(self):
        wf = self.tool_step(READ_NOTES)
        r = self.run_in_work("workflow", "run", wf, "--json", check=0)
        step = r.json()["steps"][0]
        self.assertEqual(step["output"].strip(), "read_file: les notes")
        self.assertEqual([(c["name"], c["status"], c["step"]) for c in step["tool_calls"]], [("read_file", "ok", 1)])
        self.assertEqual(step["tool_calls"][0]["result_bytes"], len("les notes"))
        with self.db() as db:
            steps = db.execute("SELECT step FROM agent_steps ORDER BY step").fetchall()
            calls = db.execute("SELECT name, status FROM tool_calls").fetchall()
        self.assertEqual(steps, [(1,), (2,)])
        self.assertEqual(calls, [("read_file", "ok")])

    def test_step_with_tools_is_never_cached(self):
        wf = self.tool_step(READ_NOTES)
        self.run_in_work("workflow", "run", wf, check=0)
        r = self.run_in_work("workflow", "run", wf, "--json", check=0)
        step = r.json()["steps"][0]
        self.assertFalse(step["cached"])
        self.assertEqual(len(step["tool_calls"]), 1)  # the tool ran again
        with self.db() as db:
            self.assertEqual(db.execute("SELECT count(*) FROM tool_calls").fetchone()[0], 2)

    def test_tool_needing_permission_is_refused_before_any_step_runs(self):
        first = os.path.join(self.work, "first.txt")
        wf = self.write("wf.yaml", f"""
steps:
  - id: first
    write: "ran"
    output: {json.dumps(first)}
  - id: act
    needs: first
    model: echo:tools
    tools: [write_file]
    prompt: 'call write_file {{"path": "out.txt", "content": "x"}}'
""")
        r = self.run_in_work("workflow", "run", wf, check=2)
        self.assertIn("write_file", r.err)
        self.assertIn("--yes", r.err)
        self.assertIn("tools: {allow: [write_file]}", r.err)
        self.assertFalse(os.path.exists(first))
        self.assertFalse(os.path.exists(os.path.join(self.work, "out.txt")))
        self.run_in_work("workflow", "run", wf, "--yes", check=0)
        with open(os.path.join(self.work, "out.txt")) as f:
            self.assertEqual(f.read(), "x")
        os.remove(os.path.join(self.work, "out.txt"))
        self.write_config("tools:\n  allow: [write_*]\n")
        self.run_in_work("workflow", "run", wf, check=0)
        self.assertTrue(os.path.exists(os.path.join(self.work, "out.txt")))

    def test_unknown_tool_and_server_are_refused_at_load_with_their_line(self):
        wf = self.tool_step("hello", tools="[read_file, format_disk]")
        for command in (["run"], ["validate"]):
            r = self.run_in_work("workflow", *command, wf, check=2)
            self.assertIn("wf.yaml:5:", r.err)
            self.assertIn("unknown tool 'format_disk'", r.err)
        wf = self.write("wf.yaml", "steps:\n  - id: act\n    model: echo:tools\n    mcp: [ghost]\n    prompt: hi\n")
        r = self.run_in_work("workflow", "run", wf, check=2)
        self.assertIn("wf.yaml:4:11", r.err)
        self.assertIn("ghost", r.err)
        wf = self.write("wf.yaml", "steps:\n  - id: act\n    image: a cat\n    tools: [read_file]\n")
        r = self.run_in_work("workflow", "run", wf, check=2)
        self.assertIn("'tools:' and 'mcp:' go with 'prompt:' or 'use:'", r.err)
        wf = self.tool_step("hello", extra="    max_steps: 0\n")
        r = self.run_in_work("workflow", "run", wf, check=2)
        self.assertIn("'max_steps:' is a whole number from 1 to 100", r.err)

    def test_max_steps_stops_the_step(self):
        wf = self.tool_step(READ_NOTES + "\nrepeat", extra="    max_steps: 2\n")
        r = self.run_in_work("workflow", "run", wf, "--json", check=1)
        step = r.json()["steps"][0]
        self.assertEqual(step["status"], "failed")
        self.assertIn("stopped after 2 steps", step["error"])
        self.assertEqual(len(step["tool_calls"]), 2)

    def test_mcp_step_calls_the_server(self):
        args = json.dumps([FAKE_MCP, "stdio"])
        self.write_config(f"mcp_servers:\n  fake: {{command: {json.dumps(sys.executable)}, args: {args}}}\n")
        wf = self.write("wf.yaml", """
steps:
  - id: act
    model: echo:tools
    mcp: fake
    prompt: 'call fake_echo {"text": "bonjour"}'
""")
        r = self.run_in_work("workflow", "run", wf, check=2)  # fake.echo is not allowed without asking
        self.assertIn("fake.echo", r.err)
        r = self.run_in_work("workflow", "run", wf, "--yes", "--json", check=0)
        step = r.json()["steps"][0]
        self.assertIn("fake_echo: bonjour", step["output"])
        self.assertEqual(step["tool_calls"][0]["tool"], "fake.echo")

    # -- never silent ----------------------------------------------------------

    def test_workflow_step_without_tools_fails_on_tool_calls(self):
        wf = self.write("wf.yaml", f"steps:\n  - id: plain\n    model: echo:tools\n    prompt: {json.dumps(READ_NOTES)}\n")
        r = self.run_in_work("workflow", "run", wf, check=1)
        self.assertIn("answered with tool calls (read_file) but webox offered it no tools", r.err)
        r = self.run_in_work("workflow", "run", wf, "--json", check=1)
        step = r.json()["steps"][0]
        self.assertEqual(step["status"], "failed")
        self.assertEqual(step["tool_calls"][0]["name"], "read_file")
        self.assertEqual(step["tool_calls"][0]["arguments"], {"path": "notes.md"})

    def test_compare_reports_tool_calls_it_did_not_offer(self):
        r = self.webox("compare", "-m", "echo:tools", "-m", "echo:echo", READ_NOTES, check=3)
        self.assertIn("echo:tools", r.err)
        self.assertIn("offered it no tools", r.err)
        r = self.webox("compare", "-m", "echo:tools", "-m", "echo:echo", READ_NOTES, "--json", check=3)
        answers = {a["model"]: a for a in r.json()["results"]}
        self.assertEqual(answers["echo:tools"]["tool_calls"][0]["name"], "read_file")
        self.assertIn("offered it no tools", answers["echo:tools"]["error"])
        self.assertNotIn("tool_calls", answers["echo:echo"])

    def test_compare_judge_with_tool_calls_is_an_error(self):
        r = self.webox("compare", "-m", "echo:echo", "-m", "echo:messages", "--judge", "echo:tools",
                       READ_NOTES, "--json", check=3)
        self.assertIn("offered it no tools", r.json()["judge"]["error"])

    def test_rag_ask_reports_tool_calls_it_did_not_offer(self):
        self.webox("rag", "index", "gifts", CATALOGUE, check=0)
        r = self.webox("rag", "ask", "gifts", "amateur de jazz\ncall read_file {}", "-m", "echo:tools", "--json", check=1)
        doc = r.json()
        self.assertEqual(doc["tool_calls"][0]["name"], "read_file")
        self.assertIn("offered it no tools", doc["error"])
        r = self.webox("rag", "ask", "gifts", "amateur de jazz\ncall read_file {}", "-m", "echo:tools", check=1)
        self.assertIn("offered it no tools", r.err)

    # -- retrieve: -------------------------------------------------------------

    def test_gift_ideas_workflow_runs_offline(self):
        self.webox("rag", "index", "gifts", CATALOGUE, check=0)
        r = self.webox("workflow", "run", GIFT_IDEAS, "-m", "echo:echo", "--var",
                       "question=un cadeau pour un amateur de jazz", "--json", check=0)
        doc = r.json()
        find = doc["steps"][0]
        self.assertEqual(find["id"], "find")
        chunks = find["chunks"]
        self.assertTrue(1 <= len(chunks) <= 5)
        self.assertEqual(set(chunks[0]) >= {"path", "start_line", "end_line", "score", "text"}, True)
        self.assertIn("GFT-001", chunks[0]["text"])  # the jazz vinyls come first
        self.assertTrue(chunks[0]["path"].endswith("gift-catalogue.jsonl"))
        # The echo model answers with its prompt: the numbered extracts reached it.
        self.assertIn("[1] ", doc["outputs"]["ideas"])
        self.assertIn("Blue Note", doc["outputs"]["ideas"])
        self.assertIn("[1] ", doc["outputs"]["sources"])
        self.assertIn("gift-catalogue.jsonl", doc["outputs"]["sources"])

    def test_retrieve_unknown_collection_and_bad_keys(self):
        wf = self.write("wf.yaml", "steps:\n  - id: find\n    retrieve: {collection: nowhere, query: jazz}\n")
        r = self.webox("workflow", "run", wf, check=2)
        self.assertIn("wf.yaml:3:28", r.err)
        self.assertIn("nowhere", r.err)
        wf = self.write("wf.yaml", "steps:\n  - id: find\n    retrieve: {collection: gifts, query: jazz, k: 0, top: 1}\n")
        r = self.webox("workflow", "run", wf, check=2)
        self.assertIn("'k:' is a whole number from 1 to 100", r.err)
        self.assertIn("unknown key 'top'", r.err)
        wf = self.write("wf.yaml", "steps:\n  - id: find\n    retrieve: {query: jazz}\n")
        r = self.webox("workflow", "run", wf, check=2)
        self.assertIn("needs 'collection: NAME'", r.err)


if __name__ == "__main__":
    main()
