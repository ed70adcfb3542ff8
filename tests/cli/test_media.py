"""webox tts, transcribe, generate-image and media through the real binary:
offline engines (espeak-ng, PocketSphinx) for real, cloud providers against
tests/fakes/fake_media.py (binary bodies in odd-sized chunks, full of NUL,
CR, LF and 0x1A bytes, compared by sha256)."""
import hashlib
import json
import os
import struct
import sys
import wave

from harness import FAKES, WeboxTestCase, main

sys.path.insert(0, FAKES)
import fake_media  # noqa: E402  (the payloads the fake serves)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def wav_stats(path):
    with wave.open(path, "rb") as w:
        rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(frames)
    samples = struct.unpack("<%dh" % (len(raw) // 2), raw)
    rms = (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5
    return rate, channels, width, frames / rate, rms


class OfflineSpeechTest(WeboxTestCase):
    def out(self, name):
        return os.path.join(self.home, name)

    def test_espeak_writes_a_valid_wav_in_english_and_french(self):
        en = self.out("hello.wav")
        r = self.webox("tts", "-v", "en", "Hello world, this is webox speaking.", "-o", en, check=0)
        self.assertEqual(r.out.strip(), en)
        rate, channels, width, seconds, rms = wav_stats(en)
        self.assertEqual((rate, channels, width), (22050, 1, 2))
        self.assertTrue(1.0 < seconds < 5.0, seconds)
        self.assertGreater(rms, 300)  # not silence
        fr = self.out("bienvenue.wav")
        self.webox("tts", "-v", "fr-FR", "Bonjour, bienvenue dans votre entraînement.", "-o", fr, check=0)
        self.assertTrue(1.0 < wav_stats(fr)[3] < 6.0)

    def test_speed_changes_the_duration(self):
        text = "One two three four five six seven eight nine ten."
        self.webox("tts", "-v", "en", text, "-o", self.out("slow.wav"), check=0)
        self.webox("tts", "-v", "en", "--speed", "2", text, "-o", self.out("fast.wav"), check=0)
        self.assertLess(wav_stats(self.out("fast.wav"))[3], 0.75 * wav_stats(self.out("slow.wav"))[3])

    def test_text_from_stdin_and_file(self):
        self.webox("tts", "-o", self.out("a.wav"), stdin="from standard input", check=0)
        with open(self.out("t.txt"), "w") as f:
            f.write("from a file")
        self.webox("tts", "--file", self.out("t.txt"), "-o", self.out("b.wav"), check=0)
        self.assertGreater(os.path.getsize(self.out("b.wav")), 10000)

    def test_bad_input_is_a_usage_error_and_writes_nothing(self):
        r = self.webox("tts", "-o", self.out("x.wav"), stdin="   \n", check=2)
        self.assertIn("no text to speak", r.err)
        r = self.webox("tts", "-v", "xx-nothing", "hello", "-o", self.out("x.wav"), check=2)
        self.assertIn("unknown voice 'xx-nothing'", r.err)
        r = self.webox("tts", "--format", "mp3", "hello", "-o", self.out("x.mp3"), check=2)
        self.assertIn("not supported", r.err)
        self.assertEqual([f for f in os.listdir(self.home) if f.startswith(("x.", ".x"))], [])

    def test_list_voices_has_french_and_english(self):
        ids = [v["id"] for v in self.webox("tts", "--list-voices", "--json", check=0).json()]
        self.assertIn("fr", ids)
        self.assertIn("en-us", ids)

    def test_stdout_and_directory_outputs_and_the_gallery(self):
        r = self.webox("tts", "hello", "-o", "-", check=0)
        self.assertTrue(r.out.startswith("RIFF"))
        d = self.out("speech") + "/"
        r = self.webox("tts", "-v", "fr", "Bonjour à tous", "-o", d, "--json", check=0)
        doc = r.json()
        self.assertRegex(os.path.basename(doc["file"]), r"^bonjour-a-tous-[0-9a-f]{8}\.wav$")
        self.assertEqual(sha(read(doc["file"])), doc["sha256"])  # digest of the bytes streamed
        listed = self.webox("media", "list", "--kind", "audio", "--json", check=0).json()
        self.assertEqual(listed[0]["id"], doc["id"])
        self.assertEqual(listed[0]["model"], "espeak:espeak-ng")
        self.assertEqual(listed[0]["prompt"], "Bonjour à tous")
        self.assertEqual(listed[0]["options"]["voice"], "fr")
        shown = self.webox("media", "show", str(doc["id"]), check=0)
        self.assertIn("Bonjour à tous", shown.out)
        self.webox("media", "show", "999", check=2)
        self.assertEqual(self.webox("media", "list", "--kind", "image", "--json", check=0).json(), [])

    def test_transcribe_recognises_espeak_english(self):
        wav = self.out("q.wav")
        self.webox("tts", "-v", "en-us", "Hello world. Thank you very much.", "-o", wav, check=0)
        r = self.webox("transcribe", wav, "--json", check=0, timeout=60)
        doc = r.json()
        words = set(doc["text"].split())
        self.assertGreaterEqual(len(words & {"hello", "world", "thank", "you", "very", "much"}), 3, doc["text"])
        self.assertEqual(doc["model"], "pocketsphinx:en-us")
        self.assertTrue(doc["segments"] and doc["segments"][0]["end"] > doc["segments"][0]["start"])
        plain = self.webox("transcribe", wav, check=0, timeout=60)
        self.assertEqual(plain.out.strip(), doc["text"])

    def test_transcribe_rejects_unreadable_and_unsupported_audio(self):
        r = self.webox("transcribe", self.out("missing.wav"), check=2)
        self.assertIn("cannot read", r.err)
        with open(self.out("notes.txt"), "w") as f:
            f.write("just some text")
        r = self.webox("transcribe", self.out("notes.txt"), check=2)
        self.assertIn("not an audio file", r.err)
        with open(self.out("a.mp3"), "wb") as f:
            f.write(fake_media.audio_bytes(2000))
        r = self.webox("transcribe", self.out("a.mp3"), check=2)
        self.assertIn("MP3 audio is not supported", r.err)
        self.assertIn("ffmpeg", r.err)
        r = self.webox("transcribe", "--language", "fr", self.out("a.mp3"), check=2)
        self.assertIn("only English", r.err)


class CloudMediaTest(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.fake = self.start_media_fake()

    def out(self, name):
        return os.path.join(self.home, name)

    def requests(self, path):
        return [r for r in self.fake.requests() if r["path"] == path]

    # ---- ElevenLabs -----------------------------------------------------------

    def test_elevenlabs_streams_bytes_intact(self):
        text = "Bonjour, ceci est un test."
        dest = self.out("el.mp3")
        self.webox("tts", "-m", "elevenlabs:eleven_multilingual_v2", "-v", "VOICE1", text, "-o", dest, check=0)
        expected = fake_media.audio_bytes(40000 + len(text))
        self.assertEqual(sha(read(dest)), sha(expected))
        req = self.requests("/v1/text-to-speech/VOICE1")[0]
        self.assertEqual(req["headers"]["xi-api-key"], "test-key")
        self.assertNotIn("authorization", req["headers"])
        self.assertEqual(req["query"], {"output_format": "mp3_44100_128"})
        self.assertEqual(req["body"], {"text": text, "model_id": "eleven_multilingual_v2"})

    def test_elevenlabs_wav_is_pcm_with_a_header(self):
        dest = self.out("el.wav")
        self.webox("tts", "-m", "elevenlabs", "--speed", "1.1", "Bonjour", "-o", dest, check=0)
        rate, channels, width, seconds, _ = wav_stats(dest)
        self.assertEqual((rate, channels, width), (22050, 1, 2))
        self.assertEqual(read(dest)[44:], fake_media.pcm_bytes(40000 + len("Bonjour")))
        req = self.requests("/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM")[0]
        self.assertEqual(req["query"]["output_format"], "pcm_22050")
        self.assertEqual(req["body"]["voice_settings"], {"speed": 1.1})

    def test_a_broken_stream_leaves_no_file_and_keeps_the_old_one(self):
        dest = self.out("cut.mp3")
        r = self.webox("tts", "-m", "elevenlabs", "Bonjour [cut]", "-o", dest, check=75)
        self.assertIn("elevenlabs", r.err)
        self.assertEqual(os.listdir(self.home).count("cut.mp3"), 0)
        self.assertEqual([f for f in os.listdir(self.home) if ".part" in f], [])
        with open(dest, "wb") as f:
            f.write(b"previous take")
        self.webox("tts", "-m", "openai:tts-1", "again [cut]", "-o", dest, check=75)
        self.assertEqual(read(dest), b"previous take")
        self.assertEqual(self.webox("media", "list", "--json", check=0).json(), [])

    def test_elevenlabs_errors(self):
        r = self.webox("tts", "-m", "elevenlabs", "-v", "missing", "x", "-o", self.out("a.mp3"), check=2)
        self.assertIn("unknown voice 'missing'", r.err)
        r = self.webox("tts", "-m", "elevenlabs", "x", "-o", self.out("a.mp3"),
                       env={"ELEVENLABS_API_KEY": "quota-key"}, check=5)
        self.assertIn("quota_exceeded", r.err)
        r = self.webox("tts", "-m", "elevenlabs", "x", "-o", self.out("a.mp3"), env={"ELEVENLABS_API_KEY": "wrong"},
                       check=4)
        self.assertIn("Invalid API key", r.err)
        env = dict(self.env)
        env.pop("ELEVENLABS_API_KEY")
        self.env = env
        r = self.webox("tts", "-m", "elevenlabs", "x", "-o", self.out("a.mp3"), check=4)
        self.assertIn("ELEVENLABS_API_KEY", r.err)
        self.assertFalse(os.path.exists(self.out("a.mp3")))

    # ---- OpenAI ----------------------------------------------------------------

    def test_openai_speech_splits_long_text_at_sentences(self):
        text = "Une phrase assez longue pour le test. " * 200  # 7600 characters
        with open(self.out("script.txt"), "w") as f:
            f.write(text)
        doc = self.webox("tts", "-m", "openai:gpt-4o-mini-tts", "-v", "alloy", "--file", self.out("script.txt"),
                         "-o", self.out("long.mp3"), "--json", check=0).json()
        self.assertEqual(doc["requests"], 2)
        sent = [r["body"] for r in self.requests("/v1/audio/speech")]
        self.assertEqual("".join(b["input"] for b in sent), text)
        for b in sent:
            self.assertLessEqual(len(b["input"]), 4096)
            self.assertTrue(b["input"].endswith(". "))
            self.assertEqual((b["voice"], b["response_format"]), ("alloy", "mp3"))
        expected = b"".join(fake_media.audio_bytes(40000 + len(b["input"])) for b in sent)
        self.assertEqual(sha(read(self.out("long.mp3"))), sha(expected))

    def test_openai_speech_format_from_the_file_name(self):
        self.webox("tts", "-m", "openai:tts-1", "hi", "-o", self.out("a.flac"), check=0)
        self.assertEqual(self.requests("/v1/audio/speech")[0]["body"]["response_format"], "flac")

    def test_openai_gpt_image_base64_and_dalle_url_downloaded_unchanged(self):
        d = self.out("images") + "/"
        doc = self.webox("generate-image", "-m", "openai:gpt-image-1", "--size", "1024x1024", "-n", "2",
                         "-o", d, "un refuge en montagne, aquarelle", "--json", check=0).json()
        self.assertEqual(len(doc["images"]), 2)
        for i, img in enumerate(doc["images"]):
            self.assertRegex(os.path.basename(img["file"]), r"^un-refuge-en-montagne-aquarelle-[0-9a-f]{8}\.png$")
            self.assertEqual(read(img["file"]), fake_media.png_bytes(f"un refuge en montagne, aquarelle-{i}"))
        body = self.requests("/v1/images/generations")[0]["body"]
        self.assertEqual(body, {"model": "gpt-image-1", "prompt": "un refuge en montagne, aquarelle", "n": 2,
                                "size": "1024x1024"})
        dest = self.out("dalle.png")
        doc = self.webox("generate-image", "-m", "openai:dall-e-3", "--quality", "hd", "phare", "-o", dest,
                         "--json", check=0).json()
        self.assertEqual(read(dest), fake_media.png_bytes("phare-0"))
        self.assertEqual(doc["images"][0]["revised_prompt"], "revised: phare")
        download = self.requests("/files/img0.png")[0]
        self.assertEqual(download["query"]["sig"], "a=b+c")  # %3D and %2B sent as given
        self.assertNotIn("authorization", download["headers"])  # the key never leaves for a storage host
        gallery = self.webox("media", "list", "--kind", "image", "--json", check=0).json()
        self.assertEqual(len(gallery), 3)
        self.assertEqual(gallery[0]["sha256"], sha(read(dest)))

    def test_default_media_models_from_the_config_below_the_environment_and_the_flag(self):
        self.write_config("media:\n  image_model: openai:dall-e-2\n  tts_model: openai:tts-1\n"
                          "  stt_model: openai:whisper-1\n")
        self.webox("tts", "bonjour", "-o", self.out("a.mp3"), check=0)
        self.assertEqual(self.requests("/v1/audio/speech")[-1]["body"]["model"], "tts-1")
        self.webox("tts", "bonjour", "-o", self.out("b.mp3"), env={"WEBOX_TTS_MODEL": "openai:gpt-4o-mini-tts"}, check=0)
        self.assertEqual(self.requests("/v1/audio/speech")[-1]["body"]["model"], "gpt-4o-mini-tts")
        self.webox("tts", "-m", "espeak", "bonjour", "-o", self.out("c.wav"), check=0)
        self.assertEqual(len(self.requests("/v1/audio/speech")), 2)
        self.webox("generate-image", "phare", "-o", self.out("p.png"), check=0)
        self.assertEqual(self.requests("/v1/images/generations")[-1]["body"]["model"], "dall-e-2")
        self.webox("transcribe", self.out("a.mp3"), check=0)
        self.assertEqual(self.requests("/v1/audio/transcriptions")[-1]["body"]["model"], "whisper-1")
        explained = {s["setting"]: (s["value"], s["source"])
                     for s in self.webox("config", "explain", "--json", env={"WEBOX_STT_MODEL": "pocketsphinx"},
                                         check=0).json()}
        self.assertEqual(explained["media.image_model"], ("openai:dall-e-2", "file"))
        self.assertEqual(explained["media.stt_model"], ("pocketsphinx", "env WEBOX_STT_MODEL"))
        # A misspelt setting is refused with its place, before anything is sent.
        self.write_config("media:\n  tts: openai:tts-1\n")
        r = self.webox("tts", "bonjour", "-o", self.out("d.mp3"), check=4)
        self.assertIn("config.yaml:2:3", r.err)
        self.assertIn("unknown media setting 'tts'", r.err)
        self.assertFalse(os.path.exists(self.out("d.mp3")))
        self.assertEqual(len(self.requests("/v1/audio/speech")), 2)

    def test_html_instead_of_an_image_is_refused(self):
        dest = self.out("h.png")
        r = self.webox("generate-image", "-m", "openai:dall-e-2", "html please", "-o", dest, check=1)
        self.assertIn("HTML page", r.err)
        self.assertFalse(os.path.exists(dest))
        r = self.webox("generate-image", "-m", "stability:core", "html please", "-o", dest, check=1)
        self.assertIn("HTML page", r.err)
        self.assertEqual([f for f in os.listdir(self.home) if f.endswith(".png") or ".part" in f], [])

    def test_openai_transcription_uploads_the_file_intact(self):
        audio = fake_media.audio_bytes(100001)
        with open(self.out("entretien.mp3"), "wb") as f:
            f.write(audio)
        doc = self.webox("transcribe", "-m", "openai:whisper-1", "--language", "fr", self.out("entretien.mp3"),
                         "--json", check=0).json()
        self.assertEqual(doc["text"], "heard %d bytes sha256 %s" % (len(audio), sha(audio)))
        self.assertEqual(doc["language"], "fr")
        self.assertEqual([s["start"] for s in doc["segments"]], [0.0, 1.2])
        form = self.requests("/v1/audio/transcriptions")[0]["body"]
        self.assertEqual(form["file"]["filename"], "entretien.mp3")
        self.assertEqual(form["file"]["content_type"], "audio/mpeg")
        self.assertEqual((form["model"], form["language"], form["response_format"]), ("whisper-1", "fr", "verbose_json"))
        r = self.webox("transcribe", "-m", "openai:gpt-4o-transcribe", self.out("entretien.mp3"), check=0)
        self.assertTrue(r.out.startswith("heard 100001 bytes"))

    # ---- Stability and SD WebUI -------------------------------------------------

    def test_stability_multipart_and_bytes(self):
        dest = self.out("affiche.png")
        doc = self.webox("generate-image", "-m", "stability:sd3.5-large", "--size", "1792x1024", "--seed", "42",
                         "une affiche", "-o", dest, "--json", check=0).json()
        self.assertEqual(read(dest), fake_media.png_bytes("sd3-une affiche-42"))
        self.assertEqual(doc["images"][0]["seed"], 42)
        req = self.requests("/v2beta/stable-image/generate/sd3")[0]
        self.assertEqual(req["headers"]["accept"], "image/*")
        self.assertEqual({k: req["body"][k] for k in ("prompt", "model", "aspect_ratio", "seed", "output_format")},
                         {"prompt": "une affiche", "model": "sd3.5-large", "aspect_ratio": "16:9", "seed": "42",
                          "output_format": "png"})
        r = self.webox("generate-image", "-m", "stability:ultra", "402", "-o", self.out("x.png"), check=5)
        self.assertIn("payment_required", r.err)

    def test_sdwebui_batch_with_seeds(self):
        doc = self.webox("generate-image", "-m", "sdwebui:default", "-n", "2", "--seed", "7", "--size", "640x480",
                         "a lighthouse", "-o", self.out("local.png"), "--json", check=0).json()
        files = [i["file"] for i in doc["images"]]
        self.assertEqual([os.path.basename(f) for f in files], ["local-1.png", "local-2.png"])
        self.assertEqual(read(files[1]), fake_media.png_bytes("sd-a lighthouse-1"))
        self.assertEqual([i["seed"] for i in doc["images"]], [7, 8])
        body = self.requests("/sdapi/v1/txt2img")[0]["body"]
        self.assertEqual((body["width"], body["height"], body["batch_size"], body["seed"]), (640, 480, 2, 7))

    # ---- Budgets (data/prices.json "media") ----------------------------------------

    def assert_refused_before_any_request(self, r, path, what):
        self.assertEqual(r.code, 5, r)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)  # one line
        self.assertIn(what, r.err)
        self.assertEqual(self.requests(path), [])

    def test_max_cost_refuses_speech_before_any_request(self):
        text = "a" * 1000  # tts-1: $15 per million characters, so $0.015
        r = self.webox("tts", "-m", "openai:tts-1", text, "--output", self.out("a.mp3"), "--max-cost", "0.01", check=None)
        self.assert_refused_before_any_request(r, "/v1/audio/speech", "over --max-cost $0.0100")
        self.assertIn("1000 characters", r.err)
        self.assertFalse(os.path.exists(self.out("a.mp3")))
        self.webox("tts", "-m", "openai:tts-1", text, "--output", self.out("a.mp3"), "--max-cost", "0.02", check=0)
        self.assertEqual(len(self.requests("/v1/audio/speech")), 1)
        media = self.webox("stats", "--json", check=0).json()["media"]
        self.assertEqual([(m["kind"], m["model"], m["unpriced_items"]) for m in media], [("speech", "openai:tts-1", 0)])
        self.assertAlmostEqual(media[0]["cost"], 0.015)
        # A model without a price cannot be kept to a cap.
        r = self.webox("tts", "-m", "elevenlabs:eleven_multilingual_v2", "--voice", "V1", "hi", "--output", self.out("e.mp3"),
                       "--max-cost", "1", check=None)
        self.assertEqual(r.code, 5, r)
        self.assertIn("no known price", r.err)

    def test_max_cost_refuses_images_before_any_request(self):
        r = self.webox("generate-image", "-m", "openai:dall-e-3", "--quality", "hd", "-n", "2", "phare",
                       "--output", self.out("d") + "/", "--max-cost", "0.1", check=None)
        self.assert_refused_before_any_request(r, "/v1/images/generations", "2 images, quality hd")
        # No --quality: the dearest one counts (gpt-image-1 high, $0.167).
        r = self.webox("generate-image", "-m", "openai:gpt-image-1", "phare", "--output", self.out("g.png"),
                       "--max-cost", "0.1", check=None)
        self.assert_refused_before_any_request(r, "/v1/images/generations", "quality the dearest")
        # A larger size counts in proportion to its pixels: 1536x1024 low is 1.5 x $0.011.
        r = self.webox("generate-image", "-m", "openai:gpt-image-1", "--quality", "low", "--size", "1536x1024", "phare",
                       "--output", self.out("g.png"), "--max-cost", "0.016", check=None)
        self.assert_refused_before_any_request(r, "/v1/images/generations", "$0.0165")
        doc = self.webox("generate-image", "-m", "openai:gpt-image-1", "--quality", "low", "phare", "--output", self.out("g.png"),
                         "--max-cost", "0.02", "--json", check=0).json()
        self.assertEqual(len(doc["images"]), 1)
        media = self.webox("stats", "--json", check=0).json()["media"]
        self.assertAlmostEqual(media[0]["cost"], 0.011)  # the price table's, the fake reports none

    def test_daily_budget_counts_media_already_made(self):
        self.write_config("budgets:\n  daily: 0.05\n")
        self.webox("tts", "-m", "openai:tts-1", "b" * 3000, "--output", self.out("1.mp3"), check=0)  # $0.045
        r = self.webox("tts", "-m", "openai:tts-1", "c" * 1000, "--output", self.out("2.mp3"), check=None)  # $0.015 more
        self.assertEqual(r.code, 5, r)
        self.assertIn("daily budget $0.0500: $0.0450 spent", r.err)
        self.assertEqual(len(self.requests("/v1/audio/speech")), 1)

    def test_max_cost_is_an_amount(self):
        for cmd in (["tts", "hi"], ["generate-image", "x"]):
            r = self.webox(*cmd, "--max-cost", "cheap", check=2)
            self.assertIn("--max-cost", r.err)

    # ---- Transcriptions in the log and in stats ---------------------------------------

    def test_transcriptions_are_logged_calls_with_their_cost(self):
        audio = fake_media.audio_bytes(5000)
        with open(self.out("r.mp3"), "wb") as f:
            f.write(audio)
        self.webox("transcribe", "-m", "openai:whisper-1", self.out("r.mp3"), "--json", check=0)  # 2.5 s, verbose
        self.webox("transcribe", "-m", "openai:gpt-4o-transcribe", self.out("r.mp3"), check=0)  # no length: unpriced
        rows = {r["key"]: r for r in self.webox("stats", "--json", check=0).json()["rows"]}
        self.assertEqual(rows["openai:whisper-1"]["calls"], 1)
        self.assertAlmostEqual(rows["openai:whisper-1"]["cost"], 0.006 * 2.5 / 60)
        self.assertEqual(rows["openai:whisper-1"]["unpriced_calls"], 0)
        self.assertEqual(rows["openai:gpt-4o-transcribe"]["unpriced_calls"], 1)
        self.assertIn("openai:whisper-1", self.webox("stats", check=0).out)

    def test_usage_errors(self):
        self.webox("generate-image", "-m", "sdwebui", "--size", "big", "x", check=2)
        r = self.webox("generate-image", "-m", "echo", "x", check=2)
        self.assertIn("does not generate images", r.err)
        r = self.webox("generate-image", "-m", "sdwebui", check=2, stdin="")
        self.assertIn("no prompt", r.err)


if __name__ == "__main__":
    main()
