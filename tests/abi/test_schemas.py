"""The plugin contract's schemas (plugins/sdk/schemas/) against what the host
really sends: the real webox commands run against the recorder plugin
(tests/abi/recorder_plugin.cpp), which writes every request document it gets;
each one must match its operation's schema.

Operations and the commands that send them: chat and chat_stream (`webox
chat`, with and without streaming), image (`webox generate-image`), tts
(`webox tts`), stt (`webox transcribe`), social_collect (`webox
scrape-interactions`, the recorder standing in for Instagram through
providers.instagram.plugin), social_send (`webox leads dm --send`, likewise),
list_models (`webox models --refresh -p recorder`, ABI 1.4).
`embed` has no caller in the host yet: its schema is checked against a
document built here.
"""
import glob
import json
import os
import struct
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cli"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import schema_check  # noqa: E402

SCHEMAS = os.environ.get("WEBOX_SCHEMA_DIR",
                         os.path.join(os.path.dirname(os.path.dirname(HERE)), "plugins", "sdk", "schemas"))
RECORDER = os.environ.get("WEBOX_RECORDER_PLUGIN_DIR", "")

try:
    import jsonschema  # optional: a second opinion when the running Python has it
except ImportError:  # pragma: no cover
    jsonschema = None


def load(name):
    with open(os.path.join(SCHEMAS, name + ".json")) as f:
        return json.load(f)


def problems(doc, schema):
    found = schema_check.errors(doc, schema)
    if jsonschema is not None:
        validator = jsonschema.Draft202012Validator(schema)
        found += [f"jsonschema: {e.message}" for e in validator.iter_errors(doc)]
    return found


class SchemaFilesTest(unittest.TestCase):
    def test_every_schema_is_well_formed_and_versioned(self):
        files = sorted(glob.glob(os.path.join(SCHEMAS, "*.json")))
        self.assertGreaterEqual(len(files), 18)
        for path in files:
            with open(path) as f:
                schema = json.load(f)
            name = os.path.basename(path)[:-len(".json")]
            schema_check.check_schema(schema)
            self.assertEqual(schema["$schema"], "https://json-schema.org/draft/2020-12/schema", path)
            self.assertRegex(schema["$id"], r"^urn:webox:plugin-abi:1\.\d+:" + name.replace(".", r"\.") + "$")
            if jsonschema is not None:
                jsonschema.Draft202012Validator.check_schema(schema)

    def test_the_validator_refuses_what_the_schemas_forbid(self):
        # A validator that lets everything through would make the host test below pass.
        chat = load("chat.request")
        self.assertFalse(problems({"model": "m", "messages": [{"role": "user", "content": "hi"}]}, chat))
        self.assertTrue(problems({"model": "m", "messages": []}, chat))
        self.assertTrue(problems({"model": "m", "messages": [{"role": "robot", "content": "hi"}]}, chat))
        self.assertTrue(problems({"model": "m", "messages": [{"role": "user", "content": 1}]}, chat))
        self.assertTrue(problems({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}, chat))
        self.assertTrue(problems({"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "any"}, chat))

    def test_the_tool_calling_shapes_of_abi_1_3(self):
        call = {"id": "c1", "name": "weather", "arguments": {"city": "Paris"}, "extra": {"thoughtSignature": "x"}}
        request = {
            "model": "m",
            "messages": [{"role": "user", "content": "weather?"},
                         {"role": "assistant", "content": "", "tool_calls": [call]},
                         {"role": "tool", "tool_call_id": "c1", "name": "weather", "content": "sunny",
                          "is_error": False}],
            "tools": [{"name": "weather", "description": "today's weather",
                       "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
            "tool_choice": {"name": "weather"},
        }
        self.assertEqual(problems(request, load("chat.request")), [])
        events = load("chat.events")
        self.assertEqual(problems({"type": "tool_call", **call}, events), [])
        self.assertEqual(problems({"type": "tool_call", "id": "c2", "name": "w", "arguments": None,
                                   "arguments_text": "{not json"}, events), [])
        self.assertEqual(problems({"text": "", "finish_reason": "tool_calls", "tool_calls": [call]},
                                  load("chat.result")), [])

    def test_auth_shapes_of_abi_1_6(self):
        request, result = load("auth.request"), load("auth.result")
        challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        self.assertEqual(problems({"action": "authorize", "redirect_uri": "http://127.0.0.1:5000/callback",
                                   "state": "s" * 43, "code_challenge": challenge,
                                   "code_challenge_method": "S256"}, request), [])
        self.assertEqual(problems({"action": "refresh", "access_token": "t"}, request), [])
        self.assertTrue(problems({"action": "login"}, request))
        self.assertTrue(problems({"action": "authorize", "code_challenge_method": "plain"}, request))
        self.assertEqual(problems({"url": "https://www.instagram.com/oauth/authorize?x=1", "pkce": False}, result), [])
        self.assertEqual(problems({"access_token": "t", "expires_in": 5184000, "scopes": ["a"],
                                   "store_as": {"access_token": "INSTAGRAM_ACCESS_TOKEN"}}, result), [])
        self.assertTrue(problems({"access_token": "t"}, result))  # where to store it is not optional

    def test_list_models_shapes_of_abi_1_4(self):
        request, result = load("list_models.request"), load("list_models.result")
        self.assertEqual(problems({"limit": 2000}, request), [])
        self.assertTrue(problems({"limit": 0}, request))
        self.assertTrue(problems({"page": 2}, request))
        ok = {"models": [{"id": "gpt-4o-mini", "display_name": "GPT-4o mini", "capabilities": ["chat", "tools", "vision"],
                          "context_window": 128000}, {"id": "x"}], "truncated": True}
        self.assertEqual(problems(ok, result), [])
        self.assertTrue(problems({"models": [{"id": ""}]}, result))
        self.assertTrue(problems({"models": [{"id": "m", "capabilities": ["telepathy"]}]}, result))
        self.assertTrue(problems({"data": []}, result))

    def test_the_image_parts_of_abi_1_4(self):
        chat = load("chat.request")
        image = {"type": "image", "media_type": "image/png", "data": "iVBORw0KGgo=", "name": "s.png"}
        ok = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "what?"}, image]}]}
        self.assertEqual(problems(ok, chat), [])
        for bad in ({**image, "media_type": "image/bmp"}, {**image, "data": ""},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
                    {k: v for k, v in image.items() if k != "media_type"}):
            doc = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}, bad]}]}
            self.assertTrue(problems(doc, chat), bad)
        self.assertTrue(problems({"model": "m", "messages": [{"role": "user", "content": []}]}, chat))

    def test_embed_request(self):
        self.assertEqual(problems({"model": "m", "input": ["a", "b"], "options": {}}, load("embed.request")), [])
        self.assertTrue(problems({"model": "m", "input": "a"}, load("embed.request")))


def silent_wav(seconds=0.5, rate=16000):
    frames = int(seconds * rate)
    data = b"\x00\x00" * frames
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data)) + data)


@unittest.skipUnless(RECORDER, "WEBOX_RECORDER_PLUGIN_DIR names the built recorder plugin (ctest sets it)")
class HostDocumentsTest(harness.WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.recorded = os.path.join(self.home, "recorded")
        os.makedirs(self.recorded)
        self.env.update({"WEBOX_PLUGIN_PATH": RECORDER, "WEBOX_RECORDER_DIR": self.recorded,
                         "INSTAGRAM_USER_ID": "17841400000000001", "WEBOX_DM_PACE_MS": "0"})
        self.write_config("providers:\n  instagram:\n    plugin: recorder\n")

    def documents(self, operation):
        docs = []
        for path in sorted(glob.glob(os.path.join(self.recorded, operation + "-*.json"))):
            with open(path) as f:
                docs.append(json.load(f))
        return docs

    def assert_valid(self, operation, schema_name, at_least=1):
        docs = self.documents(operation)
        self.assertGreaterEqual(len(docs), at_least, f"the host sent no {operation} request")
        schema = load(schema_name)
        for doc in docs:
            self.assertEqual(problems(doc, schema), [], f"{operation}: {json.dumps(doc)}")

    def test_chat(self):
        self.webox("chat", "-m", "recorder:any", "--no-stream", "hello", check=0)
        self.webox("chat", "-m", "recorder:any", "-s", "be brief", "--temperature", "0.2", "--max-tokens", "50",
                   "-o", "top_p=0.9", "-o", "note=text", "hello again", check=0)
        self.webox("chat", "-m", "recorder:any", "-c", "and then?", check=0)
        # ABI 1.4: an image attachment, a text one (the recorder has "vision")
        image = os.path.join(self.home, "pixel.png")
        with open(image, "wb") as f:
            f.write(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
                                  "53de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"))
        notes = os.path.join(self.home, "notes.md")
        with open(notes, "w") as f:
            f.write("# notes\n")
        self.webox("chat", "-m", "recorder:any", "-a", image, "-a", notes, "what is it?", check=0)
        self.assert_valid("chat", "chat.request")
        self.assert_valid("chat_stream", "chat.request", at_least=2)
        # The continued conversation carries the history.
        streamed = self.documents("chat_stream")
        self.assertTrue(any("assistant" in [m["role"] for m in d["messages"]] for d in streamed))
        with_parts = [d["messages"][-1]["content"] for d in streamed if isinstance(d["messages"][-1]["content"], list)]
        self.assertEqual([[p["type"] for p in c] for c in with_parts], [["text", "image"]])

    def test_image(self):
        out = os.path.join(self.home, "image.png")
        self.webox("generate-image", "-m", "recorder:any", "--size", "256x256", "--seed", "7", "--quality", "high",
                   "--option", "style=vivid", "-o", out, "a", "refuge", check=0)
        self.assert_valid("image", "image.request")

    def test_tts(self):
        out = os.path.join(self.home, "speech.mp3")
        self.webox("tts", "-m", "recorder:any", "-v", "alloy", "--speed", "1.5", "-o", out, "bonjour", check=0)
        self.assert_valid("tts", "tts.request")

    def test_stt(self):
        audio = os.path.join(self.home, "speech.wav")
        with open(audio, "wb") as f:
            f.write(silent_wav())
        self.webox("transcribe", "-m", "recorder:any", "--language", "fr", "--prompt", "webox", audio, check=0)
        self.webox("transcribe", "-m", "recorder:any", "--json", audio, check=0)
        self.assert_valid("stt", "stt.request", at_least=2)

    def test_social_collect_and_send(self):
        self.webox("scrape-interactions", "--platform", "instagram", "--quiet", check=0)
        self.assert_valid("social_collect", "social_collect.request")
        # A lead to write to: someone who sent a direct message an hour ago.
        now = int(time.time())
        lines = [{"platform": "instagram", "platform_id": f"ig-1-{k}", "kind": "dm",
                  "person": {"id": "99000001", "username": "client.1"}, "text": "C'est dispo ? prix ?",
                  "timestamp": now - 3600 - k} for k in range(3)]
        seed = os.path.join(self.home, "seed.jsonl")
        with open(seed, "w") as f:
            f.write("\n".join(json.dumps(l) for l in lines) + "\n")
        self.webox("scrape-interactions", "--from", seed, "--quiet", check=0)
        self.webox("leads", "dm", "--template", "bienvenue", "--send", "--json", check=0)
        self.assert_valid("social_send", "social_send.request")

    def test_list_models(self):
        doc = self.webox("models", "--refresh", "-p", "recorder", "--json", check=0).json()
        self.assert_valid("list_models", "list_models.request")
        listed = {m["model"]: m for m in doc["models"]}
        self.assertEqual(listed["recorder:any"]["capabilities"], ["chat", "vision"])
        self.assertEqual(listed["recorder:any"]["context_window"], 8192)
        self.assertEqual(listed["recorder:recorded"]["source"], "endpoint")


if __name__ == "__main__":
    harness.main()
