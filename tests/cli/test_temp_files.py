"""Temporary files of personal data never outlive their writer (issue 21,
item 5). Every writer goes through one temp+rename helper
(lib/core/atomic_file): a first signal unwinds and removes the temporary
file; a second signal (`timeout`, a double Ctrl-C) exits at once but unlinks
the registered temporary files first; kill -9 leaves them, and the next run
writing into the same folder sweeps the leftovers of dead processes.

Signals are made deterministic with SIGSTOP: the writer is stopped while its
temporary file exists, SIGINT and SIGTERM are queued (two different signals,
so neither is merged into the other), and SIGCONT delivers both at once."""
import json
import os
import signal
import sqlite3
import subprocess
import time

from harness import WEBOX, WeboxTestCase, main

LEADS = 200000


def temp_files(folder, name):
    return [n for n in os.listdir(folder) if n.startswith("." + name + ".")]


class TempFilesCase(WeboxTestCase):
    def start(self, *args):
        return subprocess.Popen([WEBOX, *args], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_for_temp(self, p, folder, name, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if temp_files(folder, name):
                return
            if p.poll() is not None:
                self.fail(f"webox ended ({p.returncode}) before its temporary file was seen: {p.stderr.read()!r}")
            time.sleep(0.001)
        self.fail("no temporary file appeared")

    def two_signals(self, p):
        p.send_signal(signal.SIGSTOP)
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGTERM)
        p.send_signal(signal.SIGCONT)
        p.wait(timeout=20)
        p.stderr.close()
        return p.returncode

    def kill9(self, p):
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=20)
        p.stderr.close()


class ExportTempFilesTest(TempFilesCase):
    def setUp(self):
        super().setUp()
        seed = os.path.join(self.home, "seed.jsonl")
        with open(seed, "w") as f:
            f.write(json.dumps({"platform": "instagram", "platform_id": "c1", "kind": "comment",
                                "person": {"id": "1", "username": "marie"}, "text": "Prix ? 06 12 34 56 78",
                                "timestamp": int(time.time()) - 60, "post": "p1"}) + "\n")
        self.webox("scrape-interactions", "--from", seed, check=0)
        # Enough leads for an export that is still writing when it is stopped.
        with sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db")) as db:
            db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                       "INSERT INTO people(platform, platform_user_id, username, score, last_interaction_at, created_at) "
                       "SELECT 'instagram', 'bulk' || i, 'user' || i, 40, 1793527200, 't' FROM n", (LEADS,))
            db.execute("INSERT INTO leads(person_id, score, phones, created_at, updated_at) "
                       "SELECT id, 40, '[\"+33612345678\"]', 't', '2026-11-01T10:00:00.000Z' FROM people "
                       "WHERE id NOT IN (SELECT person_id FROM leads)")
        self.folder = os.path.join(self.home, "exports")
        os.makedirs(self.folder)
        self.out = os.path.join(self.folder, "leads.csv")

    def test_a_second_signal_still_removes_the_temporary_export(self):
        p = self.start("leads", "export", "-o", self.out)
        self.wait_for_temp(p, self.folder, "leads.csv")
        self.assertEqual(self.two_signals(p), 130)
        self.assertEqual(os.listdir(self.folder), [])

    def test_after_kill_9_the_next_export_sweeps_the_leftover(self):
        p = self.start("leads", "export", "-o", self.out)
        self.wait_for_temp(p, self.folder, "leads.csv")
        self.kill9(p)
        self.assertTrue(temp_files(self.folder, "leads.csv"), "kill -9 left nothing to sweep")
        self.webox("leads", "export", "-o", self.out, "--limit", "5", check=0)
        self.assertEqual(os.listdir(self.folder), ["leads.csv"])


class SpeechTempFilesTest(TempFilesCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_media_fake()
        self.folder = os.path.join(self.home, "audio")
        os.makedirs(self.folder)
        self.out = os.path.join(self.folder, "talk.mp3")

    def test_a_second_signal_still_removes_the_temporary_audio(self):
        p = self.start("tts", "-m", "openai:tts-1", "Bonjour [slow]", "-o", self.out)
        self.wait_for_temp(p, self.folder, "talk.mp3")
        self.assertEqual(self.two_signals(p), 130)
        self.assertEqual(os.listdir(self.folder), [])

    def test_after_kill_9_the_next_synthesis_sweeps_the_leftover(self):
        p = self.start("tts", "-m", "openai:tts-1", "Bonjour [slow]", "-o", self.out)
        self.wait_for_temp(p, self.folder, "talk.mp3")
        self.kill9(p)
        self.assertTrue(temp_files(self.folder, "talk.mp3"))
        self.webox("tts", "-m", "openai:tts-1", "Bonjour", "-o", os.path.join(self.folder, "other.mp3"), check=0)
        self.assertEqual(os.listdir(self.folder), ["other.mp3"])


if __name__ == "__main__":
    main()
