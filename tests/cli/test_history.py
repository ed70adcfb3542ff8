#!/usr/bin/env python3
"""webox logs list and logs search: the history of conversations.

Calls are made through the real binary with the offline echo provider
(which answers with the prompt), or written straight into the database the
binary created (other models, statuses, dates and costs), as another webox
version would have.
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class HistoryTest(harness.WeboxTestCase):
    def db_path(self):
        return os.path.join(self.home, "data", "webox", "webox.db")

    def chat(self, prompt, *extra):
        r = self.webox("chat", "-m", "echo:echo", *extra, prompt, check=0)
        self.assertEqual(r.out, prompt + "\n", r)
        return r

    def add_call(self, cid, prompt, response="", provider="openai", model="gpt-4o-mini",
                 status="ok", created_at="2026-01-02T03:04:05.000Z", cost=None, system=None,
                 title=None):
        """Writes one call (and its conversation) as any webox version would."""
        with sqlite3.connect(self.db_path()) as db:
            db.execute("INSERT OR IGNORE INTO conversations(id, name, model, created_at) VALUES(?,?,?,?)",
                       (cid, title or prompt[:60], f"{provider}:{model}", created_at))
            db.execute("INSERT INTO calls(conversation_id, provider, model, system, prompt, response, "
                       "status, created_at, cost) VALUES(?,?,?,?,?,?,?,?,?)",
                       (cid, provider, model, system, prompt, response, status, created_at, cost))

    def last_cid(self):
        return self.webox("logs", "--json", "-n", "1", check=0).json()[0]["conversation_id"]

    def search(self, *args, check=0):
        r = self.webox("logs", "search", *args, "--json", check=check)
        return r.json() if check == 0 else r

    # --- logs list ------------------------------------------------------------

    def test_list_nothing_logged(self):
        r = self.webox("logs", "list", check=0)
        self.assertEqual(r.out, "")
        self.assertIn("no conversations", r.err)
        self.assertEqual(self.webox("logs", "list", "--json", check=0).json(), [])
        self.assertFalse(os.path.exists(self.db_path()))

    def test_list_one_line_per_conversation_newest_first(self):
        self.chat("Quel budget pour Lyon ?\nsecond line")
        first = self.last_cid()
        self.chat("et ensuite ?", "--cid", first)
        self.chat("Une autre question")
        second = self.last_cid()
        r = self.webox("logs", "list", check=0)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 2, r)
        self.assertTrue(lines[0].startswith(second), r)
        self.assertTrue(lines[1].startswith(first), r)
        self.assertIn("echo:echo", lines[1])
        self.assertIn("2 turns", lines[1])
        self.assertIn("1 turn ", lines[0])
        self.assertIn("Quel budget pour Lyon ?", lines[1])
        self.assertNotIn("second line", r.out)
        doc = self.webox("logs", "list", "--json", check=0).json()
        self.assertEqual([c["id"] for c in doc], [second, first])
        self.assertEqual(doc[1]["turns"], 2)
        self.assertEqual(doc[1]["title"], "Quel budget pour Lyon ?")
        self.assertEqual(doc[1]["model"], "echo:echo")
        self.assertTrue({"created_at", "last_at", "cost", "cost_complete"} <= set(doc[1]))
        self.assertEqual(len(self.webox("logs", "list", "-n", "1", "--json", check=0).json()), 1)

    def test_list_title_is_bounded_by_the_width(self):
        self.chat("mot " * 40)
        r = self.webox("logs", "list", env={"COLUMNS": "90"}, check=0)
        line = r.out.rstrip("\n")
        self.assertLessEqual(len(line), 90, r)
        self.assertTrue(line.endswith("\u2026"), r)

    def test_list_filters(self):
        self.chat("made with echo")
        echo_cid = self.last_cid()
        self.add_call("C1", "cheap one", model="gpt-4o-mini", cost=0.001, created_at="2020-01-01T00:00:00.000Z")
        self.add_call("C1", "second", model="gpt-4o-mini", cost=None, created_at="2020-01-01T00:01:00.000Z")
        self.add_call("C2", "failed one", provider="anthropic", model="claude-x", status="error",
                      created_at="2020-01-03T00:00:00.000Z", cost=0.5)

        def ids(*args):
            return [c["id"] for c in self.webox("logs", "list", "--json", *args, check=0).json()]

        self.assertEqual(ids("--model", "gpt-4o-mini"), ["C1"])
        self.assertEqual(ids("--model", "openai:gpt-4o-mini"), ["C1"])
        self.assertEqual(ids("--model", "anthropic"), ["C2"])
        self.assertEqual(ids("--status", "error"), ["C2"])
        self.assertEqual(ids("--since", "2020-01-02"), ["C2", echo_cid])  # last logged first
        self.assertEqual(len(ids("--since", "7d")), 1)
        doc = {c["id"]: c for c in self.webox("logs", "list", "--json", check=0).json()}
        self.assertAlmostEqual(doc["C1"]["cost"], 0.001)
        self.assertFalse(doc["C1"]["cost_complete"])  # one of its calls had no price
        self.assertTrue(doc["C2"]["cost_complete"])
        r = self.webox("logs", "list", check=0)
        self.assertIn(">=$0.0010", r.out)
        # Bad filter values are usage errors naming the flag.
        self.assertIn("--since", self.webox("logs", "list", "--since", "yesterday", check=2).err)
        self.assertIn("--status", self.webox("logs", "list", "--status", "weird", check=2).err)
        self.webox("logs", "list", "--model", "", check=2)
        self.webox("logs", "list", "-n", "-3", check=2)

    # --- logs search ------------------------------------------------------------

    def test_search_finds_prompts_answers_and_system_prompts_newest_first(self):
        self.chat("Quel budget pour un week-end à Lyon ?")
        self.chat("Rien à voir")
        self.add_call("C9", "question", response="Le budget moyen à Lyon est de 300 euros",
                      created_at="2020-01-01T00:00:00.000Z")
        self.add_call("C8", "autre", system="Tu es un expert du budget de Lyon",
                      created_at="2020-01-01T00:00:00.000Z")
        hits = self.search("budget", "Lyon")
        self.assertEqual(len(hits), 3, hits)
        ids = [h["call_id"] for h in hits]
        self.assertEqual(ids, sorted(ids, reverse=True))  # newest first
        # Newest = logged last: C8, C9, then the chat (whatever their created_at says).
        self.assertEqual([h["conversation_id"] for h in hits[:2]], ["C8", "C9"])
        self.assertIn("[budget]", hits[2]["snippet"])
        self.assertIn("[Lyon]", hits[2]["snippet"])
        self.assertIn("[budget]", hits[0]["snippet"])  # from the system prompt
        self.assertIn("[Lyon]", hits[1]["snippet"])    # from the answer
        self.assertEqual(hits[2]["model"], "echo:echo")
        # Case and accents fold: "LYON", "a" finds "à".
        self.assertEqual(len(self.search("LYON", "budget")), 3)
        self.assertEqual(len(self.search("week-end", "a", "lyon")), 1)
        # Human output: a header line and an indented snippet with the match shown.
        r = self.webox("logs", "search", "week-end", check=0)
        self.assertIn("echo:echo", r.out)
        self.assertIn("[week-end]", r.out)  # a phrase is marked whole

    def test_search_nothing_found_and_no_database(self):
        r = self.webox("logs", "search", "anything", check=0)
        self.assertEqual(r.out, "")
        self.assertIn("no match", r.err)
        self.assertFalse(os.path.exists(self.db_path()))
        self.chat("hello there")
        self.assertEqual(self.search("absent"), [])

    def test_search_filters(self):
        self.chat("budget echo")
        self.add_call("C1", "budget old", created_at="2020-01-01T00:00:00.000Z")
        self.add_call("C2", "budget failed", provider="anthropic", model="claude-x", status="error")
        self.assertEqual([h["conversation_id"] for h in self.search("budget", "--model", "claude-x")], ["C2"])
        self.assertEqual([h["conversation_id"] for h in self.search("budget", "--status", "error")], ["C2"])
        self.assertEqual(len(self.search("budget", "--since", "2021-01-01")), 2)
        self.assertEqual(len(self.search("budget", "-n", "1")), 1)
        self.search("budget", "--since", "later", check=2)
        self.search("budget", "--status", "fine", check=2)

    def test_search_with_fts_syntax_characters_is_never_an_error(self):
        self.chat('le "budget" (Lyon) : C++ -moins NEAR* a OR b')
        for query in ['"budget', "budget*", "NEAR(budget", "(Lyon", "Lyon)", "-moins", "a:b",
                      "C++", "OR", "AND NOT", "NEAR", "*", '"', "'", "^budget", "{x}", "budget:",
                      "col:Lyon", "\\", "%", "a\u00a0b", "é"]:
            r = self.webox("logs", "search", "--json", "--", query, check=None)
            self.assertEqual(r.code, 0, (query, r))
            json.loads(r.out)
        self.assertEqual(len(self.search("(Lyon)", '"budget"')), 1)
        self.assertEqual(len(self.search("NEAR")), 1)  # a word, not an operator
        self.assertEqual(len(self.search("OR")), 1)

    def test_search_bad_queries_are_usage_errors(self):
        self.chat("hello")
        self.webox("logs", "search", check=2)  # no words
        self.assertIn("at least one word", self.webox("logs", "search", "   ", check=2).err)
        self.assertIn("1000 bytes", self.webox("logs", "search", "x" * 1001, check=2).err)
        self.assertIn("32 words", self.webox("logs", "search", *(["w"] * 33), check=2).err)
        # --fts takes FTS5 syntax as is; a malformed query is bad input, not a crash.
        r = self.webox("logs", "search", "--fts", '"unbalanced', check=2)
        self.assertIn("FTS5", r.err)
        self.webox("logs", "search", "--fts", "NEAR(a", check=2)
        self.webox("logs", "search", "--fts", "nosuchcolumn:x", check=2)

    def test_search_fts_syntax_opt_in(self):
        self.chat("budget de Lyon")
        self.chat("budgétaire")
        self.assertEqual(len(self.search("--fts", "budg*")), 2)
        self.assertEqual(len(self.search("budg*")), 0)  # default: the word "budg", no prefix
        self.assertEqual(len(self.search("--fts", "budget OR budgetaire")), 2)
        self.assertEqual(len(self.search("--fts", '"de Lyon"')), 1)

    def test_search_snippet_is_one_line_without_control_characters(self):
        self.chat("first")
        self.add_call("C1", "line one\nbudget \x1b[31mred\x1b[0m\tline two")
        hit = self.search("budget")[0]
        self.assertNotIn("\n", hit["snippet"])
        self.assertNotIn("\x1b", hit["snippet"])
        r = self.webox("logs", "search", "budget", check=0)
        self.assertNotIn("\x1b", r.out)

    def test_index_follows_deleted_and_edited_calls(self):
        self.chat("first budget")
        with sqlite3.connect(self.db_path()) as db:
            db.execute("UPDATE calls SET prompt = 'rewritten text', response = 'x'")
        self.assertEqual(self.search("budget"), [])
        self.assertEqual(len(self.search("rewritten")), 1)
        with sqlite3.connect(self.db_path()) as db:
            db.execute("DELETE FROM calls")
        self.assertEqual(self.search("rewritten"), [])

    def test_database_from_before_the_index_gets_it(self):
        # A database as the previous release left it: schema version 13, no
        # calls_fts table, calls written without any trigger.
        self.chat("before the upgrade: budget Lyon")
        with sqlite3.connect(self.db_path()) as db:
            db.executescript("""
                DROP TRIGGER calls_fts_insert; DROP TRIGGER calls_fts_delete;
                DROP TRIGGER calls_fts_update; DROP TABLE calls_fts;
                PRAGMA user_version = 13;""")
        self.add_call("OLD", "written by the old version", response="budget Lyon again")
        with sqlite3.connect(self.db_path()) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], 13)
            self.assertEqual(db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'calls_fts'").fetchone()[0], 0)
        hits = self.search("budget", "Lyon")
        self.assertEqual(len(hits), 2, hits)
        with sqlite3.connect(self.db_path()) as db:
            self.assertGreaterEqual(db.execute("PRAGMA user_version").fetchone()[0], 14)
        # And the triggers keep it current from then on.
        self.chat("after the upgrade: budget Lyon")
        self.assertEqual(len(self.search("budget", "Lyon")), 3)

    def test_logs_options_do_not_leak_into_subcommands(self):
        self.chat("hello")
        # --cid belongs to `webox logs`; after `search` it used to be ignored.
        r = self.webox("logs", "search", "hello", "--cid", "last", check=2)
        self.assertIn("webox logs search --help", r.err)


if __name__ == "__main__":
    harness.main()
