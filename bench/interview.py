#!/usr/bin/env python3
"""Turn latency of `webox interview` on the offline engines, for a ~10 s answer:
from the end of one answer to the next question ready to be spoken (STT of the
answer + its evaluation + the next question + its TTS), against the sum of the
engines' own times measured separately (`webox transcribe`, `webox tts`, one
process each, as a user would run them).

    bench/interview.py [build/bin/webox] [--runs 3] [--llm echo|fake]

--llm echo: the offline echo model (its evaluation answers no JSON: one repair
            call, then the turn is kept without scores);
--llm fake: tests/fakes/fake_llm.py's `auto` model on loopback (real JSON).
The timings come from the session's --json (timings_ms of turn 2).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

ANSWER = ("In my last job I led the migration of our billing system from an old C plus plus code base "
          "to a modern one. We wrote tests first, moved one module at a time, and cut the latency "
          "of the monthly run by half, without a single outage.")


def run(cmd, env, **kw):
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr}")
    return p, (time.monotonic() - t0) * 1000


def wav_seconds(path):
    with wave.open(path, "rb") as w:
        return w.getnframes() / w.getframerate()


def start_fake(env):
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "fakes", "fake_llm.py"), "0"],
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    env.update({"OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "test-key"})
    return proc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("webox", nargs="?", default=os.path.join(ROOT, "build", "bin", "webox"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--llm", choices=["echo", "fake"], default="echo")
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="webox-bench-interview-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBOX_", "OPENAI_", "XDG_"))}
    env.update({"HOME": home, "XDG_CONFIG_HOME": home + "/config", "XDG_DATA_HOME": home + "/data",
                "XDG_CACHE_HOME": home + "/cache", "WEBOX_AUDIO_DEVICE": "none"})
    fake = start_fake(env) if a.llm == "fake" else None
    model = "openai:auto" if fake else "echo:echo"
    try:
        answer = os.path.join(home, "answer.wav")
        run([a.webox, "tts", "--voice", "en", ANSWER, "--output", answer], env)
        print(f"answer: {wav_seconds(answer):.1f} s of espeak speech; model {model}")

        latencies, parts = [], []
        question2 = None
        for _ in range(a.runs):
            p, _ = run([a.webox, "interview", "run", "job-technical", "--no-audio", "-m", model,
                        "--answers", answer, answer, "--json"], env)
            doc = json.loads(p.stdout)
            t1, t2 = doc["turns"][0]["timings_ms"], doc["turns"][1]["timings_ms"]
            latencies.append(t2["latency_ms"])
            parts.append({"stt": t1["stt_ms"], "evaluation": t1.get("evaluation_ms", 0),
                          "question": t2["question_ms"], "tts": t2["tts_ms"]})
            question2 = doc["turns"][1]["question"]

        stt_alone, tts_alone = [], []
        for _ in range(a.runs):
            stt_alone.append(run([a.webox, "transcribe", answer], env)[1])
            tts_alone.append(run([a.webox, "tts", "--voice", "en", question2, "--output",
                                  os.path.join(home, "q.wav")], env)[1])
        med = statistics.median
        print(f"turn latency (end of answer -> next question ready to play), median of {a.runs}: "
              f"{med(latencies):.0f} ms")
        for k in ("stt", "evaluation", "question", "tts"):
            print(f"  {k:<11} {med([p[k] for p in parts]):7.0f} ms  (inside the session)")
        print(f"engines alone, one process each: transcribe {med(stt_alone):.0f} ms + tts {med(tts_alone):.0f} ms "
              f"= {med(stt_alone) + med(tts_alone):.0f} ms")
    finally:
        if fake:
            fake.terminate()
            fake.wait()


if __name__ == "__main__":
    main()
