#!/usr/bin/env python3
"""`webox embed` and `webox rag`: the three embeddings wire formats against a
loopback fake with deterministic vectors, wrong counts and dimensions,
collections (index, search, ask, list, show, drop), incremental re-index
(touch, edit, delete, kill -9 mid-index then rerun), retrieval quality on a
small corpus with known answers, and the bad input of issue 17."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import zlib

from harness import WEBOX, WeboxTestCase, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOGUE = os.path.join(ROOT, "data", "samples", "gift-catalogue.jsonl")

# Known answers: the query, then the file that answers it.
CORPUS = {
    "train.md": "# Voyages\n\n## Lyon\n\nLe train pour Lyon part à 7 h 42 de la gare de Lyon, voie B.\n\n"
                "## Marseille\n\nLe TGV pour Marseille part à 9 h 10.\n",
    "budget.md": "# Projet X\n\nLe budget du projet X est de 40 000 euros, validé en comité le 3 mars.\n\n"
                 "## Équipe\n\nTrois développeurs et une designer.\n",
    "recipes.txt": "Pancakes: flour, milk, eggs, a pinch of salt.\n\nCrêpes: the same batter, thinner.\n",
    "server.py": "import http.server\n\n\ndef serve(port):\n    \"\"\"Start the HTTP server on port.\"\"\"\n"
                 "    http.server.HTTPServer(('', port), Handler).serve_forever()\n\n\nclass Handler:\n    pass\n",
    "page.html": "<html><body><h1>Garden</h1><p>Water the tomatoes every evening in July.</p>"
                 "<script>var hidden = 'tomatoes';</script></body></html>",
    "people.jsonl": '{"name": "Alice", "city": "Lyon", "role": "accountant"}\n'
                    '{"name": "Bob", "city": "Nantes", "role": "violin teacher"}\n',
}
QUERIES = [
    ("quand part le train pour Lyon ?", "train.md"),
    ("budget du projet X", "budget.md"),
    ("pancakes batter eggs", "recipes.txt"),
    ("start the HTTP server", "server.py"),
    ("water tomatoes", "page.html"),
    ("violin teacher", "people.jsonl"),
]


def fake_vector(text, dim=16):
    v = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()):
        v[zlib.crc32(word.encode()) % dim] += 1.0
    if not any(v):
        v[0] = 1.0
    return v


class RagCase(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_fake("fake_embed.py")
        u = self.fake.url
        self.env.update({"OPENAI_BASE_URL": u + "/v1", "OPENAI_API_KEY": "sk-test-embed",
                         "MISTRAL_BASE_URL": u + "/mistral/v1", "MISTRAL_API_KEY": "mk-test",
                         "GEMINI_BASE_URL": u, "GEMINI_API_KEY": "g-test-key",
                         "OLLAMA_HOST": u, "WEBOX_RETRIES": "0"})

    def corpus(self, files=CORPUS, name="docs"):
        d = os.path.join(self.home, name)
        os.makedirs(d, exist_ok=True)
        for f, text in files.items():
            with open(os.path.join(d, f), "w", encoding="utf-8") as fh:
                fh.write(text)
        return d

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "data", "webox", "webox.db"))


class EmbedTest(RagCase):
    def check_vectors(self, out, texts, dim=16):
        lines = out.strip().split("\n")
        self.assertEqual(len(lines), len(texts))
        for line, text in zip(lines, texts):
            self.assertEqual(json.loads(line), fake_vector(text, dim))

    def test_each_wire_format(self):
        texts = ["hello world", "bonjour le monde", "third one"]
        for model in ["openai:text-embedding-3-small", "mistral:mistral-embed", "gemini:gemini-embedding-001",
                      "ollama:nomic-embed-text"]:
            with self.subTest(model=model):
                r = self.webox("embed", "-m", model, *texts, check=0)
                self.check_vectors(r.out, texts)
        paths = [q["path"] for q in self.fake.requests()]
        self.assertEqual(paths, ["/v1/embeddings", "/mistral/v1/embeddings",
                                 "/v1beta/models/gemini-embedding-001:batchEmbedContents", "/api/embed"])

    def test_stdin_lines_and_json(self):
        r = self.webox("embed", "-m", "ollama:nomic-embed-text", "--json", stdin="un\n\ndeux trois\n", check=0)
        doc = r.json()
        self.assertEqual(doc["dimensions"], 16)
        self.assertEqual(doc["vectors"], [fake_vector("un"), fake_vector("deux trois")])
        self.assertEqual(doc["usage"], {"input_tokens": 3})

    def test_dimensions_and_task_type_reach_the_provider(self):
        r = self.webox("embed", "-m", "openai:text-embedding-3-small", "--dimensions", "8", "a b", check=0)
        self.check_vectors(r.out, ["a b"], 8)
        self.webox("embed", "-m", "gemini:gemini-embedding-001", "--task-type", "query", "--dimensions", "4", "x",
                   check=0)
        reqs = self.fake.requests()
        self.assertEqual(reqs[0]["body"]["dimensions"], 8)
        self.assertEqual(reqs[0]["headers"]["Authorization"], "Bearer sk-test-embed")
        g = reqs[1]["body"]["requests"][0]
        self.assertEqual(g["taskType"], "RETRIEVAL_QUERY")
        self.assertEqual(g["outputDimensionality"], 4)
        self.assertEqual(reqs[1]["headers"]["x-goog-api-key"], "g-test-key")

    def test_large_input_is_sent_in_batches(self):
        texts = "\n".join(f"text {i}" for i in range(150)) + "\n"
        r = self.webox("embed", "-m", "gemini:gemini-embedding-001", stdin=texts, check=0)
        self.assertEqual(len(r.out.strip().split("\n")), 150)
        sizes = [len(q["body"]["requests"]) for q in self.fake.requests()]
        self.assertTrue(all(s <= 100 for s in sizes), sizes)
        self.assertEqual(sum(sizes), 150)

    def test_wrong_count_or_dimension_is_a_clear_error(self):
        for mode, words in [("wrong_count", "2 vectors for 3 texts"), ("wrong_dimension", "16 and 17 dimensions"),
                            ("nan", "finite number")]:
            self.fake.control(mode=mode)
            for model in ["openai:text-embedding-3-small", "gemini:gemini-embedding-001", "ollama:nomic-embed-text"]:
                with self.subTest(mode=mode, model=model):
                    r = self.webox("embed", "-m", model, "a", "b", "c")
                    self.assertEqual(r.code, 1, r)
                    self.assertIn(words, r.err)
                    self.assertEqual(r.out, "")
                    self.assertEqual(len(r.err.strip().split("\n")), 1, r.err)

    def test_asked_dimension_is_checked(self):
        self.fake.control(dim=16)
        # The fake answers the dimension asked; a server that ignores it is refused.
        r = self.webox("embed", "-m", "mistral:mistral-embed", "--dimensions", "8", "a")
        self.assertEqual(r.code, 0, r)

    def test_server_error_and_missing_key(self):
        self.fake.control(mode="error")
        r = self.webox("embed", "-m", "openai:text-embedding-3-small", "a")
        self.assertIn(r.code, (1, 75), r)
        self.assertIn("scripted failure", r.err)
        env = {"OPENAI_API_KEY": ""}
        r = self.webox("embed", "-m", "openai:text-embedding-3-small", "a", env=env)
        self.assertEqual(r.code, 4, r)
        self.assertIn("OPENAI_API_KEY", r.err)

    def test_provider_without_embeddings_and_no_model(self):
        r = self.webox("embed", "-m", "anthropic:claude-sonnet-4-5", "a")
        self.assertEqual(r.code, 2, r)
        self.assertIn("does not compute embeddings", r.err)
        r = self.webox("embed", "a")
        self.assertEqual(r.code, 2, r)
        self.assertIn("-m", r.err)

    def test_calls_are_logged_with_tokens_and_cost(self):
        self.webox("embed", "-m", "openai:text-embedding-3-small", "one two three", check=0)
        row = self.db().execute("SELECT provider, model, input_tokens, cost, status FROM calls").fetchone()
        self.assertEqual(row[:3], ("openai", "text-embedding-3-small", 3))
        self.assertAlmostEqual(row[3], 3 * 0.02 / 1e6)
        self.assertEqual(row[4], "ok")

    def test_budget_refuses_before_sending(self):
        r = self.webox("embed", "-m", "openai:text-embedding-3-small", "--max-cost", "0.0000000001", "x" * 3000)
        self.assertEqual(r.code, 5, r)
        self.assertEqual(self.fake.requests(), [])


class RagTest(RagCase):
    def search(self, name, query, *extra):
        r = self.webox("rag", "search", name, query, "--json", *extra, check=0)
        return r.json()

    def test_offline_index_search_and_quality(self):
        d = self.corpus()
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("6 added", r.out)
        self.assertEqual(self.fake.requests(), [])  # offline: no embedding call
        for query, expected in QUERIES:
            with self.subTest(query=query):
                hits = self.search("notes", query, "-k", "3")
                self.assertIn(expected, [os.path.basename(h["path"]) for h in hits], hits)
        hit = self.search("notes", "train Lyon")[0]
        self.assertEqual(set(hit), {"path", "start_line", "end_line", "score", "heading", "text"})
        self.assertEqual((hit["start_line"], hit["end_line"]), (3, 5))
        self.assertEqual(hit["heading"], "Voyages > Lyon")
        # The script of the HTML page is not indexed.
        self.assertEqual(self.search("notes", "hidden"), [])
        text = self.webox("rag", "search", "notes", "violin", check=0).out
        self.assertIn("people.jsonl:2-2", text)

    def test_hybrid_index_and_search_with_each_format(self):
        d = self.corpus()
        for model in ["ollama:nomic-embed-text", "openai:text-embedding-3-small", "gemini:gemini-embedding-001"]:
            name = model.split(":")[0]
            with self.subTest(model=model):
                self.webox("rag", "index", name, d, "-m", model, check=0)
                show = self.webox("rag", "show", name, "--json", check=0).json()
                self.assertEqual((show["embed_model"], show["dimensions"]), (model, 16))
                self.assertEqual(show["vectors"], show["chunks"])
                for query, expected in QUERIES:
                    hits = self.search(name, query, "-k", "3")
                    self.assertIn(expected, [os.path.basename(h["path"]) for h in hits], (query, hits))
        tasks = [r["body"]["requests"][0].get("taskType") for r in self.fake.requests()
                 if r["path"].endswith(":batchEmbedContents")]
        self.assertIn("RETRIEVAL_DOCUMENT", tasks)
        self.assertIn("RETRIEVAL_QUERY", tasks)

    def test_another_model_or_dimension_is_refused_with_how_to_reindex(self):
        d = self.corpus()
        self.webox("rag", "index", "notes", d, "-m", "ollama:nomic-embed-text", check=0)
        r = self.webox("rag", "search", "notes", "train", "-m", "openai:text-embedding-3-small")
        self.assertEqual(r.code, 2, r)
        self.assertIn("ollama:nomic-embed-text", r.err)
        self.assertIn("webox rag drop notes", r.err)
        r = self.webox("rag", "index", "notes", d, "-m", "openai:text-embedding-3-small")
        self.assertEqual(r.code, 2, r)
        self.assertIn("webox rag index notes", r.err)
        # The model now answers another dimension: refused, the collection stays usable.
        self.fake.control(dim=32)
        r = self.webox("rag", "search", "notes", "train")
        self.assertEqual(r.code, 2, r)
        self.assertIn("16 dimensions", r.err)
        hits = self.search("notes", "train Lyon", "--lexical")
        self.assertEqual(os.path.basename(hits[0]["path"]), "train.md")
        # A lexical collection refuses a model at search time too.
        self.webox("rag", "index", "lex", d, check=0)
        r = self.webox("rag", "search", "lex", "train", "-m", "ollama:nomic-embed-text")
        self.assertEqual(r.code, 2, r)
        self.assertIn("no embeddings", r.err)

    def test_wrong_vector_count_while_indexing_leaves_the_collection_usable(self):
        d = self.corpus()
        self.webox("rag", "index", "notes", d, "-m", "ollama:nomic-embed-text", check=0)
        with open(os.path.join(d, "train.md"), "a") as f:
            f.write("\n## Paris\n\nLe train pour Paris part à midi.\n")
        self.fake.control(mode="wrong_count")
        r = self.webox("rag", "index", "notes", d)
        self.assertEqual(r.code, 1, r)
        self.assertIn("vectors for", r.err)
        self.fake.control(mode="ok")
        hits = self.search("notes", "train Lyon")
        self.assertEqual(os.path.basename(hits[0]["path"]), "train.md")
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("1 updated", r.out)

    def test_incremental_touch_edit_delete(self):
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("0 added, 0 updated, 6 unchanged, 0 removed", r.out)
        path = os.path.join(d, "budget.md")
        os.utime(path, (time.time() + 100, time.time() + 100))
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("0 updated, 6 unchanged", r.out)
        with open(path, "w") as f:
            f.write("# Projet X\n\nLe budget du projet X passe à 55 000 euros.\n")
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("1 updated", r.out)
        hits = self.search("notes", "budget projet")
        self.assertIn("55 000", hits[0]["text"])
        self.assertEqual(self.search("notes", "comité"), [])
        os.remove(os.path.join(d, "recipes.txt"))
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("1 removed", r.out)
        self.assertEqual(self.search("notes", "pancakes"), [])
        # A deleted file named on the command line is removed too.
        os.remove(path)
        r = self.webox("rag", "index", "notes", path, check=0)
        self.assertIn("1 removed", r.out)

    def test_kill_9_mid_index_then_rerun_resumes(self):
        files = {f"n{i:04}.md": f"# Note {i}\n\nword{i} " + "filler text " * 40 + f"\n\n## Part\n\nmore{i}\n"
                 for i in range(2500)}
        d = self.corpus(files)
        killed_mid = False
        for delay in (0.3, 0.6, 1.0, 1.6, 2.5):
            self.webox("rag", "drop", "big")
            proc = subprocess.Popen([WEBOX, "rag", "index", "big", d], env=self.env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if proc.returncode != -signal.SIGKILL:
                continue
            try:
                with self.db() as c:
                    docs = c.execute("SELECT count(*) FROM rag_documents").fetchone()[0]
            except sqlite3.OperationalError:  # killed before the database was made
                continue
            if 0 < docs < len(files):
                killed_mid = True
                break
        if not killed_mid:
            self.skipTest("no kill landed in the middle of the index on this machine")
        with self.db() as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            # No half-indexed document: each one stored holds all its chunks (2 sections).
            per_doc = c.execute("SELECT d.path, count(k.id) FROM rag_documents d LEFT JOIN rag_chunks k "
                                "ON k.document_id = d.id GROUP BY d.id").fetchall()
            self.assertTrue(all(n == 2 for _, n in per_doc), [p for p in per_doc if p[1] != 2][:3])
            done = len(per_doc)
        r = self.webox("rag", "index", "big", d, timeout=300, check=0)
        self.assertIn(f"{len(files) - done} added", r.out)
        self.assertIn(f"{done} unchanged", r.out)
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM rag_chunks").fetchone()[0], 2 * len(files))
            self.assertEqual(c.execute("SELECT count(*) FROM rag_fts WHERE rag_fts MATCH 'word1234'").fetchone()[0], 1)

    def test_hybrid_search_after_kill_9_mid_index_then_rerun(self):
        # The vector file (<db>.vectors/c<ID>.f32) is a cache of the stored
        # vectors: a run killed after committing a changed document must not
        # leave searches reading the old vectors.
        self.fake.control(dim=256)  # few collisions between the fake's hashed words
        d = self.corpus()
        self.webox("rag", "index", "notes", d, "-m", "ollama:nomic-embed-text", check=0)
        vec_dir = os.path.join(self.home, "data", "webox", "webox.db.vectors")
        self.assertEqual(len(os.listdir(vec_dir)), 1)  # made by the index run
        with open(os.path.join(d, "budget.md"), "w") as f:
            f.write("# Zoo\n\nzebra quokka zebra quokka okapi.\n")
        with open(os.path.join(d, "train.md"), "w") as f:
            f.write("# Trains\n\nThe night train to Vienna.\n")
        self.fake.control(hang_after=1)  # budget.md is embedded and committed, train.md hangs
        sent = len(self.fake.requests())
        proc = subprocess.Popen([WEBOX, "rag", "index", "notes", d], env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while len(self.fake.requests()) < sent + 2 and time.time() < deadline:  # budget.md, then the hung one
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.fake.control(hang_after=None)
        # Found by both rankings (1/61 + 1/61): the vector ranking sees the committed new text.
        hit = self.search("notes", "zebra quokka okapi")[0]
        self.assertEqual(os.path.basename(hit["path"]), "budget.md")
        self.assertAlmostEqual(hit["score"], 2 / 61, places=6)
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("1 updated", r.out)
        hit = self.search("notes", "night train Vienna")[0]
        self.assertEqual(os.path.basename(hit["path"]), "train.md")
        self.assertAlmostEqual(hit["score"], 2 / 61, places=6)
        # A damaged file is rebuilt from the store, never trusted.
        (vec_file,) = [os.path.join(vec_dir, f) for f in os.listdir(vec_dir)]
        for damage in (b"garbage", None):
            with open(vec_file, "r+b") as f:
                if damage:
                    f.write(damage)
                else:
                    f.truncate(os.path.getsize(vec_file) - 5)
            hit = self.search("notes", "zebra quokka okapi")[0]
            self.assertEqual(os.path.basename(hit["path"]), "budget.md")
            self.assertAlmostEqual(hit["score"], 2 / 61, places=6)
        self.webox("rag", "drop", "notes", check=0)
        self.assertEqual(os.listdir(vec_dir), [])

    def test_libcurl_is_loaded_only_by_a_command_that_goes_to_the_network(self):
        # Linked, libcurl and its 27 dependencies were mapped by every process:
        # half of the start-up of an offline `rag search` (lib/net/curl_library.cpp).
        def curl_loaded(*args):
            r = self.webox(*args, env={"LD_DEBUG": "files"}, check=0)
            return any("file=libcurl" in line for line in r.err.splitlines())
        ldd = subprocess.run(["ldd", WEBOX], capture_output=True, text=True).stdout
        self.assertNotIn("libcurl", ldd)
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        self.webox("rag", "index", "vec", d, "-m", "ollama:nomic-embed-text", check=0)
        self.assertFalse(curl_loaded("--version"))
        self.assertFalse(curl_loaded("rag", "search", "notes", "train Lyon"))
        self.assertFalse(curl_loaded("rag", "search", "vec", "train Lyon", "--lexical"))
        self.assertTrue(curl_loaded("rag", "search", "vec", "train Lyon"))  # the query's embedding: HTTP
        hits = self.search("vec", "train Lyon")
        self.assertEqual(os.path.basename(hits[0]["path"]), "train.md")

    def test_rebuild_rechunks_every_stored_file_and_only_those(self):
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        with self.db() as c:
            before = c.execute("SELECT count(*) FROM rag_chunks").fetchone()[0]
        # Smaller chunks from now on: a plain re-run sees no change, --rebuild re-chunks all.
        self.write_config("rag:\n  chunk_bytes: 200\n  overlap_bytes: 0\n")
        with open(os.path.join(d, "long.md"), "w") as f:
            f.write("# Long\n\n" + "\n\n".join(f"Paragraph {i} " + "words " * 30 for i in range(6)))
        r = self.webox("rag", "index", "notes", os.path.join(d, "budget.md"), check=0)
        self.assertIn("0 updated, 1 unchanged", r.out)
        # Without PATHS: the collection's own files (long.md, never indexed, is not taken).
        r = self.webox("rag", "index", "notes", "--rebuild", "--json", check=0).json()
        self.assertEqual((r["added"], r["updated"], r["unchanged"], r["removed"]), (0, 6, 0, 0), r)
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM rag_documents").fetchone()[0], 6)
            self.assertEqual(c.execute("SELECT count(*) FROM rag_documents WHERE hash = ''").fetchone()[0], 0)
            self.assertEqual(c.execute("SELECT count(*) FROM rag_chunks").fetchone()[0], r["chunks"])
        for query, expected in QUERIES:
            hits = self.search("notes", query, "-k", "3")
            self.assertIn(expected, [os.path.basename(h["path"]) for h in hits], (query, hits))
        # With PATHS: the stored files under them only; a file gone is removed.
        os.remove(os.path.join(d, "recipes.txt"))
        r = self.webox("rag", "index", "notes", os.path.join(d, "budget.md"), os.path.join(d, "recipes.txt"),
                       "--rebuild", check=0)
        self.assertIn("0 added, 1 updated, 0 unchanged, 1 removed", r.out)
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("1 added, 0 updated, 5 unchanged", r.out)
        self.assertGreater(before, 0)

    def test_rebuild_with_embeddings_killed_midway_is_finished_by_the_next_run(self):
        self.fake.control(dim=256)
        d = self.corpus()
        self.webox("rag", "index", "notes", d, "-m", "ollama:nomic-embed-text", check=0)
        self.fake.control(hang_after=2)  # two documents re-embedded and committed, the third hangs
        sent = len(self.fake.requests())
        proc = subprocess.Popen([WEBOX, "rag", "index", "notes", "--rebuild"], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while len(self.fake.requests()) < sent + 3 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.fake.control(hang_after=None)
        with self.db() as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            stale = c.execute("SELECT count(*) FROM rag_documents WHERE hash = ''").fetchone()[0]
            self.assertEqual(c.execute("SELECT count(*) FROM rag_documents").fetchone()[0], 6)
            self.assertEqual(c.execute("SELECT count(*) FROM rag_vectors").fetchone()[0],
                             c.execute("SELECT count(*) FROM rag_chunks").fetchone()[0])
        self.assertEqual(stale, 4)
        # Still searchable mid-rebuild (old chunks of the files not redone yet).
        hits = self.search("notes", "violin teacher", "-k", "3")
        self.assertIn("people.jsonl", [os.path.basename(h["path"]) for h in hits])
        # A plain run finishes what the rebuild left.
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("0 added, 4 updated, 2 unchanged", r.out)
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("0 updated, 6 unchanged", r.out)

    def test_rebuild_bad_input(self):
        r = self.webox("rag", "index", "notes", "--rebuild")
        self.assertEqual(r.code, 2, r)
        self.assertIn("no collection named 'notes'", r.err)
        r = self.webox("rag", "index", "notes")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--rebuild", r.err)
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        r = self.webox("rag", "index", "other", "--rebuild")
        self.assertEqual(r.code, 2, r)
        self.assertIn("no collection named 'other'", r.err)
        r = self.webox("rag", "index", "notes", "--rebuild", "-m", "ollama:nomic-embed-text")
        self.assertEqual(r.code, 2, r)
        self.assertIn("without embeddings", r.err)

    def test_bad_input(self):
        d = self.corpus()
        r = self.webox("rag", "index", "a/b", d)
        self.assertEqual(r.code, 2, r)
        self.assertIn("'/'", r.err)
        empty = os.path.join(self.home, "empty")
        os.makedirs(empty)
        r = self.webox("rag", "index", "notes", empty)
        self.assertEqual(r.code, 2, r)
        self.assertIn("nothing to index", r.err)
        r = self.webox("rag", "index", "notes", os.path.join(self.home, "missing"))
        self.assertEqual(r.code, 2, r)
        self.assertIn("no such file", r.err)
        # Binary, huge (sparse 2 GB), invalid UTF-8 and PDF files.
        with open(os.path.join(d, "image.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
        with open(os.path.join(d, "huge.txt"), "wb") as f:
            f.truncate(2 << 30)
        with open(os.path.join(d, "latin1.txt"), "wb") as f:
            f.write("Café crème, recette latine\n".encode("latin-1"))
        with open(os.path.join(d, "doc.pdf"), "wb") as f:
            f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        r = self.webox("rag", "index", "notes", d, check=0)
        self.assertIn("7 added", r.out)
        self.assertIn("3 skipped", r.out)
        self.assertIn("invalid UTF-8", r.err)
        r = self.webox("rag", "index", "notes", d, "-v", "--json", check=0)
        reasons = {os.path.basename(s["path"]): s["reason"] for s in r.json()["skipped"]}
        self.assertEqual(reasons["image.png"], "binary")
        self.assertIn("larger than 16 MiB", reasons["huge.txt"])
        self.assertIn("PDF", reasons["doc.pdf"])
        self.assertIn("skipped", r.err)
        hits = self.search("notes", "recette latine")
        self.assertTrue(any("latin1.txt" in h["path"] for h in hits), hits)
        self.assertIn("Caf\ufffd cr\ufffdme", hits[0]["text"])
        # An unreadable file: partial (exit 3), the rest indexed.
        secret = os.path.join(d, "secret.md")
        with open(secret, "w") as f:
            f.write("# hidden\n")
        os.chmod(secret, 0)
        if os.geteuid() != 0:
            r = self.webox("rag", "index", "notes", d)
            self.assertEqual(r.code, 3, r)
        r = self.webox("rag", "search", "nope", "x")
        self.assertEqual(r.code, 2, r)
        self.assertIn("no collection named 'nope'", r.err)
        r = self.webox("rag", "search", "notes", "   ")
        self.assertEqual(r.code, 2, r)

    def test_list_show_drop(self):
        r = self.webox("rag", "list", "--json", check=0)
        self.assertEqual(r.json(), [])
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        lst = self.webox("rag", "list", "--json", check=0).json()
        self.assertEqual([c["name"] for c in lst], ["notes"])
        self.assertEqual(lst[0]["documents"], 6)
        self.assertIsNone(lst[0]["embed_model"])
        self.assertIn("lexical", self.webox("rag", "show", "notes", check=0).out)
        self.webox("rag", "drop", "notes", check=0)
        r = self.webox("rag", "drop", "notes")
        self.assertEqual(r.code, 2, r)
        with self.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM rag_chunks").fetchone()[0], 0)

    def test_ask_cites_sources(self):
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        # The echo model repeats the prompt: the numbered sources come back, and [1] is "cited".
        r = self.webox("rag", "ask", "notes", "quand part le train pour Lyon ?", "-m", "echo", check=0)
        self.assertIn("[1] " + os.path.join(d, "train.md") + ":3-5", r.out)
        self.assertIn("Question: quand part le train pour Lyon ?", r.out)
        self.assertIn("\nSources:\n[1] ", r.out)
        doc = self.webox("rag", "ask", "notes", "train Lyon", "-m", "echo:messages", "--json", check=0).json()
        messages = json.loads(doc["answer"])
        self.assertEqual(messages[0]["role"], "system")
        self.assertIn("[1]", messages[0]["content"])
        self.assertTrue(doc["sources"][0]["cited"])
        r = self.webox("rag", "ask", "notes", "zzzzqqq", "-m", "echo")
        self.assertEqual(r.code, 1, r)
        self.assertIn("nothing was sent", r.err)
        calls = self.db().execute("SELECT count(*) FROM calls WHERE provider = 'echo'").fetchone()[0]
        self.assertEqual(calls, 2)

    def test_chat_rag_grounds_the_prompt_and_lists_the_sources(self):
        d = self.corpus()
        self.webox("rag", "index", "notes", d, check=0)
        # echo repeats the prompt: the sources went with it, and [1] comes back "cited".
        r = self.webox("chat", "--rag", "notes", "-m", "echo", "quand part le train pour Lyon ?", check=0)
        self.assertIn("[1] " + os.path.join(d, "train.md") + ":3-5", r.out)
        self.assertIn("\nSources:\n[1] ", r.out)
        # A system prompt of the chat stays as it is: the instructions go with the sources.
        doc = self.webox("chat", "--rag", "notes", "--rag-k", "1", "-m", "echo:messages", "-s", "Sois bref.",
                         "--json", "train Lyon", check=0).json()
        messages = json.loads(doc["text"])
        self.assertEqual(messages[0], {"role": "system", "content": "Sois bref."})
        self.assertIn("[1]", messages[1]["content"])
        self.assertEqual(len(doc["sources"]), 1)
        self.assertTrue(doc["sources"][0]["cited"])
        r = self.webox("chat", "--rag", "notes", "-m", "echo", "zzzzqqq")
        self.assertEqual(r.code, 1, r)
        self.assertIn("nothing was sent", r.err)
        r = self.webox("chat", "--rag", "nope", "-m", "echo", "train")
        self.assertEqual(r.code, 2, r)

    def test_sample_gift_catalogue(self):
        self.webox("rag", "index", "gifts", CATALOGUE, check=0)
        hits = self.search("gifts", "cadeau pour un amateur de jazz", "-k", "3")
        self.assertTrue(any("GFT-001" in h["text"] or "GFT-018" in h["text"] for h in hits), hits)
        hits = self.search("gifts", "ukulélé pour enfant", "-k", "3")
        self.assertIn("GFT-004", hits[0]["text"])


if __name__ == "__main__":
    main()
