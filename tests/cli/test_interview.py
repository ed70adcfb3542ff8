"""webox interview through the real binary: sessions driven by WAV answers
spoken by espeak-ng (webox tts -m espeak) and transcribed by PocketSphinx,
questions and evaluations from the offline echo model or the loopback
OpenAI fake (tests/fakes/fake_llm.py: `auto` answers the JSON asked for,
`json-bad` never does, `slow-MS` is slow); the fake audio device
(WEBOX_AUDIO_DEVICE=fake:DIR) stands in for microphone and speakers."""
import json
import os
import signal
import sqlite3
import struct
import subprocess
import time
import wave

from harness import WEBOX, WeboxTestCase, main

ANSWERS = [
    "I led the migration of our billing system to C plus plus twenty, and it cut the latency by half.",
    "I would profile first, find the hot path, and fix the allocation in the inner loop.",
    "We wrote tests for every bug before fixing it, so it never came back.",
]


def write_wav(path, samples, rate=16000, channels=1, width=2):
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        fmt = {1: "b", 2: "h", 4: "i"}[width]
        w.writeframes(struct.pack("<%d%s" % (len(samples), fmt), *samples))


def read_wav(path):
    with wave.open(path, "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())


class InterviewCase(WeboxTestCase):
    """Helpers; the tests are split in classes so that ctest runs them side by side."""

    def setUp(self):
        super().setUp()
        self.env["WEBOX_AUDIO_DEVICE"] = "none"  # never the machine's sound card

    def answer(self, i, text=None):
        path = os.path.join(self.home, f"a{i}.wav")
        self.webox("tts", "--voice", "en", text or ANSWERS[i - 1], "--output", path, check=0)
        return path

    def answers(self, n):
        return [self.answer(i) for i in range(1, n + 1)]

    def llm(self):
        fake = self.start_fake("fake_llm.py")
        self.env.update({"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "test-key", "WEBOX_RETRIES": "0"})
        return fake

    def run_session(self, *args, check=0, scenario="job-technical", **kw):
        r = self.webox("interview", "run", scenario, "--no-audio", *args, check=check, timeout=120, **kw)
        return r

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))



class ScenarioTest(InterviewCase):

    def test_list_shows_the_shipped_scenarios(self):
        r = self.webox("interview", "list", check=0)
        for name in ("job-technical", "job-behavioural", "sales-pitch", "salary-negotiation", "entretien-fr"):
            self.assertIn(name, r.out)
        doc = json.loads(self.webox("interview", "list", "--json", check=0).out)
        tech = next(s for s in doc if s["name"] == "job-technical")
        self.assertEqual(tech["source"], "shipped")
        self.assertTrue(all(c["weight"] > 0 and c["description"] for c in tech["rubric"]))
        self.assertEqual(next(s for s in doc if s["name"] == "entretien-fr")["language"], "fr")

    def test_a_user_scenario_overrides_a_shipped_one(self):
        d = os.path.join(self.home, "config", "webox", "prompts", "interview")
        os.makedirs(d)
        with open(os.path.join(d, "sales-pitch.md"), "w") as f:
            f.write("---\ntitle: My pitch\nquestions: 1\nrubric:\n  - {name: punch, weight: 1, description: Short}\n---\nBuyer.\n")
        doc = json.loads(self.webox("interview", "list", "--json", check=0).out)
        mine = next(s for s in doc if s["name"] == "sales-pitch")
        self.assertEqual((mine["title"], mine["source"]), ("My pitch", "user"))

    def test_a_broken_rubric_is_exit_2_with_file_and_line(self):
        d = os.path.join(self.home, "config", "webox", "prompts", "interview")
        os.makedirs(d)
        with open(os.path.join(d, "broken.md"), "w") as f:
            f.write("---\nname: broken\nrubric:\n  - name: clarity\n    weight: lots\n    description: x\n---\nAsk.\n")
        r = self.webox("interview", "run", "broken", "--answers", "x.wav", check=2)
        self.assertIn("broken.md:5: 'weight' must be a number", r.err)
        self.assertEqual(r.err.count("\n"), 1, r.err)
        r = self.webox("interview", "list", check=0)  # the others are still listed
        self.assertIn("job-technical", r.out)
        self.assertIn("broken.md:5", r.err)



class SessionTest(InterviewCase):

    def test_offline_session_keeps_turns_without_scores_and_says_so_once(self):
        r = self.run_session("--answers", *self.answers(2), "--json")
        doc = r.json()
        self.assertEqual(doc["status"], "completed")
        self.assertEqual(len(doc["turns"]), 2)
        for t in doc["turns"]:
            self.assertTrue(t["transcript"].strip(), t)  # PocketSphinx heard words
            self.assertEqual(t["scores"], {})
            self.assertIsNone(t["score"])
            self.assertIn("no usable JSON", t["note"])
            self.assertGreater(t["metrics"]["words_per_minute"], 0)
            self.assertEqual(t["metrics"]["rate_from"], "word timings")
        self.assertIsNone(doc["overall_score"])
        self.assertEqual(r.err.count("gave no usable JSON for the rubric"), 1, r.err)
        # Every call is logged: 2 questions, 2 evaluations and their repairs, the summary and its repair,
        # and the 2 transcriptions (priced: PocketSphinx is free).
        calls = self.db().execute("SELECT provider, count(*), sum(cost) FROM calls WHERE group_id = ? GROUP BY provider",
                                  (f"interview-{doc['id']}",)).fetchall()
        self.assertEqual(sorted(calls), [("echo", 8, 0), ("pocketsphinx", 2, 0)])

    def test_session_on_the_openai_fake_scores_every_criterion(self):
        fake = self.llm()
        r = self.run_session("-m", "openai:auto", "--answers", *self.answers(2), "--json")
        doc = r.json()
        self.assertEqual(r.err, "")
        self.assertEqual([t["turn"] for t in doc["turns"]], [1, 2])
        for t in doc["turns"]:
            self.assertEqual(set(t["scores"]), {"correctness", "depth", "examples", "clarity"})
            self.assertEqual(t["score"], 7)
            self.assertTrue(t["feedback"])
        self.assertEqual(doc["overall_score"], 7)
        self.assertEqual(set(doc["summary"]), {"strengths", "improvements", "summary", "score"})
        bodies = [q["body"] for q in fake.requests()]
        self.assertEqual(len(bodies), 5)  # question, evaluation, question, evaluation, summary
        # The second question carries the first answer: it may follow up.
        q2 = bodies[2]["messages"]
        self.assertEqual(q2[-1]["role"], "user")
        self.assertIn(doc["turns"][0]["transcript"], q2[-1]["content"])
        self.assertIn("Follow-up rules", q2[0]["content"])

    def test_a_model_without_json_is_repaired_once_then_the_turn_is_kept(self):
        fake = self.llm()
        r = self.run_session("-m", "openai:json-bad", "--answers", self.answer(1), "--json")
        doc = r.json()
        self.assertEqual(len(doc["turns"]), 1)
        self.assertEqual(doc["turns"][0]["scores"], {})
        self.assertEqual(r.err.count("no usable JSON for the rubric"), 1)
        evaluations = [q for q in fake.requests() if "rubric" not in q["body"]["messages"][0]["content"] and
                       "evaluate" in q["body"]["messages"][0]["content"]]
        self.assertEqual(len(evaluations), 2)  # the request and its one repair
        self.assertIn("Your answer could not be used", evaluations[1]["body"]["messages"][-1]["content"])

    def test_one_repair_is_enough_when_the_model_complies(self):
        fake = self.llm()
        r = self.run_session("-m", "openai:json-repair", "--answers", self.answer(1), "--json")
        doc = r.json()
        self.assertEqual(len(doc["turns"][0]["scores"]), 4)
        self.assertEqual(set(doc["summary"]), {"strengths", "improvements", "summary", "score"})
        self.assertEqual(r.err, "")
        self.assertEqual(len(fake.requests()), 5)  # question, evaluation + repair, summary + repair



class AnswerAudioTest(InterviewCase):
    def test_a_silent_answer_is_kept_without_evaluation(self):
        fake = self.llm()
        silent = os.path.join(self.home, "silent.wav")
        write_wav(silent, [0] * 16000 * 3)
        r = self.run_session("-m", "openai:auto", "--answers", silent, self.answer(2), "--json")
        doc = r.json()
        self.assertEqual(doc["turns"][0]["transcript"], "")
        self.assertIn("silent", doc["turns"][0]["note"])
        self.assertEqual(doc["turns"][0]["scores"], {})
        self.assertEqual(len(doc["turns"][1]["scores"]), 4)
        self.assertIn("turn 1: the answer is silent", r.err)
        self.assertEqual(len(fake.requests()), 4)  # no evaluation for the silent turn

    def test_a_bad_wav_is_exit_2_before_any_question(self):
        fake = self.llm()
        bad = os.path.join(self.home, "bad.wav")
        with open(bad, "w") as f:
            f.write("this is not audio")
        r = self.run_session("-m", "openai:auto", "--answers", self.answer(1), bad, check=2)
        self.assertIn("bad.wav: not a WAV file", r.err)
        self.assertEqual(fake.requests(), [])
        self.assertEqual(self.webox("interview", "history", "--json", check=0).json(), [])
        r = self.run_session("--answers", os.path.join(self.home, "missing.wav"), check=2)
        self.assertIn("missing.wav", r.err)

    def test_other_pcm_formats_are_converted(self):
        self.llm()
        rate, channels, width, frames = read_wav(self.answer(1))
        mono = struct.unpack("<%dh" % (len(frames) // 2), frames)
        stereo = []
        for s in mono[::1]:
            stereo += [s << 16, s << 16]  # 32-bit stereo at the same rate
        converted = os.path.join(self.home, "stereo32.wav")
        write_wav(converted, stereo, rate=rate, channels=2, width=4)
        doc = self.run_session("-m", "openai:auto", "--answers", converted, "--json").json()
        self.assertTrue(doc["turns"][0]["transcript"].strip())

    def test_whisper_word_timings_reach_the_metrics(self):
        fake = self.start_media_fake()
        a = self.answer(1)
        doc = self.run_session("--stt-model", "openai:whisper-1", "--answers", a, "--json").json()
        t = doc["turns"][0]
        self.assertTrue(t["transcript"].startswith("heard "))
        self.assertEqual(t["metrics"]["rate_from"], "word timings")
        # 5 words over the fake's 2.4 s of word timings
        self.assertAlmostEqual(t["metrics"]["words_per_minute"], 5 * 60 / 2.4, places=3)
        form = [q for q in fake.requests() if q["path"] == "/v1/audio/transcriptions"][0]["body"]
        self.assertEqual(form["timestamp_granularities[]"], "word")
        self.assertEqual(form["response_format"], "verbose_json")
        # and `webox transcribe --json` carries them as the stt operation's "words"
        r = self.webox("transcribe", "-m", "openai:whisper-1", a, "--json", "--option", "timestamp_granularities[]=word",
                       check=0)
        self.assertEqual(r.json()["words"][0]["word"], "heard")



class DeviceAndEdgeTest(InterviewCase):
    def test_no_audio_device_suggests_answers(self):
        r = self.webox("interview", "run", "job-technical", "--turns", "1", check=2)
        self.assertIn("no audio device", r.err)
        self.assertIn("--answers", r.err)

    def test_too_few_answer_files_for_the_turns(self):
        r = self.run_session("--turns", "3", "--answers", self.answer(1), check=2)
        self.assertIn("one file per turn", r.err)

    def test_french_scenario_refuses_an_english_only_recogniser_up_front(self):
        r = self.run_session("--answers", self.answer(1), scenario="entretien-fr", check=2)
        self.assertIn("does not recognise", r.err)
        self.assertIn("--stt-model", r.err)

    def test_ctrl_c_mid_session_keeps_the_turns_done(self):
        self.llm()
        answers = self.answers(3)
        env = dict(self.env)
        proc = subprocess.Popen([WEBOX, "interview", "run", "job-technical", "--no-audio", "-m", "openai:slow-300",
                                 "--answers", *answers], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                text=True)
        try:
            for line in proc.stdout:
                if "wpm" in line:  # turn 1 is stored and printed
                    break
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertEqual(proc.returncode, 130, err)
        sessions = self.webox("interview", "history", "--json", check=0).json()
        self.assertEqual(len(sessions), 1)
        self.assertEqual(sessions[0]["status"], "interrupted")
        self.assertGreaterEqual(sessions[0]["turn_count"], 1)
        self.assertLess(sessions[0]["turn_count"], 3)

    def test_fake_audio_device_end_to_end(self):
        self.llm()
        d = os.path.join(self.home, "device")
        os.makedirs(d)
        os.rename(self.answer(1), os.path.join(d, "mic-1.wav"))
        saved = os.path.join(self.home, "saved")
        r = self.webox("interview", "run", "job-technical", "--turns", "1", "-m", "openai:auto", "--save-audio", saved,
                       "--json", env={"WEBOX_AUDIO_DEVICE": "fake:" + d}, check=0, timeout=120)
        doc = r.json()
        self.assertTrue(doc["turns"][0]["transcript"].strip())
        self.assertEqual(len(doc["turns"][0]["scores"]), 4)
        # The question and the summary were played; the recording ended on silence.
        played = sorted(os.listdir(d))
        self.assertIn("played-1.wav", played)
        self.assertIn("played-2.wav", played)
        rate, channels, width, frames = read_wav(os.path.join(d, "played-1.wav"))
        self.assertEqual((rate, channels, width), (16000, 1, 2))
        self.assertGreater(len(frames), 16000)
        # --save-audio kept the question and the answer, and the turn names its answer file.
        self.assertTrue(os.path.exists(doc["turns"][0]["audio"]))
        self.assertTrue(any(n.endswith("q1.wav") for n in os.listdir(saved)))
        seconds = doc["turns"][0]["metrics"]["answer_seconds"]
        self.assertGreater(seconds, 1.5)  # the answer and the 1.5 s of silence that ended it

    def test_portaudio_is_loaded_only_when_a_session_wants_a_device(self):
        def loaded(*args, env=None):
            r = self.webox(*args, env=dict({"LD_DEBUG": "files"}, **(env or {})), timeout=120)
            return [line for line in r.err.splitlines() if "file=" in line and "portaudio" in line]
        ldd = subprocess.run(["ldd", WEBOX], capture_output=True, text=True).stdout
        self.assertNotIn("portaudio", ldd)
        self.assertEqual(loaded("--version"), [])
        self.assertEqual(loaded("interview", "list"), [])
        self.assertEqual(loaded("interview", "run", "job-technical", "--no-audio", "--answers", self.answer(1)), [])
        self.assertNotEqual(loaded("interview", "run", "job-technical", "--turns", "1",
                                   env={"WEBOX_AUDIO_DEVICE": "default"}), [])



class HistoryTest(InterviewCase):

    def test_history_show_and_progress_over_several_sessions(self):
        self.llm()
        a = self.answers(1)
        for _ in range(2):
            self.run_session("-m", "openai:auto", "--answers", *a)
        self.run_session("--answers", *a)  # echo: unscored
        history = self.webox("interview", "history", "--json", check=0).json()
        self.assertEqual(len(history), 3)
        self.assertEqual([h["status"] for h in history], ["completed"] * 3)
        text = self.webox("interview", "history", check=0).out
        self.assertEqual(len(text.splitlines()), 3)
        sid = history[-1]["id"]
        shown = self.webox("interview", "show", str(sid), "--json", check=0).json()
        self.assertEqual(shown["turns"][0]["scores"]["depth"], 7)
        md = self.webox("interview", "show", str(sid), "--markdown", check=0).out
        self.assertIn("## Question 1", md)
        self.assertIn("| depth | 7 |", md)
        self.assertIn("## Summary", md)
        self.assertIn("wpm", self.webox("interview", "show", str(sid), check=0).out)
        progress = self.webox("interview", "progress", "--scenario", "job-technical", "--json", check=0).json()
        self.assertEqual(len(progress), 2)  # the unscored session has no point
        self.assertEqual(progress[0]["criteria"]["clarity"], 7)
        table = self.webox("interview", "progress", check=0).out
        self.assertIn("clarity", table)
        self.assertIn("▆▆", table)
        r = self.webox("interview", "show", "999", check=2)
        self.assertIn("no interview session 999", r.err)
        self.assertIn("not both", self.webox("interview", "show", str(sid), "--json", "--markdown", check=2).err)

    def test_history_on_a_fresh_home_creates_no_database(self):
        r = self.webox("interview", "history", check=0)
        self.assertIn("no interview sessions", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.home, "data", "webox", "webox.db")))


class BudgetTest(InterviewCase):
    """Spending caps, as chat has them: each model call of a session is priced,
    logged with its cost and refused before it is sent when it could pass
    --max-cost or the config's caps; the turns done are kept."""

    # Output only, so that a call's worst case is exactly 4096 answer tokens.
    PRICES = 'prices:\n  "openai:auto": {input: 0, output: 1000}\n'
    WORST = 4096 * 1000 / 1e6

    def test_model_calls_are_priced_and_max_cost_stops_before_the_call_that_would_pass_it(self):
        fake = self.llm()
        self.write_config(self.PRICES)
        answers = self.answers(2)
        first = self.run_session("-m", "openai:auto", "--answers", *answers, "--json").json()
        costs = [row[0] for row in self.db().execute(
            "SELECT cost FROM calls WHERE group_id = ? AND provider = 'openai' ORDER BY id", (f"interview-{first['id']}",))]
        self.assertEqual(len(costs), 5)  # question, evaluation, question, evaluation, summary
        self.assertTrue(all(c is not None and c > 0 for c in costs), costs)
        # Room for question 1 and its evaluation, not for question 2 on top of them.
        cap = self.WORST + costs[0] + costs[1] / 2
        before = len(fake.requests())
        r = self.run_session("-m", "openai:auto", "--answers", *answers, "--max-cost", repr(cap), "--json", check=None)
        self.assertEqual(r.code, 5, r.err)
        self.assertEqual(r.out, "")
        self.assertIn("over --max-cost", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        self.assertEqual(len(fake.requests()) - before, 2)
        sessions = self.webox("interview", "history", "--json", check=0).json()
        second = next(s for s in sessions if s["id"] != first["id"])
        self.assertEqual(second["status"], "failed")
        self.assertEqual(second["turn_count"], 1)

    def test_a_daily_cap_refuses_the_first_question_and_nothing_is_sent(self):
        fake = self.llm()
        self.write_config('budgets:\n  daily: 1\n' + self.PRICES)
        r = self.run_session("-m", "openai:auto", "--answers", self.answer(1), check=None)
        self.assertEqual(r.code, 5, r.err)
        self.assertIn("daily", r.err)
        self.assertEqual(fake.requests(), [])

    def test_max_cost_must_be_an_amount(self):
        r = self.run_session("--max-cost", "cheap", "--answers", self.answer(1), check=None)
        self.assertEqual(r.code, 2, r.err)
        self.assertIn("--max-cost", r.err)


if __name__ == "__main__":
    main()
