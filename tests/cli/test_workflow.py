"""webox workflow and webox prompts through the real binary, against the
loopback fake of the providers (tests/fakes/fake_llm.py). Parallelism and
order are read from the fake's request log ("received" times), never from
the wall clock of the test."""
import json
import os
import signal
import sqlite3
import subprocess
import time

from harness import WEBOX, WeboxTestCase, main, sqlite_only

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "workflows")


class WorkflowTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_llm.py")
        u = self.fake.url
        self.env.update({
            "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": u + "/v1",
            "ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": u,
            "WEBOX_RETRY_BASE_MS": "5",
        })
        self.work = os.path.join(self.home, "work")
        os.makedirs(self.work)

    def write(self, name, text):
        path = os.path.join(self.work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_wf(self, *args, **kw):
        return self.webox("workflow", "run", *args, **kw)

    def requests(self):
        return [q for q in self.fake.requests() if q["path"].endswith("/chat/completions") or q["path"] == "/v1/messages"]

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))

    # -- order, parallelism, failures ------------------------------------------

    def test_independent_steps_run_in_parallel_and_dependants_wait(self):
        wf = self.write("p.yaml", """
defaults: {model: "openai:wait-600"}
steps:
  - id: a
    prompt: "first A"
  - id: b
    prompt: "first B"
  - id: c
    prompt: "after {{steps.a.output}} and {{steps.b.output}}"
    model: openai:echo
""")
        r = self.run_wf(wf, "--json", check=0)
        doc = r.json()
        self.assertEqual(doc["status"], "ok")
        self.assertEqual([s["status"] for s in doc["steps"]], ["ok", "ok", "ok"])
        by_text = {}
        for q in self.requests():
            by_text[q["body"]["messages"][-1]["content"][:7]] = q["received"]
        self.assertLess(abs(by_text["first A"] - by_text["first B"]), 0.3)     # together
        # "after Bonjour..." was sent only once both answers were back.
        self.assertGreaterEqual(by_text["after B"], max(by_text["first A"], by_text["first B"]) + 0.5)
        self.assertTrue(doc["steps"][2]["output"].startswith("after Bonjour"), doc["steps"][2])

    def test_workflow_jobs_in_the_config_runs_steps_one_at_a_time_and_the_flag_wins(self):
        wf = self.write("p1.yaml", 'defaults: {model: "openai:wait-600"}\nsteps:\n'
                        '  - id: a\n    prompt: "first A"\n  - id: b\n    prompt: "first B"\n')
        self.write_config("workflow:\n  jobs: 1\n")
        self.run_wf(wf, "--no-cache", check=0)
        a, b = sorted(q["received"] for q in self.requests())
        self.assertGreaterEqual(b - a, 0.5)  # one after the other
        self.run_wf(wf, "--no-cache", "--jobs", "2", check=0)
        a, b = sorted(q["received"] for q in self.requests()[2:])
        self.assertLess(b - a, 0.3)  # together
        explained = {s["setting"]: s for s in self.webox("config", "explain", "--json", check=0).json()}
        self.assertEqual((explained["workflow.jobs"]["value"], explained["workflow.jobs"]["source"]), ("1", "file"))
        for bad in ("0", "300", "many"):
            self.write_config(f"workflow:\n  jobs: {bad}\n")
            r = self.run_wf(wf, "--no-cache", check=4)
            self.assertIn("config.yaml:2:9", r.err)
            self.assertIn("workflow.jobs", r.err)
        self.assertEqual(len(self.requests()), 4)

    def test_a_failure_fails_dependants_and_stops_new_steps(self):
        wf = self.write("f.yaml", """
steps:
  - id: slow
    model: openai:wait-400
    prompt: "slow one"
  - id: bad
    model: openai:http-400
    prompt: "bad one"
  - id: after_bad
    model: openai:ok
    prompt: "uses {{steps.bad.output}}"
  - id: after_slow
    model: openai:ok
    prompt: "uses {{steps.slow.output}}"
""")
        r = self.run_wf(wf, "--json", check=1)
        steps = {s["id"]: s for s in r.json()["steps"]}
        self.assertEqual(steps["slow"]["status"], "ok")           # already running: finished
        self.assertEqual(steps["bad"]["status"], "failed")
        self.assertEqual(steps["after_bad"]["status"], "failed")
        self.assertIn("needs step 'bad'", steps["after_bad"]["error"])
        self.assertEqual(steps["after_slow"]["status"], "skipped")  # not started after the failure
        self.assertIn("--keep-going", steps["after_slow"]["error"])
        self.assertIn("bad  failed", r.err)
        r = self.run_wf(wf, "-q", "--no-cache", check=1)
        self.assertEqual(r.out, "")  # no outputs printed as if the run were complete
        self.assertIn("step bad failed", r.err)
        # --keep-going runs what does not depend on the failure.
        r = self.run_wf(wf, "--json", "--keep-going", "--no-cache", check=1)
        steps = {s["id"]: s for s in r.json()["steps"]}
        self.assertEqual(steps["after_slow"]["status"], "ok")
        self.assertEqual(steps["after_bad"]["status"], "failed")

    def test_foreach_when_outputs_and_files_in_cwd(self):
        wf = self.write("e.yaml", """
inputs:
  platforms: {type: list, default: [instagram, x]}
  mode: {default: short}
defaults: {model: openai:echo}
steps:
  - id: each
    foreach: "{{inputs.platforms}}"
    prompt: "post for {{item}} #{{index}}"
    output: "out/{{item}}.txt"
  - id: only_long
    when: "{{inputs.mode}} == long"
    prompt: "long"
  - id: merged
    write: "{{#steps.each.outputs}}- {{.}}\\n{{/steps.each.outputs}}"
    output: out/all.md
outputs:
  all: "{{steps.each.output}}"
""")
        r = self.run_in(self.work, "workflow", "run", wf, "--json", "--var", "platforms=instagram,x,linkedin")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        steps = {s["id"]: s for s in doc["steps"]}
        self.assertEqual(steps["each"]["json"], ["post for instagram #0", "post for x #1", "post for linkedin #2"])
        self.assertEqual(steps["only_long"]["status"], "skipped")
        self.assertEqual(doc["outputs"]["all"], "post for instagram #0\n\npost for x #1\n\npost for linkedin #2")
        with open(os.path.join(self.work, "out", "x.txt")) as f:
            self.assertEqual(f.read(), "post for x #1\n")
        with open(os.path.join(self.work, "out", "all.md")) as f:
            self.assertEqual(f.read(), "- post for instagram #0\n- post for x #1\n- post for linkedin #2\n")
        self.assertFalse([n for n in os.listdir(os.path.join(self.work, "out")) if ".part" in n])

    def test_output_paths_rendered_from_a_model_answer_stay_under_their_folder(self):
        # Issue 21, item 4: an item "../../../../tmp/x" wrote /tmp/x.txt.
        outside = os.path.join(self.home, "outside")
        os.makedirs(outside)
        os.makedirs(os.path.join(self.work, "out"))
        os.symlink(outside, os.path.join(self.work, "out", "link"))
        cases = [
            ("out/{{item}}.txt", "../../outside/climbed"),      # climbs out of out/
            ("{{item}}.txt", outside + "/absolute"),            # absolute
            ("out/{{item}}.txt", "link/through-a-symlink"),     # a link inside out/ pointing out
        ]
        for template, item in cases:
            with self.subTest(template=template, item=item):
                wf = self.write("escape.yaml", f"""
defaults: {{model: openai:echo}}
steps:
  - id: names
    prompt: '{json.dumps(["fine", item])}'
  - id: each
    foreach: "{{{{steps.names.output}}}}"
    prompt: "text for {{{{item}}}}"
    output: "{template}"
""")
                r = self.run_in(self.work, "workflow", "run", wf, "--json", "--no-cache")
                self.assertEqual(r.returncode, 1, r.stderr)  # a failed step (webox-workflow(1))
                steps = {s["id"]: s for s in json.loads(r.stdout)["steps"]}
                self.assertEqual(steps["each"]["status"], "failed")
                self.assertIn("refus", steps["each"]["error"])
                self.assertIn(item, steps["each"]["error"])
                self.assertEqual(os.listdir(outside), [])
        # A literal path is the author's own, '..' included; a clean item is written.
        wf = self.write("literal.yaml", """
defaults: {model: openai:echo}
steps:
  - id: a
    write: "kept"
    output: "../outside/literal.txt"
  - id: b
    foreach: ["x"]
    write: "{{item}}"
    output: "out/sub/{{item}}.txt"
""")
        r = self.run_in(self.work, "workflow", "run", wf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(outside), ["literal.txt"])
        with open(os.path.join(self.work, "out", "sub", "x.txt")) as f:
            self.assertEqual(f.read(), "x")

    def run_in(self, cwd, *args, timeout=30):
        return subprocess.run([WEBOX, *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)

    # -- cache ----------------------------------------------------------------------

    def test_a_rerun_is_served_from_the_cache(self):
        wf = self.write("c.yaml", """
defaults: {model: openai:ok}
steps:
  - id: a
    prompt: "one"
  - id: b
    prompt: "two {{steps.a.output}}"
  - id: fresh
    prompt: "always"
    cache: false
""")
        first = self.run_wf(wf, "--json", check=0).json()
        self.assertEqual(len(self.requests()), 3)
        second = self.run_wf(wf, "--json", check=0).json()
        self.assertEqual(len(self.requests()), 4)  # only the cache: false step called again
        self.assertEqual([s["cached"] for s in second["steps"]], [True, True, False])
        self.assertEqual([s["output"] for s in first["steps"]], [s["output"] for s in second["steps"]])
        self.run_wf(wf, "--no-cache", check=0)
        self.assertEqual(len(self.requests()), 7)

    # -- JSON answers -------------------------------------------------------------

    def test_json_steps_are_validated_and_repaired_once(self):
        wf = self.write("j.yaml", """
steps:
  - id: tags
    model: openai:json-bad-then-ok
    prompt: "tags for hiking"
    format: json
    schema: {tags: array, count: integer}
  - id: use
    model: openai:echo
    prompt: "{{#steps.tags.json.tags}}#{{.}} {{/steps.tags.json.tags}}n={{steps.tags.json.count}}"
""")
        doc = self.run_wf(wf, "--json", check=0).json()
        self.assertEqual(doc["steps"][0]["json"], {"tags": ["un", "deux", "trois"], "count": 7})
        self.assertEqual(doc["steps"][1]["output"], "#un #deux #trois n=7")
        asked = self.requests()
        self.assertEqual(len(asked), 3)  # the bad answer, the repair, then the echo step
        self.assertIn('"tags" (array)', asked[0]["body"]["messages"][-1]["content"])
        self.assertIn("could not be used", asked[1]["body"]["messages"][-1]["content"])

        bad = self.write("jb.yaml", """
steps:
  - id: tags
    model: openai:json-bad
    prompt: "tags"
    format: json
    schema: [tags]
""")
        r = self.run_wf(bad, "--json", check=1)
        self.assertIn("even after one repair", r.json()["steps"][0]["error"])

    # -- record and replay --------------------------------------------------------

    def test_record_then_replay_gives_identical_results_without_network_or_key(self):
        cassette = os.path.join(self.work, "c.jsonl")
        args = ["social-post", "--var", "topic=randonnée en Vercors", "-m", "openai:auto", "--json", "--no-cache"]
        recorded = self.run_in(self.work, "workflow", "run", *args, "--record", cassette)
        self.assertEqual(recorded.returncode, 0, recorded.stderr)
        with open(cassette) as f:
            text = f.read()
        self.assertNotIn("test-key", text)
        self.assertEqual(len(text.splitlines()), 5)  # draft, hashtags, three variants
        files = {}
        for name in ("instagram", "x", "linkedin"):
            with open(os.path.join(self.work, "out", "social-post", name + ".txt")) as f:
                files[name] = f.read()
        self.fake.stop()  # nothing listens any more
        for k in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
            self.env.pop(k)
        replayed = self.run_in(self.work, "workflow", "run", *args, "--replay", cassette)
        self.assertEqual(replayed.returncode, 0, replayed.stderr)
        a, b = json.loads(recorded.stdout), json.loads(replayed.stdout)
        self.assertEqual(a["outputs"], b["outputs"])
        self.assertEqual([s["output"] for s in a["steps"]], [s["output"] for s in b["steps"]])
        for name, content in files.items():
            with open(os.path.join(self.work, "out", "social-post", name + ".txt")) as f:
                self.assertEqual(f.read(), content)
        # A request that is not in the file fails clearly, and is never sent.
        miss = self.run_in(self.work, "workflow", "run", "social-post", "--var", "topic=autre chose",
                           "-m", "openai:auto", "--no-cache", "--replay", cassette)
        self.assertEqual(miss.returncode, 1, miss.stderr)
        self.assertIn("not in the replay file", miss.stderr)

    def test_every_example_workflow_runs_through_record_and_replay(self):
        article = self.write("article.txt", "Le Vercors est un massif des Préalpes. " * 20)
        answer = self.write("answer.txt", "J'ai mené la migration de notre facturation vers C++20.")
        cases = {
            "social-post": ["--var", "topic=Vercors"],
            "article-summary": ["--var", "article=@" + article, "--var", "model_a=openai:auto",
                                "--var", "model_b=anthropic:auto", "--var", "judge=openai:auto"],
            "interview-practice": ["--var", "role=développeur C++", "--var", "answer=@" + answer],
            "lead-triage": ["--var", "username=marie", "--var", "comment=C'est combien ?"],
        }
        for name, extra in cases.items():
            cassette = os.path.join(self.work, name + ".jsonl")
            rec = self.run_in(self.work, "workflow", "run", name, "-m", "openai:auto", "--no-cache", "--json",
                              "--record", cassette, *extra)
            self.assertEqual(rec.returncode, 0, name + ": " + rec.stderr)
            rep = self.run_in(self.work, "workflow", "run", name, "-m", "openai:auto", "--no-cache", "--json",
                              "--replay", cassette, *extra)
            self.assertEqual(rep.returncode, 0, name + ": " + rep.stderr)
            self.assertEqual(json.loads(rec.stdout)["outputs"], json.loads(rep.stdout)["outputs"], name)
        doc = json.loads(rep.stdout)  # lead-triage: the fake says is_lead: true
        steps = {s["id"]: s["status"] for s in doc["steps"]}
        self.assertEqual(steps, {"classify": "ok", "dm": "ok", "public_reply": "skipped"})

    # -- bad input ------------------------------------------------------------------

    def test_validate_reports_positions_and_exits_2(self):
        bad = self.write("bad.yaml", "steps:\n  - id: a\n    prompt: \"{{steps.nope.output}}\"\n    modle: x\n")
        r = self.webox("workflow", "validate", bad, check=2)
        self.assertIn(bad + ":4:5: step 'a': unknown key 'modle'", r.err)
        cycle = self.write("cycle.yaml", "steps:\n  - id: a\n    prompt: \"{{steps.b.output}}\"\n  - id: b\n    prompt: \"{{steps.a.output}}\"\n")
        r = self.webox("workflow", "validate", cycle, check=2)
        self.assertIn("in a cycle", r.err)
        unknown_model = self.write("m.yaml", "steps:\n  - id: a\n    model: nosuchprovider:x\n    prompt: hi\n")
        r = self.webox("workflow", "validate", unknown_model, check=2)
        self.assertIn(unknown_model + ":3:12:", r.err)
        examples = sorted(os.path.join(EXAMPLES, n) for n in os.listdir(EXAMPLES) if n.endswith(".yaml"))
        r = self.webox("workflow", "validate", *examples, check=0)
        self.assertEqual(r.out.count(": ok ("), len(examples))
        self.assertEqual(self.requests(), [])

    def test_bad_inputs_send_nothing(self):
        r = self.run_wf("social-post", check=2)
        self.assertIn("input 'topic' is required", r.err)
        r = self.run_wf("social-post", "--var", "topik=x", check=2)
        self.assertIn("no input 'topik'", r.err)
        r = self.run_wf("no-such-workflow", check=2)
        self.assertIn("no workflow", r.err)
        r = self.run_wf("social-post", "--var", "topic=x", "--replay", "/no/such/file", check=2)
        self.assertIn("cannot read", r.err)
        self.assertEqual(self.requests(), [])

    # -- budgets -----------------------------------------------------------------
    # "x" with max_tokens 1 is estimated at about 9 tokens (never under 7 nor
    # over 10); the fake bills 12 + 7 = 19. At $1 per million tokens, a step's
    # worst case W is 7 to 10 µ$, what it really costs (A) 19 µ$.
    BUDGET_PRICES = 'prices:\n  "openai:ok": {input: 1, output: 1}\n'
    TWO_STEPS = """
defaults: {model: "openai:ok", options: {max_tokens: 1}}
steps:
  - id: a
    prompt: "x"
  - id: b
    prompt: "x"%s
"""

    @sqlite_only
    def test_max_cost_counts_what_came_back_and_what_is_in_flight(self):
        self.write_config(self.BUDGET_PRICES)
        chained = self.write("chained.yaml", self.TWO_STEPS % "\n    needs: a")
        # A + W <= 30 µ$, but A + W + W (a's estimate kept after it came back) is over.
        doc = self.run_wf(chained, "--no-cache", "--max-cost", "0.00003", "--json", check=0).json()
        self.assertEqual([s["status"] for s in doc["steps"]], ["ok", "ok"])
        self.assertEqual(len(self.requests()), 2)
        # A + W > 25 µ$: b is refused after a's real cost, and nothing is sent for it.
        r = self.run_wf(chained, "--no-cache", "--max-cost", "0.000025", "--json", check=5)
        doc = r.json()
        self.assertEqual([s["status"] for s in doc["steps"]], ["ok", "failed"])
        self.assertIn("over --max-cost $0.000025", doc["steps"][1]["error"])
        self.assertIn("spent", doc["steps"][1]["error"])
        self.assertEqual(len(self.requests()), 3)
        # Side by side, b is queued while a is in flight: 2 W > 13 µ$ >= W.
        parallel = self.write("parallel.yaml", self.TWO_STEPS % "")
        r = self.run_wf(parallel, "--no-cache", "--max-cost", "0.000013", check=5)
        self.assertRegex(r.err, r"b +failed .*over --max-cost")
        self.assertEqual(len(self.requests()), 4)
        # The refused step's dependants are not run; the run is stored as failed.
        with self.db() as db:
            self.assertEqual(db.execute("SELECT status FROM workflow_runs ORDER BY rowid DESC LIMIT 1").fetchone()[0],
                             "failed")

    def test_daily_budget_and_unpriced_models(self):
        self.write_config('budgets:\n  daily: 0.000025\n' + self.BUDGET_PRICES)
        chained = self.write("chained.yaml", self.TWO_STEPS % "\n    needs: a")
        # a is logged at its real cost; b would pass the day's cap.
        r = self.run_wf(chained, "--no-cache", "--json", check=5)
        self.assertEqual([s["status"] for s in r.json()["steps"]], ["ok", "failed"])
        self.assertIn("daily budget", r.json()["steps"][1]["error"])
        self.assertEqual(len(self.requests()), 1)
        # A model without a price cannot be kept to a cap: refused, nothing sent.
        r = self.run_wf(chained, "--no-cache", "-m", "anthropic:ok", "--max-cost", "1", check=5)
        self.assertIn("no known price", r.err)
        self.assertEqual(len(self.requests()), 1)
        # --max-cost must be a number.
        r = self.run_wf(chained, "--max-cost", "lots", check=2)
        self.assertIn("--max-cost", r.err)

    def test_dry_run_renders_without_calling(self):
        r = self.run_wf("lead-triage", "--dry-run", "--var", "username=marie", "--var", "comment=Combien ?", check=0)
        self.assertIn("[1] classify (use, openai:gpt-4o-mini)", r.out)
        self.assertIn('"Combien ?"', r.out)
        self.assertIn("when: <steps.classify.json.is_lead> == false", r.out)
        self.assertIn("needs: classify", r.out)
        self.assertIn('"is_lead" (boolean)', r.out)
        self.assertEqual(self.requests(), [])

    @sqlite_only
    def test_ctrl_c_cancels_in_flight_calls(self):
        wf = self.write("slow.yaml", """
defaults: {model: "openai:wait-8000"}
steps:
  - {id: a, prompt: one}
  - {id: b, prompt: two}
""")
        p = subprocess.Popen([WEBOX, "workflow", "run", wf], env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while len(self.requests()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=5)
        self.assertEqual(p.returncode, 130, err)
        with self.db() as db:
            self.assertEqual(db.execute("SELECT status FROM workflow_runs").fetchall(), [("cancelled",)])

    # -- what is stored ---------------------------------------------------------------

    @sqlite_only
    def test_runs_steps_and_calls_are_stored(self):
        wf = self.write("s.yaml", "name: stored\ndefaults: {model: openai:ok}\nsteps:\n  - {id: a, prompt: one}\n")
        run_id = self.run_wf(wf, "--json", check=0).json()["run_id"]
        with self.db() as db:
            self.assertEqual(db.execute("SELECT workflow, status FROM workflow_runs WHERE id = ?", (run_id,)).fetchall(),
                             [("stored", "ok")])
            self.assertEqual(db.execute("SELECT step_id, status, cached, tokens FROM workflow_steps").fetchall(),
                             [("a", "ok", 0, 19)])
            self.assertEqual(db.execute("SELECT COUNT(*) FROM calls WHERE group_id = ?", (run_id,)).fetchone(), (1,))

    # -- media steps: the offline speech loop -----------------------------------------------

    def test_speech_loop_runs_offline(self):
        answer = os.path.join(self.work, "answer.wav")
        self.webox("tts", "-v", "en", "I led the migration of our billing system", "-o", answer, check=0)
        r = self.run_in(self.work, "workflow", "run", "interview-speech", "--var", "answer_audio=" + answer,
                        "--json", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        steps = {s["id"]: s for s in doc["steps"]}
        self.assertTrue(doc["outputs"]["transcript"].strip())
        for name in ("question", "feedback"):
            with open(os.path.join(self.work, "out", "interview", name + ".wav"), "rb") as f:
                head = f.read(12)
            self.assertEqual((head[:4], head[8:12]), (b"RIFF", b"WAVE"))
        self.assertEqual(steps["ask"]["files"], [os.path.join(self.work, "out", "interview", "question.wav")])
        media = self.webox("media", "list", "--json", check=0).json()
        self.assertEqual(sum(1 for m in media if m["kind"] == "audio"), 3)  # the answer, the question, the feedback


class ListWidthTest(WeboxTestCase):
    """Lists pad their columns by terminal cells, not bytes (issue 18)."""

    def test_an_accented_workflow_name_lines_up(self):
        d = os.path.join(self.home, "config", "webox", "workflows")
        os.makedirs(d)
        for name in ("résumé-été", "plain"):
            with open(os.path.join(d, name + ".yaml"), "w") as f:
                f.write("not: a workflow\n")
        lines = self.webox("workflow", "list", check=0).out.splitlines()
        starts = {line.split()[0]: line.index("(invalid") for line in lines if "(invalid" in line}
        # precomposed accents: one code point, one cell each
        self.assertEqual(starts["résumé-été"], starts["plain"], lines)


class PromptsTest(WeboxTestCase):
    def test_list_show_and_new(self):
        r = self.webox("prompts", "list", "--json", check=0)
        prompts = {p["name"]: p for p in r.json()}
        for name in ("resume-article", "code-review", "dating-reply", "translate", "social-post",
                     "interview-evaluation", "dm-draft", "comment-intent"):
            self.assertIn(name, prompts)
        self.assertEqual({p["category"] for p in prompts.values()} >=
                         {"writing", "code", "analysis", "coaching", "translation", "creative", "social",
                          "interview", "leads"}, True)
        r = self.webox("prompts", "list", "--category", "coaching", check=0)
        self.assertIn("dating-reply", r.out)
        self.assertNotIn("code-review", r.out)
        r = self.webox("prompts", "show", "resume-article", check=0)
        self.assertIn("variable:    text", r.out)
        self.assertIn("{{text}}", r.out)
        r = self.webox("prompts", "show", "resume", check=2)
        self.assertIn("did you mean: resume-article", r.err)
        path = self.webox("prompts", "new", "resume-article", "--category", "writing", check=0).out.strip()
        self.assertTrue(path.startswith(os.path.join(self.home, "config")))
        r = self.webox("prompts", "show", "resume-article", "--json", check=0)
        self.assertEqual(r.json()["source"], "user")  # the user's own wins
        self.webox("prompts", "new", "resume-article", check=2)
        self.webox("prompts", "new", "Bad Name", check=2)


if __name__ == "__main__":
    main()
