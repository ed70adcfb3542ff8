#!/usr/bin/env python3
"""`chat -a FILE` and `compare -a FILE` (issue 18 item 5) and PDFs in `rag
index` (issue 17 item 3): the real binary against the echo plugin and
tests/fakes/fake_llm.py, which checks each provider's image shape as the real
API does.

Run: WEBOX_BIN=build/bin/webox python3 tests/cli/test_attachments.py
"""
import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachment_fixtures as fx  # noqa: E402
from harness import WEBOX, Fake, WeboxTestCase, main  # noqa: E402


class Files:
    """The test's files under its HOME."""

    def __init__(self, home):
        self.dir = os.path.join(home, "files")
        os.makedirs(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def text(self, name, content):
        return fx.write(self.path(name), content.encode() if isinstance(content, str) else content)

    def png(self, name="pixel.png"):
        return fx.write(self.path(name), fx.png())

    def pdf(self, name, pages, encrypted=False):
        return fx.write(self.path(name), fx.pdf(pages, encrypted))


class AttachTest(WeboxTestCase):
    """Offline, through the echo plugin (it describes each image it gets)."""

    def setUp(self):
        super().setUp()
        self.files = Files(self.home)

    def chat(self, *args, check=0, env=None):
        return self.webox("chat", "--no-log", *args, check=check, env=env)

    def test_a_text_file_goes_inline_under_its_name_in_a_fence(self):
        notes = self.files.text("notes.md", "# Plan\nbudget: 12 k€\n")
        r = self.chat("-m", "echo", "-a", notes, "Résume")
        self.assertIn("Attached file notes.md:\n```\n# Plan\nbudget: 12 k€\n```\n\nRésume", r.out)

    def test_the_fence_is_longer_than_any_run_of_backticks_in_the_file(self):
        code = self.files.text("readme.md", "```sh\nmake\n```\n")
        r = self.chat("-m", "echo", "--attach", code, "ok")
        self.assertIn("````\n```sh\nmake\n```\n````", r.out)

    def test_an_image_reaches_a_vision_plugin_whole_as_a_part(self):
        image = self.files.png()
        size = len(fx.png())
        r = self.chat("-m", "echo:messages", "-a", image, "Que montre ce schéma ?")
        messages = json.loads(r.out)
        user = messages[-1]
        self.assertEqual(user["role"], "user")
        text, part = user["content"]
        self.assertEqual(text["type"], "text")
        self.assertIn("[image pixel.png: image/png, %d bytes, sha256 " % size, text["text"])
        self.assertTrue(text["text"].endswith("Que montre ce schéma ?"))
        self.assertEqual(part, {"type": "image", "media_type": "image/png", "name": "pixel.png",
                                "data": base64.b64encode(fx.png()).decode()})

    def test_the_kind_comes_from_the_bytes_not_the_name(self):
        disguised = fx.write(self.files.path("photo.txt"), fx.png())
        r = self.chat("-m", "echo", "-a", disguised, "?")
        self.assertIn("[image photo.txt: image/png, %d bytes]" % len(fx.png()), r.out)
        not_png = self.files.text("fake.png", "just text")
        r = self.chat("-m", "echo", "-a", not_png, "?")
        self.assertIn("Attached file fake.png:", r.out)

    def test_a_model_known_to_be_text_only_is_refused_naming_it(self):
        r = self.chat("-m", "echo:text-only", "-a", self.files.png(), "?", check=2)
        self.assertIn("echo:text-only cannot see images", r.err)
        # text attachments need no vision
        self.chat("-m", "echo:text-only", "-a", self.files.text("a.txt", "hi"), "?")

    def test_a_fallback_that_cannot_see_is_refused_before_anything_is_sent(self):
        r = self.chat("-m", "echo", "--fallback", "echo:text-only", "-a", self.files.png(), "?", check=2)
        self.assertIn("echo:text-only", r.err)
        self.assertEqual(r.out, "")

    def test_bad_files_exit_2_naming_them(self):
        missing = self.files.path("absent.png")
        r = self.chat("-m", "echo", "-a", missing, "?", check=2)
        self.assertIn("attachment " + missing + ": no such file", r.err)
        r = self.chat("-m", "echo", "-a", self.files.dir, "?", check=2)
        self.assertIn(self.files.dir + ": is a folder", r.err)
        binary = self.files.text("blob.bin", b"\x00\x01\x02\x03binary")
        r = self.chat("-m", "echo", "-a", binary, "?", check=2)
        self.assertIn("blob.bin: not a file webox attaches", r.err)
        latin1 = self.files.text("latin1.txt", "café".encode("latin-1"))
        r = self.chat("-m", "echo", "-a", latin1, "?", check=2)
        self.assertIn("latin1.txt: not a file webox attaches", r.err)
        self.assertEqual(r.out, "")

    def test_an_unreadable_file_exits_2_naming_it(self):
        if os.geteuid() == 0:
            self.skipTest("root reads files whatever their mode")
        secret = self.files.text("secret.txt", "x")
        os.chmod(secret, 0)
        r = self.chat("-m", "echo", "-a", secret, "?", check=2)
        self.assertIn("secret.txt: cannot be opened: Permission denied", r.err)

    def test_a_500_mb_file_is_refused_by_its_size_before_it_is_read(self):
        huge = fx.sparse(self.files.path("huge.txt"), 500 << 20)
        started = time.monotonic()
        r = self.chat("-m", "echo", "-a", huge, "?", check=2)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn("huge.txt: 500 MiB is larger than any attachment may be (64 MiB)", r.err)

    def test_each_kind_has_its_limit(self):
        big_png = fx.sparse(self.files.path("big.png"), (20 << 20) + 1, head=fx.png())
        r = self.chat("-m", "echo", "-a", big_png, "?", check=2)
        self.assertIn("big.png: an image attachment may be at most 20 MiB", r.err)
        big_text = fx.sparse(self.files.path("big.txt"), (4 << 20) + 1, head=b"text")
        r = self.chat("-m", "echo", "-a", big_text, "?", check=2)
        self.assertIn("big.txt: a text attachment may be at most 4 MiB", r.err)
        small = self.files.text("s.txt", "x")
        r = self.chat("-m", "echo", *sum((["-a", small] for _ in range(33)), []), "?", check=2)
        self.assertIn("at most 32 attachments", r.err)

    def test_a_pdf_goes_as_its_text_page_by_page(self):
        doc = self.files.pdf("rapport.pdf", ["Budget total 12000 euros", "Lyon en mars"])
        r = self.chat("-m", "echo", "-a", doc, "Quel budget ?")
        self.assertIn("Attached PDF rapport.pdf (2 pages), its text:", r.out)
        self.assertIn("[page 1]\nBudget total 12000 euros", r.out)
        self.assertIn("[page 2]\nLyon en mars", r.out)
        # no vision needed: it is text
        self.chat("-m", "echo:text-only", "-a", doc, "?")

    def test_an_encrypted_or_broken_pdf_is_a_clear_error(self):
        locked = self.files.pdf("locked.pdf", ["secret"], encrypted=True)
        r = self.chat("-m", "echo", "-a", locked, "?", check=2)
        self.assertIn("locked.pdf: the PDF is encrypted (it needs a password)", r.err)
        broken = self.files.text("broken.pdf", b"%PDF-1.4\nthis is no PDF at all\n")
        r = self.chat("-m", "echo", "-a", broken, "?", check=2)
        self.assertIn("broken.pdf: not a readable PDF", r.err)

    def test_the_log_keeps_the_image_s_name_kind_size_and_hash_not_its_bytes(self):
        image = fx.write(self.files.path("big.png"), fx.png(300, 300))
        data = fx.png(300, 300)
        self.webox("chat", "-m", "echo", "-a", image, "décris", check=0)
        db = self.webox("logs", "path", check=0).out.strip()
        with sqlite3.connect(db) as conn:
            (prompt,) = conn.execute("SELECT prompt FROM calls ORDER BY id DESC LIMIT 1").fetchone()
        import hashlib
        self.assertIn("[image big.png: image/png, %d bytes, sha256 %s]" % (len(data), hashlib.sha256(data).hexdigest()),
                      prompt)
        encoded = base64.b64encode(data).decode()
        for name in os.listdir(os.path.dirname(db)):
            with open(os.path.join(os.path.dirname(db), name), "rb") as f:
                self.assertNotIn(encoded[:64].encode(), f.read(), name)

    def test_continuing_sends_the_image_s_mention_not_the_image(self):
        self.webox("chat", "-m", "echo:messages", "-a", self.files.png(), "première", check=0)
        r = self.webox("chat", "-c", "-m", "echo:messages", "et ensuite ?", check=0)
        messages = json.loads(r.out)
        self.assertIn("[image pixel.png: image/png", messages[0]["content"])
        self.assertNotIn('"type": "image"', r.out)
        self.assertIsInstance(messages[-1]["content"], str)

    def test_compare_attaches_to_every_column(self):
        r = self.webox("compare", "-m", "echo", "-m", "echo:messages", "--json", "--no-log",
                       "-a", self.files.png(), "-a", self.files.text("n.txt", "note"), "?", check=0)
        results = r.json()["results"]
        self.assertIn("[image pixel.png: image/png", results[0]["text"])
        self.assertIn("Attached file n.txt:", results[0]["text"])
        self.assertIn('"type":"image"', results[1]["text"].replace(" ", ""))
        r = self.webox("compare", "-m", "echo", "-m", "echo:text-only", "--no-log", "-a", self.files.png(), "?",
                       check=2)
        self.assertIn("echo:text-only cannot see images", r.err)
        r = self.webox("compare", "-m", "echo", "-m", "echo:messages", "--no-log", "-a", self.files.path("no"), "?",
                       check=2)
        self.assertIn("no such file", r.err)


class PdfNativeTest(WeboxTestCase):
    """--pdf auto|native|text through the echo plugin: its manifest lists
    echo:reader and echo:messages under "pdf" (at most 5 pages, 1 MB of
    base64 a request); echo:echo and echo:text-only take PDFs as text."""

    def setUp(self):
        super().setUp()
        self.files = Files(self.home)
        self.doc = self.files.pdf("rapport.pdf", ["Budget total 12000 euros", "Lyon en mars"])
        with open(self.doc, "rb") as f:
            self.bytes = f.read()

    def chat(self, *args, check=0):
        return self.webox("chat", "--no-log", *args, check=check)

    def whole_line(self, name="rapport.pdf", data=None):
        import hashlib
        data = self.bytes if data is None else data
        return "[pdf %s: application/pdf, %d bytes, sha256 %s, sent whole]" % (
            name, len(data), hashlib.sha256(data).hexdigest())

    def test_auto_sends_the_pdf_whole_to_a_model_that_takes_it(self):
        r = self.chat("-m", "echo:reader", "-a", self.doc, "Quel budget ?")
        self.assertIn(self.whole_line() + "\n\nQuel budget ?", r.out)
        self.assertIn("[document rapport.pdf: application/pdf, %d bytes]" % len(self.bytes), r.out)
        self.assertNotIn("[page 1]", r.out)

    def test_auto_sends_the_text_to_a_model_that_does_not(self):
        for model in ("echo", "echo:text-only"):
            r = self.chat("-m", model, "-a", self.doc, "?")
            self.assertIn("Attached PDF rapport.pdf (2 pages), its text:", r.out)
            self.assertNotIn("[document", r.out)

    def test_text_mode_reads_it_even_for_a_model_that_takes_pdfs(self):
        r = self.chat("-m", "echo:reader", "--pdf", "text", "-a", self.doc, "?")
        self.assertIn("[page 2]\nLyon en mars", r.out)
        self.assertNotIn("[document", r.out)

    def test_native_to_a_model_without_pdf_support_exits_2_naming_it(self):
        r = self.chat("-m", "echo:text-only", "--pdf", "native", "-a", self.doc, "?", check=2)
        self.assertEqual(r.err.strip().count("\n"), 0, r.err)
        self.assertIn("echo:text-only does not take PDFs natively; use --pdf text", r.err)
        # a fallback that cannot take it is refused too, before anything is sent
        r = self.chat("-m", "echo:reader", "--fallback", "echo:text-only", "--pdf", "native", "-a", self.doc, "?",
                      check=2)
        self.assertIn("echo:text-only does not take PDFs natively", r.err)
        r = self.chat("-m", "echo:reader", "--pdf", "whole", "-a", self.doc, "?", check=2)
        self.assertIn("--pdf: 'whole' is not a PDF mode: auto, native or text", r.err)

    def test_the_provider_limits_are_checked_before_sending(self):
        big = self.files.path("gros.pdf")
        fx.write(big, fx.pdf(["une page"], pad=800 * 1000))  # > 1 MB of base64
        r = self.chat("-m", "echo:reader", "--pdf", "native", "-a", big, "?", check=2)
        self.assertIn("attachment %s: " % big, r.err)
        self.assertIn("is more than echo:reader takes in one request (", r.err)
        self.assertIn("use --pdf text", r.err)
        r = self.chat("-m", "echo:reader", "-a", big, "?")  # auto: its text instead
        self.assertIn("Attached PDF gros.pdf (1 page), its text:", r.out)
        long_doc = self.files.pdf("long.pdf", ["page %d" % i for i in range(6)])
        r = self.chat("-m", "echo:reader", "--pdf", "native", "-a", long_doc, "?", check=2)
        self.assertIn("long.pdf: 6 pages, more than echo:reader takes natively (5)", r.err)

    def test_an_encrypted_pdf_is_refused_before_sending(self):
        locked = self.files.pdf("locked.pdf", ["secret"], encrypted=True)
        r = self.chat("-m", "echo:reader", "--pdf", "native", "-a", locked, "?", check=2)
        self.assertIn("locked.pdf: the PDF is encrypted and providers refuse encrypted PDFs", r.err)
        r = self.chat("-m", "echo:reader", "-a", locked, "?", check=2)  # auto: as text, which cannot be read either
        self.assertIn("locked.pdf: the PDF is encrypted (it needs a password)", r.err)

    def test_the_log_names_the_pdf_and_continuing_sends_that_line(self):
        # echo:reader (echo:messages would answer with the request, base64 included)
        self.webox("chat", "-m", "echo:reader", "-a", self.doc, "première", check=0)
        db = self.webox("logs", "path", check=0).out.strip()
        with sqlite3.connect(db) as conn:
            (prompt,) = conn.execute("SELECT prompt FROM calls ORDER BY id DESC LIMIT 1").fetchone()
        self.assertIn(self.whole_line(), prompt)
        encoded = base64.b64encode(self.bytes).decode()
        for name in os.listdir(os.path.dirname(db)):
            with open(os.path.join(os.path.dirname(db), name), "rb") as f:
                self.assertFalse(encoded[:64].encode() in f.read(), name)
        r = self.webox("chat", "-c", "-m", "echo:messages", "et ensuite ?", check=0)
        messages = json.loads(r.out)
        self.assertIn(self.whole_line(), messages[0]["content"])
        self.assertNotIn('"document"', r.out)

    def test_compare_sends_each_column_what_its_model_takes(self):
        r = self.webox("compare", "-m", "echo:messages", "-m", "echo", "--json", "--no-log", "-a", self.doc, "?",
                       check=0)
        results = r.json()["results"]
        sent = json.loads(results[0]["text"])[-1]["content"]
        self.assertEqual(sent[1], {"type": "document", "media_type": "application/pdf",
                                   "data": base64.b64encode(self.bytes).decode(), "name": "rapport.pdf",
                                   "pages": 2, "input_tokens": 2000})
        self.assertIn(self.whole_line(), sent[0]["text"])
        self.assertIn("Attached PDF rapport.pdf (2 pages), its text:", results[1]["text"])
        r = self.webox("compare", "-m", "echo:messages", "-m", "echo", "--pdf", "native", "--no-log",
                       "-a", self.doc, "?", check=2)
        self.assertIn("echo:echo does not take PDFs natively; use --pdf text", r.err)

    def test_the_budget_counts_the_pages(self):
        # 2 pages at echo's 1,000 tokens a page, priced through a config price
        self.write_config('prices:\n  "echo:reader": {input: 1000, output: 0}\n')
        r = self.chat("-m", "echo:reader", "--max-cost", "1.5", "-a", self.doc, "?", check=5)
        self.assertIn("prompt tokens", r.err)
        self.chat("-m", "echo:reader", "--max-cost", "3", "-a", self.doc, "?")


class StartupCostTest(WeboxTestCase):
    """poppler is mapped only when a PDF is read (lib/core/pdf_text)."""

    def loaded(self, *args):
        r = self.webox(*args, env={"LD_DEBUG": "files"}, check=0)
        return [line for line in r.err.splitlines() if "file=" in line and "poppler" in line]

    def test_poppler_is_loaded_only_for_a_pdf(self):
        ldd = subprocess.run(["ldd", WEBOX], capture_output=True, text=True).stdout
        self.assertNotIn("poppler", ldd)
        self.assertEqual(self.loaded("--version"), [])
        self.assertEqual(self.loaded("chat", "-m", "echo", "--no-log", "bonjour"), [])
        files = Files(self.home)
        self.assertEqual(self.loaded("chat", "-m", "echo", "--no-log", "-a", files.png(), "image only"), [])
        doc = files.pdf("d.pdf", ["one page"])
        self.assertNotEqual(self.loaded("chat", "-m", "echo", "--no-log", "-a", doc, "?"), [])

    def test_poppler_is_not_loaded_for_a_pdf_sent_whole(self):
        doc = Files(self.home).pdf("d.pdf", ["one page"])
        self.assertEqual(self.loaded("chat", "-m", "echo:reader", "--no-log", "-a", doc, "?"), [])
        self.assertNotEqual(self.loaded("chat", "-m", "echo:reader", "--pdf", "text", "--no-log", "-a", doc, "?"), [])


class WireFormatTest(WeboxTestCase):
    """What each provider plugin sends for an image, checked by the fake as
    the real API would (tests/fakes/fake_llm.py, IMAGES)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("fake_llm.py")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        super().setUp()
        urllib.request.urlopen(urllib.request.Request(self.fake.url + "/__reset", data=b"{}", method="POST"),
                               timeout=5).read()
        url = self.fake.url
        self.env.update({
            "OPENAI_BASE_URL": url + "/v1", "OPENAI_API_KEY": "test-key",
            "GROQ_BASE_URL": url + "/groq/openai/v1", "GROQ_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": "test-key",
            "GEMINI_BASE_URL": url, "GEMINI_API_KEY": "test-key",
            "OLLAMA_HOST": "127.0.0.1:%d" % self.fake.port,
        })
        self.files = Files(self.home)
        self.image = self.files.png()
        self.b64 = base64.b64encode(fx.png()).decode()

    def sent(self):
        return [r["body"] for r in self.fake.requests() if not r["path"].startswith("/__")]

    def chat(self, model, *args, check=0):
        return self.webox("chat", "-m", model, "--no-log", "-a", self.image, *args, "--", "Que montre ce schéma ?",
                          check=check)

    def test_openai_image_url_with_a_data_url(self):
        for stream in ([], ["--no-stream"]):
            self.chat("openai:gpt-4o-mini", *stream)
            user = self.sent()[-1]["messages"][-1]
            self.assertEqual(user["role"], "user")
            self.assertEqual(user["content"][0]["type"], "text")
            self.assertTrue(user["content"][0]["text"].endswith("Que montre ce schéma ?"))
            self.assertEqual(user["content"][1], {"type": "image_url",
                                                  "image_url": {"url": "data:image/png;base64," + self.b64}})

    def test_anthropic_image_block_with_a_base64_source(self):
        self.chat("anthropic:claude-sonnet-4-5")
        blocks = self.sent()[-1]["messages"][-1]["content"]
        self.assertEqual(blocks[1], {"type": "image",
                                     "source": {"type": "base64", "media_type": "image/png", "data": self.b64}})

    def test_gemini_inline_data(self):
        self.chat("gemini:gemini-2.5-flash")
        parts = self.sent()[-1]["contents"][-1]["parts"]
        self.assertTrue(parts[0]["text"].endswith("Que montre ce schéma ?"))
        self.assertEqual(parts[1], {"inline_data": {"mime_type": "image/png", "data": self.b64}})

    def test_ollama_images(self):
        self.chat("ollama:llava")  # a model the manifest does not describe: sent
        user = self.sent()[-1]["messages"][-1]
        self.assertEqual(user["images"], [self.b64])
        self.assertIsInstance(user["content"], str)
        self.assertTrue(user["content"].endswith("Que montre ce schéma ?"))

    def test_ollama_text_only_model_of_the_manifest_is_refused(self):
        r = self.chat("ollama:llama3.2", check=2)
        self.assertIn("ollama:llama3.2 cannot see images", r.err)
        self.assertEqual(self.sent(), [])

    def test_a_plugin_without_vision_is_never_sent_an_image(self):
        r = self.chat("groq:llama-3.3-70b-versatile", check=2)
        self.assertIn("groq cannot see images (its plugin 'groq' does not declare the 'vision' capability)", r.err)
        self.assertEqual(self.sent(), [])

    def test_the_fake_refuses_a_wrong_image_shape(self):
        # The fakes' checks are real: a neutral part passed through untouched is refused.
        bad = {"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "x"}, {"type": "image", "media_type": "image/png", "data": self.b64}]}]}
        req = urllib.request.Request(self.fake.url + "/v1/chat/completions", data=json.dumps(bad).encode(),
                                     headers={"Authorization": "Bearer test-key",
                                              "Content-Type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(e.exception.code, 400)

    def send_pdf(self, model, *args, check=0):
        doc = self.files.pdf("rapport.pdf", ["Budget total 12000 euros"])
        with open(doc, "rb") as f:
            self.pdf_b64 = base64.b64encode(f.read()).decode()
        return self.webox("chat", "-m", model, "--no-log", "-a", doc, *args, "--", "Quel budget ?", check=check)

    def test_anthropic_document_block(self):
        self.send_pdf("anthropic:claude-sonnet-4-5")
        blocks = self.sent()[-1]["messages"][-1]["content"]
        self.assertTrue(blocks[0]["text"].endswith("Quel budget ?"))
        self.assertEqual(blocks[1], {"type": "document", "title": "rapport.pdf",
                                     "source": {"type": "base64", "media_type": "application/pdf",
                                                "data": self.pdf_b64}})

    def test_openai_file_part_with_a_data_url(self):
        for stream in ([], ["--no-stream"]):
            self.send_pdf("openai:gpt-4o", *stream)
            parts = self.sent()[-1]["messages"][-1]["content"]
            self.assertEqual(parts[1], {"type": "file", "file": {
                "filename": "rapport.pdf", "file_data": "data:application/pdf;base64," + self.pdf_b64}})

    def test_gemini_inline_data_pdf(self):
        self.send_pdf("gemini:gemini-2.5-flash")
        parts = self.sent()[-1]["contents"][-1]["parts"]
        self.assertEqual(parts[1], {"inline_data": {"mime_type": "application/pdf", "data": self.pdf_b64}})

    def test_providers_without_native_pdfs_get_the_text(self):
        for model in ("groq:llama-3.3-70b-versatile", "ollama:llama3.2", "openai:gpt-3.5-turbo"):
            self.send_pdf(model, check=None)
            body = json.dumps(self.sent()[-1])
            self.assertIn("Budget total 12000 euros", body, model)
            self.assertNotIn(self.pdf_b64[:40], body, model)
        r = self.send_pdf("groq:llama-3.3-70b-versatile", "--pdf", "native", check=2)
        self.assertIn("groq:llama-3.3-70b-versatile does not take PDFs natively; use --pdf text", r.err)

    def test_the_fake_refuses_a_wrong_document_shape(self):
        pdf = base64.b64encode(fx.pdf(["x"])).decode()
        bad = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "x"},
            {"type": "document", "media_type": "application/pdf", "data": pdf}]}]}
        req = urllib.request.Request(self.fake.url + "/v1/messages", data=json.dumps(bad).encode(),
                                     headers={"x-api-key": "test-key", "anthropic-version": "2023-06-01",
                                              "Content-Type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(e.exception.code, 400)


class RagPdfTest(WeboxTestCase):
    """`rag index` reads PDFs page by page; encrypted ones are skipped."""

    def test_pdf_pages_are_indexed_with_their_page_as_location(self):
        files = Files(self.home)
        files.pdf("guide.pdf", ["Installation sur Debian", "Le budget du projet Lyon est de 12000 euros"])
        files.pdf("locked.pdf", ["secret"], encrypted=True)
        files.text("broken.pdf", b"%PDF-1.4\ngarbage\n")
        r = self.webox("rag", "index", "docs", files.dir, check=0)
        self.assertIn("1 added", r.out)
        self.assertIn("2 skipped", r.out)
        r = self.webox("-v", "rag", "index", "docs", files.dir, check=0)
        self.assertIn("locked.pdf: encrypted PDF (it needs a password)", r.err)
        self.assertIn("broken.pdf: damaged PDF", r.err)
        hits = self.webox("rag", "search", "docs", "budget Lyon", "--json", check=0).json()
        self.assertTrue(hits)
        self.assertTrue(hits[0]["path"].endswith("guide.pdf"))
        self.assertEqual((hits[0]["start_line"], hits[0]["end_line"]), (2, 2))
        self.assertEqual(hits[0]["heading"], "page 2")
        self.assertIn("12000 euros", hits[0]["text"])


if __name__ == "__main__":
    main()
