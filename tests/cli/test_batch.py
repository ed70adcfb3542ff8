"""webox workflow run --batch and webox batch: provider batches (ABI 1.5)
against tests/fakes/fake_batch.py, which answers direct and batched calls
with the same bytes."""
import json
import os
import signal
import sqlite3
import subprocess
import time

from harness import WEBOX, WeboxTestCase, main

WORKFLOW = """
name: batch-demo
inputs:
  names: {{required: true, type: list}}
steps:
  - id: greet
    model: {model}
    foreach: "{{{{inputs.names}}}}"
    prompt: "hello {{{{item}}}}"
"""


class BatchTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_batch.py")
        self.env.update({"OPENAI_BASE_URL": self.fake.url + "/v1", "OPENAI_API_KEY": "test-key",
                         "ANTHROPIC_BASE_URL": self.fake.url, "ANTHROPIC_API_KEY": "test-key",
                         "WEBOX_BATCH_POLL_MS": "20", "WEBOX_RETRIES": "0"})

    def workflow(self, model, names=None):
        path = os.path.join(self.home, "wf.yaml")
        with open(path, "w") as f:
            f.write(WORKFLOW.format(model=model))
        return path

    def run_wf(self, model, names, *extra, check=None, env=None):
        return self.webox("workflow", "run", self.workflow(model), "--var", "names=" + names, "--json",
                          *extra, check=check, env=env)

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))

    def stored_open(self):
        try:
            with self.db() as db:
                return db.execute("SELECT COUNT(*) FROM batches WHERE state = 'open'").fetchone()[0] > 0
        except sqlite3.Error:
            return False

    def batches(self):
        return self.fake.get_json("/__batches")

    def posts(self, path):
        return [r for r in self.fake.requests() if r["method"] == "POST" and r["path"] == path]

    # ---- same outputs as without --batch -------------------------------------------

    def check_same_outputs(self, model, chat_path):
        plain = self.run_wf(model, "ana,bob,cy", "--no-cache", check=0).json()
        batched = self.run_wf(model, "ana,bob,cy", "--batch", "--no-cache", check=0).json()
        self.assertEqual(plain["steps"][0]["output"], batched["steps"][0]["output"])
        self.assertEqual(plain["steps"][0]["json"], batched["steps"][0]["json"])
        self.assertEqual(batched["batch"], {"batches": 1, "ok": 3, "failed": 0})
        self.assertEqual(len(self.posts(chat_path)), 3)  # the direct run only
        self.assertEqual(len(self.batches()), 1)
        # Each batched call is logged once, at the batch price (half).
        with self.db() as db:
            rows = db.execute("SELECT chain, cost FROM calls ORDER BY id").fetchall()
        self.assertEqual(len(rows), 6)
        direct, batch = rows[:3], rows[3:]
        self.assertTrue(all(r[0].startswith("batch ") for r in batch), rows)
        self.assertAlmostEqual(sum(r[1] for r in batch) * 2, sum(r[1] for r in direct), places=12)

    def test_openai_batch_gives_the_same_outputs(self):
        self.check_same_outputs("openai:gpt-4o-mini", "/v1/chat/completions")

    def test_anthropic_batch_gives_the_same_outputs(self):
        self.check_same_outputs("anthropic:claude-haiku-4-5", "/v1/messages")

    def test_split_at_the_request_limit(self):
        r = self.run_wf("openai:gpt-4o-mini", "a,b,c,d,e", "--batch", check=0,
                        env={"WEBOX_BATCH_MAX_REQUESTS": "2"}).json()
        self.assertEqual(r["batch"]["batches"], 3)
        self.assertEqual(r["steps"][0]["output"].count("answer: hello"), 5)

    # ---- failures -----------------------------------------------------------------------

    def test_partial_failure_keeps_the_good_items_and_exits_3(self):
        for model in ("openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"):
            with self.subTest(model=model):
                self.fake.control(fail_marker="FAIL")
                r = self.run_wf(model, "ok1,FAIL,ok2", "--batch", check=3)
                self.assertEqual(r.json()["batch"]["ok"], 2)
                self.assertIn("refused", r.json()["steps"][0]["error"])
                # The good answers are cached: a rerun sends only the failed one.
                self.fake.control(fail_marker="NOTHING")
                again = self.run_wf(model, "ok1,FAIL,ok2", "--batch", check=0).json()
                self.assertEqual(again["batch"], {"batches": 1, "ok": 1, "failed": 0})

    def test_expired_batch_keeps_what_came_back(self):
        self.fake.control(expire=True, answered=1)
        r = self.run_wf("openai:gpt-4o-mini", "a,b,c", "--batch", check=3)
        self.assertIn("expired", r.err)
        self.assertEqual(r.json()["batch"], {"batches": 1, "ok": 1, "failed": 2})
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0], 1)

    def test_expired_with_nothing_back_exits_1(self):
        self.fake.control(expire=True, answered=0)
        r = self.run_wf("anthropic:claude-haiku-4-5", "a,b", "--batch", check=1)
        self.assertIn("expired", r.err)

    def test_batch_refused_as_a_whole(self):
        self.fake.control(validation_fail=True)
        r = self.run_wf("openai:gpt-4o-mini", "a,b", "--batch", check=1)
        self.assertIn("not valid", r.err + r.out)

    def test_budget_refuses_before_anything_is_submitted(self):
        r = self.run_wf("openai:gpt-4o-mini", "a,b,c", "--batch", "--max-cost", "0.0000001", check=5)
        self.assertEqual(self.batches(), [])
        self.assertEqual(self.posts("/v1/files"), [])

    def test_provider_without_batches_runs_as_usual_said_once(self):
        self.env.update({"OLLAMA_HOST": self.fake.url})
        r = self.run_wf("echo:echo", "a,b,c", "--batch", check=0)
        self.assertEqual(r.err.count("has no batch service"), 1, r.err)
        self.assertEqual(self.batches(), [])

    def test_unreadable_result_lines_are_skipped_and_said(self):
        self.fake.control(bad_lines=3, unknown_ids=2, duplicate=True)
        r = self.run_wf("openai:gpt-4o-mini", "a,b", "--batch", check=0)
        self.assertIn("not a JSON object", r.err)
        self.assertIn("name no request", r.err)
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0], 2)

    def test_a_huge_result_line_is_refused(self):
        self.fake.control(huge_line=True)
        r = self.run_wf("anthropic:claude-haiku-4-5", "a", "--batch", check=0)
        self.assertIn("larger than", r.err)

    def test_more_results_than_requests_is_a_failure(self):
        self.fake.control(extra_results=50)
        r = self.run_wf("openai:gpt-4o-mini", "a,b", "--batch")
        self.assertNotEqual(r.code, 0)
        self.assertIn("more than 20 results", r.err + r.out)

    def test_no_log_and_replay_are_refused(self):
        self.run_wf("openai:gpt-4o-mini", "a", "--batch", "--no-log", check=2)

    # ---- after an interruption ------------------------------------------------------------

    def start_and_kill(self, model, signum):
        self.fake.control(polls=100000)
        env = dict(self.env)
        proc = subprocess.Popen([WEBOX, "workflow", "run", self.workflow(model), "--var", "names=a,b,c",
                                 "--batch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        before = len(self.batches())
        deadline = time.time() + 20
        while time.time() < deadline and len(self.batches()) == before:
            time.sleep(0.05)
        # The provider has it; webox stores its id, then polls.
        while time.time() < deadline and not self.stored_open():
            time.sleep(0.05)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
        return proc.returncode, err.decode()

    def test_kill_9_then_collect_logs_each_call_once(self):
        for model in ("openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"):
            with self.subTest(model=model):
                self.fake.control(polls=100000)
                code, _ = self.start_and_kill(model, signal.SIGKILL)
                self.assertEqual(code, -9)
                listed = self.webox("batch", "list", "--json", check=0).json()
                self.assertEqual(listed[0]["state"], "open")
                self.fake.control(release=True)
                bid = str(listed[0]["id"])
                r = self.webox("batch", "collect", bid, "--json", check=0)
                doc = r.json()
                self.assertEqual(doc["collected"]["recorded"], 3)
                self.assertEqual(doc["run"]["status"], "ok")
                self.assertEqual(doc["run"]["steps"][0]["output"].count("answer: hello"), 3)
                again = self.webox("batch", "collect", bid, "--json", check=0).json()
                self.assertEqual(again["collected"]["recorded"], 0)
                self.assertEqual(again["collected"]["recorded_before"], 3)
                with self.db() as db:
                    n = db.execute("SELECT COUNT(*) FROM calls WHERE provider = ?",
                                   (model.split(":")[0],)).fetchone()[0]
                self.assertEqual(n, 3)
                self.assertEqual(len([b for b in self.batches() if b["kind"] == model.split(":")[0]]), 1)

    def test_rerun_after_kill_waits_for_the_stored_batch(self):
        self.start_and_kill("openai:gpt-4o-mini", signal.SIGKILL)
        self.fake.control(release=True)
        r = self.run_wf("openai:gpt-4o-mini", "a,b,c", "--batch", check=0)
        self.assertIn("waiting for it instead of sending them again", r.err)
        self.assertEqual(len(self.batches()), 1)
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0], 3)

    def test_ctrl_c_leaves_the_batch_running_and_names_the_command(self):
        code, err = self.start_and_kill("anthropic:claude-haiku-4-5", signal.SIGINT)
        self.assertEqual(code, 130, err)
        self.assertIn("webox batch collect 1", err)
        self.assertEqual(self.batches()[0]["status"], "in_progress")

    # ---- webox batch ---------------------------------------------------------------------------

    def test_cancel(self):
        self.start_and_kill("openai:gpt-4o-mini", signal.SIGINT)
        r = self.webox("batch", "cancel", "1", check=0)
        self.assertIn("cancel", r.err)
        st = self.webox("batch", "status", "1", "--json", check=0).json()
        self.assertEqual(st["status"], "cancelled")
        r = self.webox("batch", "collect", "1", "--json", check=1)
        self.assertEqual(r.json()["collected"]["recorded"], 3)  # 3 cancelled, none answered

    def test_status_by_provider_id_and_list(self):
        self.run_wf("openai:gpt-4o-mini", "a", "--batch", check=0)
        remote = self.batches()[0]["id"]
        st = self.webox("batch", "status", remote, "--json", check=0).json()
        self.assertEqual(st["status"], "ended")
        self.assertEqual(st["succeeded"], 1)
        self.assertIn(remote, self.webox("batch", "list", check=0).out)

    def test_bad_ids(self):
        for ref in ("999", "batch_nope", "", "x" * 300, "../etc"):
            with self.subTest(ref=ref):
                r = self.webox("batch", "status", ref, check=2)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        self.webox("batch", "collect", "42", check=2)
        self.webox("batch", "cancel", "42", check=2)


if __name__ == "__main__":
    main()
