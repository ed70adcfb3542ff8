"""Workspaces (--workspace, WEBOX_WORKSPACE, workspace: in the config) through
the real binary: a command never sees another workspace's rows; bad names are
refused before anything is created.

The class runs on the default SQLite store and again on PostgreSQL
(ctest "cli-pg: test_workspaces WorkspaceTest", WEBOX_TEST_STORE=pg), where a
workspace is the schema webox_ws_NAME of the test's fresh database.
"""
import os
import subprocess

from harness import PG_BIN, WeboxTestCase, main

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "data", "samples", "instagram-export")

BAD_NAMES = ["agence lyon", "it's", '"quoted"', "../x", "a/b", "Agence", "-lead", "a_b", "x" * 100, ""]


class WorkspaceTest(WeboxTestCase):

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.home, "data", "webox")

    # What exists: files on SQLite, schemas on PostgreSQL.
    def schemas(self):
        out = subprocess.run([os.path.join(PG_BIN, "psql"), self.pg.url, "-At", "-c",
                              "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'webox%' ORDER BY 1"],
                             check=True, capture_output=True, text=True, timeout=60).stdout
        return out.split()

    def created_anything(self):
        if self.pg:
            tables = subprocess.run([os.path.join(PG_BIN, "psql"), self.pg.url, "-At", "-c",
                                     "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
                                     "'information_schema')"],
                                    check=True, capture_output=True, text=True, timeout=60).stdout.strip()
            return self.schemas() != [] or tables != "0"
        return os.path.exists(self.data) and os.listdir(self.data) != []

    def test_a_chat_in_one_workspace_is_not_seen_in_another(self):
        self.webox("--workspace", "a", "chat", "-m", "echo", "bonjour depuis a", check=0)
        self.assertEqual(len(self.webox("--workspace", "a", "logs", "list", "--json", check=0).json()), 1)
        self.assertEqual(self.webox("--workspace", "b", "logs", "list", "--json", check=0).json(), [])
        self.assertEqual(self.webox("logs", "list", "--json", check=0).json(), [])
        self.assertEqual(self.webox("logs", "search", "bonjour", "--json", check=0).json(), [])
        hits = self.webox("logs", "search", "bonjour", "--json", env={"WEBOX_WORKSPACE": "a"}, check=0).json()
        self.assertEqual(len(hits), 1)
        if self.pg:
            self.assertIn("webox_ws_a", self.schemas())
        else:
            self.assertTrue(os.path.exists(os.path.join(self.data, "workspaces", "a", "webox.db")))

    def test_leads_in_two_workspaces(self):
        r = self.webox("--workspace", "agence-lyon", "scrape-interactions", "--platform", "instagram-export",
                       "--from", SAMPLE, "--json", check=0)
        self.assertEqual(r.json()["new_interactions"], 4)
        lyon = self.webox("--workspace", "agence-lyon", "leads", "list", "--json", check=0).json()
        self.assertGreater(len(lyon), 0)
        self.assertEqual(self.webox("--workspace", "agence-paris", "leads", "list", "--json", check=0).json(), [])
        self.assertEqual(self.webox("leads", "list", "--json", check=0).json(), [])
        # The same export in another workspace is new there: no row is shared.
        r = self.webox("--workspace", "agence-paris", "scrape-interactions", "--platform", "instagram-export",
                       "--from", SAMPLE, "--json", check=0)
        self.assertEqual(r.json()["new_interactions"], 4)
        self.webox("--workspace", "agence-paris", "leads", "set-status", "@marie.dupont", "contacted", check=0)
        lyon_marie = self.webox("--workspace", "agence-lyon", "leads", "show", "@marie.dupont", "--json", check=0).json()
        paris_marie = self.webox("--workspace", "agence-paris", "leads", "show", "@marie.dupont", "--json",
                                 check=0).json()
        self.assertEqual(paris_marie["status"], "contacted")
        self.assertNotEqual(lyon_marie["status"], "contacted")

    def test_flag_beats_env_beats_config(self):
        self.write_config("workspace: from-config\n")
        info = lambda *a, env=None: self.webox(*a, "store", "info", "--json", env=env, check=0).json()
        self.assertEqual(info()["workspace"], "from-config")
        self.assertEqual(info(env={"WEBOX_WORKSPACE": "from-env"})["workspace"], "from-env")
        doc = info("--workspace", "from-flag", env={"WEBOX_WORKSPACE": "from-env"})
        self.assertEqual(doc["workspace"], "from-flag")
        self.webox("--workspace", "from-flag", "chat", "-m", "echo", "x", env={"WEBOX_WORKSPACE": "from-env"}, check=0)
        self.assertEqual(len(self.webox("logs", "list", "--json", env={"WEBOX_WORKSPACE": "from-flag"},
                                        check=0).json()), 1)
        self.assertEqual(self.webox("logs", "list", "--json", env={"WEBOX_WORKSPACE": "from-env"}, check=0).json(), [])
        rows = {r["setting"]: r for r in self.webox("config", "explain", "--json", env={"WEBOX_WORKSPACE": "from-env"},
                                                   check=0).json()}
        self.assertEqual(rows["workspace"]["value"], "from-env")
        self.assertEqual(rows["workspace"]["source"], "env WEBOX_WORKSPACE")

    def test_bad_names_exit_2_and_create_nothing(self):
        for name in BAD_NAMES:
            for args in (["chat", "-m", "echo", "hi"], ["leads", "list"], ["store", "migrate"]):
                r = self.webox("--workspace", name, *args, check=2)
                self.assertIn("--workspace", r.err)
                self.assertIn("not a workspace name", r.err)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
                self.assertNotIn("x" * 60, r.err)  # a long name is cut in the message
                if name:  # an empty WEBOX_WORKSPACE is an unset one
                    r = self.webox(*args, env={"WEBOX_WORKSPACE": name}, check=2)
                    self.assertIn("WEBOX_WORKSPACE", r.err)
            self.assertFalse(self.created_anything(), name)

    def test_bad_name_in_config_is_a_config_error(self):
        self.write_config("workspace: 'agence lyon'\n")
        r = self.webox("chat", "-m", "echo", "hi", check=4)
        self.assertIn("config.yaml", r.err)
        self.assertIn("not a workspace name", r.err)
        self.assertFalse(self.created_anything())

    def test_store_workspaces_lists_them(self):
        doc = self.webox("store", "workspaces", "--json", check=0).json()
        self.assertEqual([w["name"] for w in doc["workspaces"]], ["default"])
        self.assertEqual(doc["current"], "default")
        self.assertFalse(self.created_anything())  # listing creates nothing
        for ws in ("zeta", "alpha-2"):
            self.webox("--workspace", ws, "chat", "-m", "echo", "x", check=0)
        doc = self.webox("--workspace", "zeta", "store", "workspaces", "--json", check=0).json()
        self.assertEqual([w["name"] for w in doc["workspaces"]], ["default", "alpha-2", "zeta"])
        self.assertEqual(doc["current"], "zeta")
        self.assertEqual(doc["backend"], "postgresql" if self.pg else "sqlite")
        text = self.webox("--workspace", "zeta", "store", "workspaces", check=0).out
        self.assertRegex(text, r"\* zeta ")
        if self.pg:
            self.assertIn("webox_ws_alpha_2", text)

    def test_store_info_names_the_workspace(self):
        self.webox("--workspace", "a", "chat", "-m", "echo", "x", check=0)
        doc = self.webox("--workspace", "a", "store", "info", "--json", check=0).json()
        self.assertEqual(doc["workspace"], "a")
        self.assertEqual(doc["workspace_setting"], "--workspace")
        self.assertEqual(doc["rows"]["calls"], 1)
        self.assertEqual(self.webox("store", "info", "--json", check=0).json().get("rows", {}).get("calls", 0), 0)
        self.assertIn("workspace: a", self.webox("--workspace", "a", "store", "info", check=0).out)

    def test_store_copy_copies_the_selected_workspace(self):
        if self.pg:
            source = self.pg.url
        else:
            source = os.path.join(self.data, "webox.db")
        self.webox("chat", "-m", "echo", "in default", check=0)
        self.webox("--workspace", "a", "chat", "-m", "echo", "in a 1", check=0)
        self.webox("--workspace", "a", "chat", "-m", "echo", "in a 2", check=0)
        target = os.path.join(self.home, "copy.db")
        r = self.webox("--workspace", "a", "store", "copy", "--from", source, "--to", target, "--json", check=0)
        self.assertEqual(r.json()["rows"]["calls"], 2)
        self.assertEqual(r.json()["workspace"], "a")
        self.assertTrue(os.path.exists(os.path.join(self.home, "workspaces", "a", "copy.db")))
        self.assertFalse(os.path.exists(target))
        r = self.webox("--workspace", "nope", "store", "copy", "--from", source, "--to", target, check=2)
        self.assertIn("--from", r.err)


class WorkspaceSqliteFilesTest(WeboxTestCase):
    """SQLite only: a workspace's side files follow its database."""

    def test_suppression_salt_follows_the_database(self):
        if self.pg:
            self.skipTest("SQLite files")
        self.webox("--workspace", "a", "scrape-interactions", "--platform", "instagram-export", "--from", SAMPLE,
                   check=0)
        self.webox("--workspace", "a", "leads", "forget", "@marie.dupont", "--yes", check=0)
        data = os.path.join(self.home, "data", "webox")
        self.assertTrue(os.path.exists(os.path.join(data, "workspaces", "a", "webox-suppression.salt")))
        self.assertFalse(os.path.exists(os.path.join(data, "webox-suppression.salt")))
        # Collected again in a: still forgotten there (the salt is found).
        self.webox("--workspace", "a", "scrape-interactions", "--platform", "instagram-export", "--from", SAMPLE,
                   check=0)
        self.webox("--workspace", "a", "leads", "show", "@marie.dupont", check=2)
        # Forgotten in a, still known in b.
        self.webox("--workspace", "b", "scrape-interactions", "--platform", "instagram-export", "--from", SAMPLE,
                   check=0)
        self.webox("--workspace", "b", "leads", "show", "@marie.dupont", check=0)

    def test_explicit_db_path_keeps_workspaces_beside_it(self):
        if self.pg:
            self.skipTest("SQLite files")
        db = os.path.join(self.home, "team", "store.db")
        self.webox("--workspace", "a", "chat", "-m", "echo", "x", env={"WEBOX_DB": db}, check=0)
        self.assertTrue(os.path.exists(os.path.join(self.home, "team", "workspaces", "a", "store.db")))
        self.assertFalse(os.path.exists(db))
        doc = self.webox("store", "workspaces", "--json", env={"WEBOX_DB": db}, check=0).json()
        self.assertEqual([w["name"] for w in doc["workspaces"]], ["default", "a"])


if __name__ == "__main__":
    main()
