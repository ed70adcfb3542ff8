"""webox store (migrate, info, copy) and the PostgreSQL backend (webox-pg.so)
through the real binary.

The PostgreSQL classes use the throwaway cluster of tests/pg_cluster.sh
(ctest fixture "pg", WEBOX_TEST_PG_DIR); without the server binaries they
skip, saying so. Each test gets a fresh database of that cluster.
"""
import json
import time
import os
import subprocess
import unittest

from harness import WEBOX, PgDatabase, WeboxTestCase, pg_cluster_url, store_is_pg

PASSWORD = "pw-Zq81x-never-shown"


class StoreSqliteTest(WeboxTestCase):
    """The default store, a SQLite file."""

    def setUp(self):
        super().setUp()
        if store_is_pg():
            raise unittest.SkipTest("SQLite-only class")
        self.db = os.path.join(self.home, "data", "webox", "webox.db")

    def test_migrate_creates_then_reports_the_version(self):
        r = self.webox("store", "migrate", check=0)
        self.assertIn("created at schema version", r.out)
        self.assertTrue(os.path.exists(self.db))
        r = self.webox("store", "migrate", "--json", check=0)
        doc = r.json()
        self.assertEqual(doc["backend"], "sqlite")
        self.assertEqual(doc["before"], doc["version"])

    def test_info_does_not_create_the_database(self):
        r = self.webox("store", "info", check=0)
        self.assertIn("no database yet", r.out)
        self.assertFalse(os.path.exists(self.db))

    def test_info_reads_an_old_store_without_migrating_it(self):
        import sqlite3
        os.makedirs(os.path.dirname(self.db))
        with sqlite3.connect(self.db) as c:
            c.execute("CREATE TABLE kept(a)")  # a store at schema 0
        doc = self.webox("store", "info", "--json", check=0).json()
        self.assertEqual(doc["schema_version"], 0)
        self.assertTrue(doc["needs_migrate"])
        self.assertIn("needs `webox store migrate`", self.webox("store", "info", check=0).out)
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("PRAGMA user_version").fetchone()[0], 0)
            self.assertEqual([r[0] for r in c.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")], ["kept"])
        self.webox("store", "migrate", check=0)
        self.assertFalse(self.webox("store", "info", "--json", check=0).json()["needs_migrate"])

    def test_info_counts_rows(self):
        self.webox("chat", "-m", "echo", "bonjour", check=0)
        doc = self.webox("store", "info", "--json", check=0).json()
        self.assertEqual(doc["backend"], "sqlite")
        self.assertEqual(doc["rows"]["calls"], 1)
        self.assertEqual(doc["schema_version"], doc["latest_version"])
        self.assertGreater(doc["bytes"], 0)
        text = self.webox("store", "info", check=0).out
        self.assertIn("calls", text)

    def test_unknown_scheme_is_a_config_error_naming_the_setting(self):
        r = self.webox("store", "info", env={"WEBOX_DB": "mysql://u:" + PASSWORD + "@h/db"}, check=4)
        self.assertIn("WEBOX_DB", r.err)
        self.assertNotIn(PASSWORD, r.err)

    def test_store_url_in_config(self):
        other = os.path.join(self.home, "other.db")
        self.write_config(f"store:\n  url: {other}\n")
        self.webox("store", "migrate", check=0)
        self.assertTrue(os.path.exists(other))
        self.assertIn("store.url", self.webox("store", "info", check=0).out)

    def test_bad_store_section_is_a_config_error(self):
        self.write_config("store:\n  url: [1, 2]\n")
        r = self.webox("store", "info", check=4)
        self.assertIn("store.url", r.err)
        self.write_config("store:\n  uri: x.db\n")
        r = self.webox("store", "info", check=4)
        self.assertIn("uri", r.err)

    def test_copy_refuses_a_missing_source_and_the_same_store(self):
        r = self.webox("store", "copy", "--from", os.path.join(self.home, "nope.db"), "--to", self.db, check=2)
        self.assertIn("--from", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.home, "nope.db")))
        self.webox("chat", "-m", "echo", "x", check=0)
        r = self.webox("store", "copy", "--from", self.db, "--to", self.db, check=2)
        self.assertIn("--to", r.err)

    def test_copy_sqlite_to_sqlite_and_refuse_non_empty(self):
        for i in range(3):
            self.webox("chat", "-m", "echo", f"message {i}", check=0)
        target = os.path.join(self.home, "copy.db")
        r = self.webox("store", "copy", "--from", self.db, "--to", target, "--json", check=0)
        self.assertEqual(r.json()["rows"]["calls"], 3)
        r = self.webox("store", "copy", "--from", self.db, "--to", target, check=2)
        self.assertIn("not empty", r.err)
        self.assertIn("--force", r.err)
        self.webox("store", "copy", "--from", self.db, "--to", target, "--force", check=0)
        r = self.webox("logs", "search", "message", "--json", env={"WEBOX_DB": target}, check=0)
        self.assertEqual(len(r.json()), 3)

    def test_no_server_library_for_a_file_store(self):
        ldd = subprocess.run(["ldd", WEBOX], capture_output=True, text=True).stdout
        self.assertNotIn("libpq", ldd)
        for args in (["--version"], ["chat", "-m", "echo", "bonjour"], ["store", "info"]):
            r = self.webox(*args, env={"LD_DEBUG": "files"}, check=0)
            self.assertNotIn("libpq", r.err, args)
            self.assertNotIn("webox-pg.so", r.err, args)


class StoreServerErrorsTest(WeboxTestCase):
    """PostgreSQL URLs that cannot work: no server needed."""

    def test_unreachable_server_is_temporary_and_hides_the_password(self):
        url = f"postgresql://webox:{PASSWORD}@%2Fnonexistent-dir-webox/webox"
        r = self.webox("store", "info", env={"WEBOX_DB": url, "PGPASSWORD": PASSWORD + "env"}, check=75)
        self.assertIn("WEBOX_DB", r.err)
        self.assertNotIn(PASSWORD, r.err + r.out)
        r = self.webox("chat", "-m", "echo", "hi", env={"WEBOX_DB": url}, check=75)
        self.assertNotIn(PASSWORD, r.err + r.out)

    def test_malformed_url_is_a_config_error(self):
        url = f"postgresql://webox:{PASSWORD}@localhost/webox?no_such_option=1"
        r = self.webox("store", "migrate", env={"WEBOX_DB": url}, check=4)
        self.assertIn("WEBOX_DB", r.err)
        self.assertNotIn(PASSWORD, r.err)
        r = self.webox("store", "migrate", env={"WEBOX_DB": f"postgres://u:{PASSWORD}@localhost:notaport/db"}, check=4)
        self.assertNotIn(PASSWORD, r.err)

    def test_config_explain_and_logs_path_hide_the_password(self):
        url = f"postgresql://webox:{PASSWORD}@%2Fnonexistent-dir-webox/webox"
        r = self.webox("logs", "path", env={"WEBOX_DB": url}, check=0)
        self.assertIn("postgresql://", r.out)
        self.assertNotIn(PASSWORD, r.out)
        r = self.webox("config", "explain", env={"WEBOX_DB": url}, check=None)
        self.assertNotIn(PASSWORD, r.out + r.err)


class StorePgTest(WeboxTestCase):
    """Against the test cluster."""

    def setUp(self):
        super().setUp()
        if self.pg is None:
            self.pg = PgDatabase()
        self.url = self.pg.url
        self.env["WEBOX_DB"] = self.url

    def test_migrate_then_info(self):
        r = self.webox("store", "migrate", check=0)
        self.assertIn("postgresql", r.out)
        self.assertIn("created at schema version", r.out)
        r = self.webox("store", "migrate", "--json", check=0)
        self.assertEqual(r.json()["before"], r.json()["version"])
        doc = self.webox("store", "info", "--json", check=0).json()
        self.assertEqual(doc["backend"], "postgresql")
        self.assertEqual(doc["schema_version"], doc["latest_version"])
        self.assertEqual(doc["rows"]["calls"], 0)

    def test_info_reads_without_migrating(self):
        doc = self.webox("store", "info", "--json", check=0).json()
        self.assertEqual(doc["schema_version"], 0)
        self.assertTrue(doc["needs_migrate"])
        self.assertEqual(self.store_rows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"), [(0,)])
        self.webox("store", "migrate", check=0)
        self.assertFalse(self.webox("store", "info", "--json", check=0).json()["needs_migrate"])

    def test_copy_to_pg_keeps_every_byte_of_text(self):
        # Written with COPY FROM STDIN: tabs, newlines, backslashes and
        # "\N" are escapes of its text format, and must come back as typed.
        lite = os.path.join(self.home, "lite.db")
        tricky = "tab\there\nnew line\r\\N back\\slash \\x00 « é » 😀"
        self.webox("chat", "-m", "echo", tricky, env={"WEBOX_DB": lite}, check=0)
        self.webox("store", "copy", "--from", lite, "--to", self.url, check=0)
        self.assertEqual(self.store_rows("SELECT prompt FROM calls"), [(tricky,)])
        # Replaced with --force, in one transaction: the same rows, not twice.
        self.webox("store", "copy", "--from", lite, "--to", self.url, "--force", check=0)
        self.assertEqual(self.store_rows("SELECT count(*) FROM calls"), [(1,)])

    def test_schema_is_the_same_as_sqlite(self):
        self.webox("store", "migrate", check=0)  # info only reads
        pg = self.webox("store", "info", "--schema", check=0).out.splitlines()
        sqlite_file = os.path.join(self.home, "fresh.db")
        self.webox("store", "migrate", env={"WEBOX_DB": sqlite_file}, check=0)
        lite = self.webox("store", "info", "--schema", env={"WEBOX_DB": sqlite_file}, check=0).out.splitlines()
        self.assertGreater(len(lite), 100)
        self.assertEqual(lite, pg)

    def test_password_is_never_printed(self):
        # Trust authentication: the password is accepted and ignored.
        url = self.url.replace("postgresql://webox@", f"postgresql://webox:{PASSWORD}@")
        env = {"WEBOX_DB": url, "PGPASSWORD": PASSWORD}
        for args in (["store", "migrate"], ["store", "info"], ["store", "info", "--json"], ["logs", "path"],
                     ["chat", "-m", "echo", "-v", "bonjour"], ["logs", "list"]):
            r = self.webox(*args, env=env, check=0)
            self.assertNotIn(PASSWORD, r.out + r.err, args)

    def test_libpq_is_loaded_only_for_a_server_store(self):
        r = self.webox("chat", "-m", "echo", "bonjour", env={"LD_DEBUG": "files"}, check=0)
        self.assertIn("libpq", r.err)

    def test_chat_logs_and_search(self):
        self.webox("chat", "-m", "echo", "Bonjour la Lune", check=0)
        self.webox("chat", "-m", "echo", "autre chose", check=0)
        rows = self.webox("logs", "list", "--json", check=0).json()
        self.assertEqual(len(rows), 2)
        hits = self.webox("logs", "search", "LUNE", "--json", check=0).json()
        self.assertEqual(len(hits), 1)
        self.assertIn("Lune", hits[0]["snippet"])
        r = self.webox("logs", "search", "--fts", "lune OR x", check=2)
        self.assertIn("PostgreSQL", r.err)

    def test_copy_sqlite_to_pg_and_back(self):
        lite = os.path.join(self.home, "lite.db")
        for i in range(3):
            self.webox("chat", "-m", "echo", f"message {i}", env={"WEBOX_DB": lite}, check=0)
        r = self.webox("store", "copy", "--from", lite, "--to", self.url, "--json", check=0)
        self.assertEqual(r.json()["rows"]["calls"], 3)
        # ids go on after the copied ones
        self.webox("chat", "-m", "echo", "after the copy", check=0)
        self.assertEqual(len(self.webox("logs", "search", "message", "--json", check=0).json()), 3)
        r = self.webox("store", "copy", "--from", lite, "--to", self.url, check=2)
        self.assertIn("not empty", r.err)
        back = os.path.join(self.home, "back.db")
        r = self.webox("store", "copy", "--from", self.url, "--to", back, "--json", check=0)
        self.assertEqual(r.json()["rows"]["calls"], 4)
        hits = self.webox("logs", "search", "after", "--json", env={"WEBOX_DB": back}, check=0).json()
        self.assertEqual(len(hits), 1)

    def test_the_forgotten_stay_forgotten_after_a_copy_both_ways(self):
        # The suppression list's hashes are rows; the salt that keys them is a
        # file beside a SQLite store and a row of a server store: it moves too.
        now = int(time.time())
        person = {"platform": "instagram", "kind": "dm", "text": "prix ?", "timestamp": now - 60,
                  "person": {"id": "99000001", "username": "marie.dupont"}}
        seed = os.path.join(self.home, "seed.jsonl")
        with open(seed, "w") as f:
            for i in range(3):
                f.write(json.dumps(dict(person, platform_id=f"m{i}", timestamp=now - 60 - i)) + "\n")
        again = os.path.join(self.home, "again.jsonl")
        with open(again, "w") as f:
            f.write(json.dumps(dict(person, platform_id="m9")) + "\n")
        lite = os.path.join(self.home, "lite.db")
        self.webox("scrape-interactions", "--from", seed, "--quiet", env={"WEBOX_DB": lite}, check=0)
        self.webox("leads", "forget", "@marie.dupont", "--yes", env={"WEBOX_DB": lite}, check=0)
        self.webox("chat", "-m", "echo", "not empty", env={"WEBOX_DB": lite}, check=0)
        self.webox("store", "copy", "--from", lite, "--to", self.url, check=0)
        self.webox("scrape-interactions", "--from", again, "--quiet", check=0)
        self.webox("leads", "show", "@marie.dupont", check=2)
        os.makedirs(os.path.join(self.home, "back"))
        back = os.path.join(self.home, "back", "back.db")  # its own folder: its own salt file
        self.webox("store", "copy", "--from", self.url, "--to", back, check=0)
        self.webox("scrape-interactions", "--from", again, "--quiet", env={"WEBOX_DB": back}, check=0)
        self.webox("leads", "show", "@marie.dupont", env={"WEBOX_DB": back}, check=2)
        salt = os.path.join(self.home, "back", "webox-suppression.salt")
        self.assertEqual(os.stat(salt).st_mode & 0o777, 0o600)


if __name__ == "__main__":
    unittest.main()
