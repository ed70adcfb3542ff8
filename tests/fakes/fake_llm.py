#!/usr/bin/env python3
"""fake_llm.py: one loopback server speaking the wire formats of every AI
provider webox talks to, byte-faithfully enough to test the real binary.

Usage: fake_llm.py PORT   (0 = pick a free port). The port is printed alone on
the first stdout line; nothing else is ever written to stdout. Binds 127.0.0.1
only. SIGTERM stops it.

WHY IT EXISTS. A client that parses streams must survive what real servers do:
chunked bodies cut at arbitrary places, CRLF framing, comments, pings, padding,
usage in odd places, errors after the 200, streams that stop mid-way. This fake
does all of it on purpose: every streamed event is written as several tiny
chunked-encoding chunks, split at the most awkward places (inside `data:`,
between the CR and LF of a CRLF, inside a multi-byte UTF-8 character, between
the two newlines that end an event), each one flushed (TCP_NODELAY is on).

ROUTES (chosen by path, so the client's URL building is tested too)

  POST .../chat/completions          OpenAI-compatible family. The flavor is
                                     the first path segment when it names one:
                                       /v1/chat/completions             openai
                                       /mistral/v1/chat/completions     mistral
                                       /groq/openai/v1/chat/completions groq
                                       /openrouter/api/v1/chat/completions
                                                                        openrouter
                                       /deepinfra/v1/openai/...,  /xai/v1/...,
                                       /deepseek/v1/...  (OpenAI shape)
                                     `?flavor=NAME` overrides.
    openai:     role-only first chunk, `usage:null` on every chunk and a final
                empty-`choices` usage chunk when include_usage, `obfuscation`
                padding, `[DONE]`.
    mistral:    usage on the finish chunk, `p` padding, no usage chunk.
    groq:       `x_groq.id` on first/last chunks, usage in `x_groq.usage`.
    openrouter: `: OPENROUTER PROCESSING` comments before and between chunks,
                repeated role-only chunks, usage chunk with NON-empty choices.
  POST /v1/messages                  Anthropic (event: lines, pings, padded
                                     JSON before the closing brace).
  POST /v1beta/models/M:generateContent
  POST /v1beta/models/M:streamGenerateContent?alt=sse
                                     Gemini (CRLF SSE, no [DONE]; without
                                     alt=sse: the streamed JSON array).
  POST /api/chat                     Ollama (NDJSON; streams unless
                                     "stream": false; Go-style \\u003c escapes).
IMAGES (checked as the real APIs do, a wrong shape is that provider's 400):
  OpenAI family  a user message's content list of {"type":"text"} and
                 {"type":"image_url","image_url":{"url":"data:TYPE;base64,..."}}
  Anthropic      {"type":"image","source":{"type":"base64","media_type","data"}}
  Gemini         a part {"inline_data":{"mime_type","data"}} (or inlineData)
  Ollama         the message's "images": [base64, ...], content a string
  The base64 must decode (strictly) to bytes whose signature is the media type
  claimed (PNG, JPEG, GIF, WebP).
PDFS sent whole, checked the same way (the bytes must start with %PDF-):
  OpenAI         {"type":"file","file":{"filename","file_data":"data:application/pdf;base64,..."}}
                 (the openai and openrouter flavours only; the others refuse the part)
  Anthropic      {"type":"document","source":{"type":"base64","media_type":"application/pdf","data"}}
                 and an optional "title"
  Gemini         a part {"inline_data":{"mime_type":"application/pdf","data"}}
  GET  /__requests                   every request received so far (not this
                                     one) as a JSON list of {"method", "path",
                                     "query": {k: v}, "received" (monotonic
                                     seconds), "headers": {lower-case
                                     name: value}, "body": JSON or text}.
  POST /__reset                      forgets requests and per-model counters.

AUTH (accepted key: `test-key`); a wrong or missing key gets that provider's
real error body: OpenAI `Authorization: Bearer` (401 invalid_api_key; Mistral
`{"message":"Unauthorized"}`; OpenRouter `{"error":{"code":401,...}}`),
Anthropic `x-api-key` (401 authentication_error; a missing anthropic-version is
a 400), Gemini `x-goog-api-key` or `?key=` (bad key: 400 INVALID_ARGUMENT with
reason API_KEY_INVALID; missing: 403 PERMISSION_DENIED). Ollama has no auth.

SCENARIOS are chosen by the requested model name (any other name is `ok`):
  ok               "Bonjour ! Le RAII lie une ressource à la durée de vie d'un
                   objet. 🚀" in 7 deltas, usage input 12 / output 7
  echo             answers the last user message's text, in 3-character deltas
  slow, slow-MS    like ok with 100 ms (or MS) between deltas
  quirks           "a < b && c > d — « ok » 🚀" with each format's oddities:
                   content:null / empty deltas / reasoning_content (OpenAI),
                   a thinking block, extra pings and an unknown event type
                   (Anthropic), a thought part (thoughtsTokenCount 5) and an
                   empty last part (Gemini), `thinking` lines (Ollama)
  unicode-escape   like ok but JSON with \\uXXXX escapes (surrogate pairs)
  gzip             like ok, gzip-encoded when the client accepts it
  big-N            N deltas of "é" (fast: no pauses)
  md-N             N deltas of about 4 bytes cut from a Markdown answer
                   (headings, emphasis, lists, a table, fenced code), repeated
                   as needed (fast: no pauses; bench/markdown.sh)
  error-inband     3 deltas then the format's in-band error (OpenAI error
                   event; OpenRouter error chunk with finish_reason "error";
                   Mistral's bare {"object":"error",...} object, no [DONE];
                   Anthropic `event: error` overloaded_error; Gemini error
                   object; Ollama `{"error":...}` line). Not streamed: HTTP 500
  cut              3 deltas, then the body ends cleanly without terminator
                   (not streamed: a truncated JSON body)
  disconnect       3 deltas, then the socket is reset mid-body
  http-NNN         that HTTP status with the provider's error body, e.g.
                   http-400, http-401, http-403, http-404 (unknown model),
                   http-429, http-500, http-503, http-529 (Anthropic overloaded)
  http-429-quota   429 insufficient_quota (OpenAI), 429 RESOURCE_EXHAUSTED
                   with a long RetryInfo (Gemini), 402 (OpenRouter)
  http-429-then-ok 429 with `retry-after-ms: 50` on the first request for this
                   (path, model), then ok (count per path and model)
  http-429-wait-MS-then-ok
                   Gemini: like http-429-then-ok, the 429's RetryInfo asking
                   for MS milliseconds ("0.8s")
  http-429-daily   Gemini: 429 RESOURCE_EXHAUSTED whose QuotaFailure names a
                   per-day quota (quotaId ...PerDay...), RetryInfo "13s"
  http-502-html    502 with an nginx HTML page
  auto             a compliant assistant for workflow tests: when the prompt
                   asks for "a JSON object with the fields: "f" (type), ..."
                   it answers exactly such an object (values derived from the
                   prompt, deterministic); otherwise "Réponse : " + the
                   prompt's first line
  json-bad         never answers JSON ("Voici ma réponse, sans JSON.")
  json-bad-then-ok json-bad on the first request for this (path, model),
                   then auto (tests the one repair attempt)
  json-repair      json-bad to every request that asks for a JSON object,
                   auto to the repair request ("Your answer could not be
                   used") and to everything else (the one repair of each
                   answer, when other calls come between them)
  deep-error       HTTP 400 {"error":{"message":[[[...]]]}} nested 100,000 deep,
                   whatever the provider (a parser's stack test)
  deep-answer      HTTP 200 whose JSON (body, or the first stream event / NDJSON
                   line) is nested 100,000 deep
  tools, tools-one, tools-bad-args, tools-many-N, tools-huge
                   tool calls in each format, when the request offers tools;
                   the history sent back is checked like the real APIs do
                   (see llm_tools.py)
Usage is always input 12 / output = number of deltas (Gemini quirks: +5).
"""
import base64
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import llm_tools

# The secret-hygiene test sets a distinctive key it then hunts for.
ACCEPTED_KEY = os.environ.get("FAKE_ACCEPTED_KEY", "test-key")
OK_DELTAS = ["Bonjour", " !", " Le RAII", " lie une ressource", " à la durée",
             " de vie d'un objet.", " 🚀"]
QUIRK_DELTAS = ["a < b", " && c", " > d", " — « ok »", " 🚀"]
INPUT_TOKENS = 12
CUT_AT = 3            # deltas sent before error-inband / cut / disconnect
DEEP_NESTING = 100_000  # deep-error, deep-answer: far past any parser's depth limit
PIECE_PAUSE = 0.001   # seconds between the pieces of one event (not for big-N)

NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
             b"</body>\r\n</html>\r\n")


# ---- Recording ----------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.counts = {}

    def add(self, entry):
        with self.lock:
            self.requests.append(entry)

    def bump(self, key):
        """Counts calls per key; returns how many came before this one."""
        with self.lock:
            n = self.counts.get(key, 0)
            self.counts[key] = n + 1
            return n

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.counts.clear()


RECORDER = Recorder()


# ---- Scenarios ----------------------------------------------------------------

def judge_reply(prompt, valid):
    """A judge's verdict on the labelled answers found in `prompt` ("Answer A:"
    ...): valid JSON wrapped in a code fence, or prose that is not JSON."""
    labels = re.findall(r"^Answer ([A-Z]):", prompt, re.M)
    if not labels:  # a repair request lists them: "... for each of the answers A, B."
        m = re.search(r"answers ([A-Z](?:, [A-Z])*)\.", prompt)
        labels = m.group(1).split(", ") if m else []
    if not valid:
        return "I think answer A is the best one, it is clear and correct."
    verdict = {"agreement": 80, "notes": {l: f"note on {l}" for l in labels},
               "consensus": "Canberra est la capitale de l'Australie."}
    return "```json\n" + json.dumps(verdict, ensure_ascii=False) + "\n```"


AUTO_FIELDS = re.compile(r'"([^"]+)" \((string|number|integer|boolean|array|object|any)\)')


def auto_answer(prompt):
    """What a compliant model would answer (see `auto` above)."""
    marker = "JSON object with the fields:"
    if marker in prompt:
        fields = AUTO_FIELDS.findall(prompt[prompt.index(marker):])
        words = " ".join(prompt.split()[:6])
        sample = {"string": lambda f: f"{f} : {words}", "number": lambda f: 7, "integer": lambda f: 7,
                  "boolean": lambda f: True, "array": lambda f: ["un", "deux", "trois"],
                  "object": lambda f: {"note": 4}, "any": lambda f: "ok"}
        return json.dumps({f: sample[t](f) for f, t in fields}, ensure_ascii=False)
    if "ONLY a JSON value" in prompt:
        return '{"ok": true}'
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    return "Réponse : " + first[:80]


class Scenario:
    """What to answer, decided from the model name."""

    def __init__(self, model, last_user_text):
        name = (model or "ok").lower()
        self.name = name
        self.deltas = list(OK_DELTAS)
        self.delay = 0.0
        self.piece_pause = PIECE_PAUSE
        self.ending = "done"        # done | inband | cut | disconnect
        self.http = None            # HTTP status to fail with
        self.quota = False
        self.daily = False          # Gemini: a per-day QuotaFailure
        self.retry_ms = None        # the wait a 429 asks for
        self.html = False
        self.then_ok = False
        self.wait = 0.0
        self.ascii = False
        self.gzip = False
        self.quirks = False
        self.tool_plan = None       # llm_tools.Plan: the calls this answer makes
        if name == "echo":
            text = last_user_text or ""
            self.deltas = [text[i:i + 3] for i in range(0, len(text), 3)] or [""]
        elif name.startswith("wait-") and name[5:].isdigit():
            self.wait = int(name[5:]) / 1000.0   # before the first byte, then a normal answer
        elif name == "auto":
            text = auto_answer(last_user_text or "")
            self.deltas = [text[i:i + 5] for i in range(0, len(text), 5)] or [""]
        elif name in ("json-bad", "json-bad-then-ok"):
            self.deltas = ["Voici ma réponse,", " sans JSON."]
        elif name == "json-repair":
            asks_json = "JSON object with the fields:" in (last_user_text or "")
            repair = (last_user_text or "").startswith("Your answer could not be used")
            text = "Voici ma réponse, sans JSON." if asks_json and not repair else auto_answer(last_user_text or "")
            self.deltas = [text[i:i + 5] for i in range(0, len(text), 5)] or [""]
        elif name in ("judge-ok", "judge-bad", "judge-bad-then-ok"):
            self.deltas = [judge_reply(last_user_text or "", valid=(name == "judge-ok"))]
        elif name.startswith("slow"):
            self.delay = int(name[5:]) / 1000.0 if name[5:].isdigit() else 0.1
        elif name == "quirks":
            self.quirks = True
            self.deltas = list(QUIRK_DELTAS)
        elif name == "unicode-escape":
            self.ascii = True
        elif name == "gzip":
            self.gzip = True
        elif re.fullmatch(r"big-\d+", name):
            self.deltas = ["é"] * int(name[4:])
            self.piece_pause = 0.0
        elif re.fullmatch(r"md-\d+", name):
            self.deltas = markdown_deltas(int(name[3:]))
            self.piece_pause = 0.0
        elif name in ("error-inband", "cut", "disconnect"):
            self.ending = {"error-inband": "inband"}.get(name, name)
        elif name == "http-429-quota":
            self.http, self.quota = 429, True
        elif name == "http-429-daily":
            self.http, self.daily = 429, True
        elif re.fullmatch(r"http-429-wait-\d+-then-ok", name):
            self.http, self.then_ok = 429, True
            self.retry_ms = int(name.split("-")[3])
        elif name == "http-502-html":
            self.http, self.html = 502, True
        elif name == "http-429-then-ok":
            self.http, self.then_ok = 429, True
        elif re.fullmatch(r"http-\d{3}", name):
            self.http = int(name[5:])

    @property
    def output_tokens(self):
        return len(self.deltas)


MARKDOWN_ANSWER = """## Étape {n}

Le **RAII** lie une *ressource* à la durée de vie d'un objet : `std::unique_ptr`
la libère, même quand une [exception](https://en.cppreference.com/w/cpp/language/raii) passe.

- un constructeur **acquiert**
- un destructeur *libère*
  - sans `delete` à écrire

| Outil | Rôle | Coût |
|:------|:-----|-----:|
| unique_ptr | propriété | 0 |
| shared_ptr | partage | 1 |

```cpp
auto f = std::make_unique<File>("notes.md");
f->write("ok");
```

> Une citation, pour finir l'étape {n}.

"""


def markdown_deltas(count):
    """`count` pieces of about 4 bytes (a token's length) of a long Markdown answer."""
    text, n = "", 0
    while len(text) < 4 * count:
        n += 1
        text += MARKDOWN_ANSWER.replace("{n}", str(n))
    return [text[i * 4:i * 4 + 4] for i in range(count)]


def dumps_compact(obj, ascii_only=False):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=ascii_only)


# ---- Writing bodies -------------------------------------------------------------

def awkward_pieces(data):
    """Cuts one event where a careless parser breaks: inside the field name,
    inside a multi-byte character (first 2-byte one and first 4-byte one),
    between CR and LF, and between the final two line ends."""
    cuts = set()
    for marker in (b"data:", b"event:", b'{"'):
        i = data.find(marker)
        if i >= 0:
            cuts.add(i + 2)
    for lead, offset in ((0xC0, 1), (0xF0, 2)):
        for i, b in enumerate(data):
            if b >= lead:
                cuts.add(i + offset)
                break
    i = data.find(b"\r\n")
    if i >= 0:
        cuts.add(i + 1)
    cuts.add(len(data) - 1)
    cuts = sorted(c for c in cuts if 0 < c < len(data))
    pieces, start = [], 0
    for c in cuts:
        pieces.append(data[start:c])
        start = c
    pieces.append(data[start:])
    return pieces


class ChunkedWriter:
    """A chunked HTTP/1.1 body: every piece is its own chunk, flushed."""

    def __init__(self, handler, scenario, content_type, extra_headers=()):
        self.h = handler
        self.pause = scenario.piece_pause
        self.zip = None
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Cache-Control", "no-cache")
        if scenario.gzip and "gzip" in handler.headers.get("Accept-Encoding", ""):
            handler.send_header("Content-Encoding", "gzip")
            self.zip = zlib.compressobj(wbits=31)
        for name, value in extra_headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.flush()

    def _chunk(self, data):
        if data:
            self.h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.h.wfile.flush()

    def event(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        for piece in awkward_pieces(data):
            if self.zip:
                piece = self.zip.compress(piece) + self.zip.flush(zlib.Z_SYNC_FLUSH)
            self._chunk(piece)
            if self.pause:
                time.sleep(self.pause)

    def end(self):
        if self.zip:
            self._chunk(self.zip.flush())
        self.h.wfile.write(b"0\r\n\r\n")
        self.h.wfile.flush()

    def reset(self):
        """Drops the connection with a TCP RST, mid-body."""
        self.h.abort_connection()


def finish_stream(writer, ending):
    if ending == "disconnect":
        writer.reset()
    else:
        writer.end()


# ---- OpenAI-compatible family ---------------------------------------------------

OPENAI_FLAVORS = ("openai", "mistral", "groq", "openrouter", "deepinfra", "xai", "deepseek")


def openai_flavor(path, query):
    if query.get("flavor") in OPENAI_FLAVORS:
        return query["flavor"]
    first = path.strip("/").split("/")[0]
    return first if first in OPENAI_FLAVORS else "openai"


def openai_error_body(flavor, status, scenario, model):
    """The error document each flavor really sends for `status`."""
    if flavor == "mistral":
        if status == 401:
            return {"message": "Unauthorized", "request_id": uuid.uuid4().hex}
        text = {429: "Requests rate limit exceeded", 400: "Invalid model: " + model,
                404: "Invalid model: " + model}.get(status, "Internal server error")
        return {"object": "error", "message": text, "type": "invalid_request_error" if status < 500
                else "internal_server_error", "param": None, "code": str(1000 + status)}
    if flavor == "openrouter":
        text = {401: "No auth credentials found", 402: "Insufficient credits. Add more using "
                "https://openrouter.ai/credits", 429: "Rate limit exceeded: free-models-per-min.",
                404: "No endpoints found for " + model + ".", 400: model + " is not a valid model ID"
                }.get(status, "Internal Server Error")
        return {"error": {"message": text, "code": status}}
    if status == 429 and scenario.quota:
        return {"error": {"message": "You exceeded your current quota, please check your plan and "
                          "billing details. For more information on this error, read the docs: "
                          "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                          "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
    table = {
        400: ("invalid_request_error", None, "Invalid value for 'temperature'."),
        401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: "
              "wrong-key. You can find your API key at https://platform.openai.com/account/api-keys."),
        403: ("invalid_request_error", "unsupported_country_region_territory",
              "Country, region, or territory not supported"),
        404: ("invalid_request_error", "model_not_found", "The model `" + model + "` does not "
              "exist or you do not have access to it."),
        429: ("requests", "rate_limit_exceeded", "Rate limit reached for " + model + " in "
              "organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. "
              "Please try again in 20s."),
        500: ("server_error", None, "The server had an error while processing your request. "
              "Sorry about that!"),
        503: ("server_error", "server_is_overloaded", "The server is overloaded or not ready yet."),
    }
    etype, code, text = table.get(status, ("server_error", None, "Unexpected error"))
    return {"error": {"message": text, "type": etype, "param": None, "code": code}}


def openai_auth_error(flavor, headers):
    auth = headers.get("authorization", "")
    if auth == "Bearer " + ACCEPTED_KEY:
        return None
    if flavor == "openai" and not auth:
        return {"error": {"message": "You didn't provide an API key. You need to provide your API "
                          "key in an Authorization header using Bearer auth (i.e. Authorization: "
                          "Bearer YOUR_KEY).", "type": "invalid_request_error", "param": None,
                          "code": None}}
    return openai_error_body(flavor, 401, None, "")


def openai_chunk(flavor, cid, model, created, delta, finish=None, **extra):
    chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
    if flavor == "openai":
        chunk.update({"service_tier": "default", "system_fingerprint": "fp_fake"})
    if flavor == "openrouter":
        chunk["provider"] = "FakeProvider"
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    if flavor in ("openai", "groq"):
        choice["logprobs"] = None
    if flavor == "openrouter":
        choice["native_finish_reason"] = finish
    chunk["choices"] = [choice]
    chunk.update(extra)
    return chunk


def openai_usage(n_out, flavor):
    u = {"prompt_tokens": INPUT_TOKENS, "completion_tokens": n_out,
         "total_tokens": INPUT_TOKENS + n_out}
    if flavor == "openai":
        u["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
        u["completion_tokens_details"] = {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0}
    if flavor == "openrouter":
        u.update({"cost": 0.0000123, "is_byok": False,
                  "cost_details": {"upstream_inference_cost": None}})
    if flavor == "groq":
        u.update({"queue_time": 0.01, "prompt_time": 0.002, "completion_time": 0.03,
                  "total_time": 0.032})
    return u


def openai_stream(h, flavor, body, sc):
    model = body.get("model", "")
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    created = int(time.time())
    cid = {"mistral": uuid.uuid4().hex, "groq": "chatcmpl-" + str(uuid.uuid4()),
           "openrouter": "gen-%d-FAKEFAKEFAKEFAKE" % created}.get(flavor, "chatcmpl-FAKE" + "x" * 16)
    w = ChunkedWriter(h, sc, "text/event-stream; charset=utf-8")
    pad_n = [0]

    def extra():
        """Flavor-specific fields every chunk carries."""
        pad_n[0] += 1
        e = {}
        if flavor == "openai":
            if include_usage:
                e["usage"] = None
            e["obfuscation"] = "xY9"[: 1 + pad_n[0] % 3] + "z" * (pad_n[0] % 7)
        if flavor == "mistral":
            e["p"] = "abcdefghij"[: 1 + pad_n[0] % 10]
        return e

    def send(obj):
        w.event("data: " + dumps_compact(obj, sc.ascii) + "\n\n")

    if flavor == "openrouter":
        w.event(": OPENROUTER PROCESSING\n\n")
        w.event(": OPENROUTER PROCESSING\n\n")
    role = {"role": "assistant", "content": ""}
    if flavor == "openai":
        role["refusal"] = None
    first_extra = extra()
    if flavor == "groq":
        first_extra["x_groq"] = {"id": "req_01fakefakefakefakefakefake"}
    send(openai_chunk(flavor, cid, model, created, role, **first_extra))
    if flavor == "openrouter":
        send(openai_chunk(flavor, cid, model, created, role, **extra()))  # repeated role chunk
    if sc.quirks:
        send(openai_chunk(flavor, cid, model, created, {"content": None}, **extra()))
        send(openai_chunk(flavor, cid, model, created, {"reasoning_content": "Let me think."},
                          **extra()))
        send(openai_chunk(flavor, cid, model, created, {"content": ""}, **extra()))
        send({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
              "choices": []})
    for i, text in enumerate(sc.deltas):
        if sc.ending != "done" and i == CUT_AT:
            if sc.ending == "inband":
                if flavor == "openrouter":
                    c = openai_chunk(flavor, cid, model, created, {"content": ""}, finish="error")
                    c["error"] = {"code": "server_error", "message": "Provider disconnected "
                                  "unexpectedly"}
                    send(c)
                    w.event("data: [DONE]\n\n")
                elif flavor == "mistral":  # its bare error object, then the body ends
                    send({"object": "error", "message": "Service unavailable, please retry.",
                          "type": "internal_server_error", "param": None, "code": "1000"})
                else:
                    send({"error": {"message": "The server had an error while processing your "
                                    "request. Sorry about that!", "type": "server_error",
                                    "param": None, "code": None}})
            return finish_stream(w, sc.ending)
        if sc.delay:
            time.sleep(sc.delay)
        send(openai_chunk(flavor, cid, model, created, {"content": text}, **extra()))
        if flavor == "openrouter" and i == 1:
            w.event(": OPENROUTER PROCESSING\n\n")
    for call in sc.tool_plan.calls if sc.tool_plan else []:
        for delta in llm_tools.openai_call_deltas(call):
            send(openai_chunk(flavor, cid, model, created, delta, **extra()))
    usage = openai_usage(sc.output_tokens, flavor)
    fin = extra()
    if flavor == "mistral":
        fin["usage"] = usage
    if flavor == "groq":
        fin["x_groq"] = {"id": "req_01fakefakefakefakefakefake", "usage": usage}
    send(openai_chunk(flavor, cid, model, created, {}, finish="tool_calls" if sc.tool_plan else "stop",
                      **fin))
    if include_usage and flavor in ("openai", "deepinfra", "xai", "deepseek"):
        tail = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [], "usage": usage}
        if flavor == "openai":
            tail.update({"service_tier": "default", "system_fingerprint": "fp_fake",
                         "obfuscation": "Qq"})
        send(tail)
    if flavor == "openrouter":
        c = openai_chunk(flavor, cid, model, created, {"role": "assistant", "content": ""})
        c["usage"] = usage
        send(c)
    w.event("data: [DONE]\n\n")
    w.end()


def openai_complete(h, flavor, body, sc):
    model = body.get("model", "")
    if sc.ending == "inband":
        return h.send_json(500, openai_error_body(flavor, 500, sc, model), indent=4)
    doc = {"id": "chatcmpl-FAKE", "object": "chat.completion", "created": int(time.time()),
           "model": model + ("-2024-07-18" if flavor == "openai" else ""),
           "choices": [{"index": 0, "message": {"role": "assistant",
                                                "content": "".join(sc.deltas), "refusal": None,
                                                "annotations": []},
                        "logprobs": None, "finish_reason": "stop"}],
           "usage": openai_usage(sc.output_tokens, flavor),
           "service_tier": "default", "system_fingerprint": "fp_fake"}
    if sc.tool_plan:
        message = doc["choices"][0]["message"]
        message["content"] = "".join(sc.deltas) or None
        message["tool_calls"] = llm_tools.openai_message_calls(sc.tool_plan)
        doc["choices"][0]["finish_reason"] = "tool_calls"
    raw = json.dumps(doc, indent=2, ensure_ascii=sc.ascii).encode("utf-8")
    if flavor == "openrouter":
        raw = b"\n\n         \n" + raw  # keep-alive whitespace before the JSON
    h.send_body(200, "application/json", raw, truncate=sc.ending == "cut",
                reset=sc.ending == "disconnect")


# ---- Images in requests (ABI 1.4 attachments, per wire format) ----------------------

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def sniff_image(data):
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def pdf_problem(media_type, data):
    """Why a PDF sent whole (its declared type, its base64) would be refused, or None."""
    if media_type != "application/pdf":
        return "unsupported document media type: %r" % (media_type,)
    try:
        raw = base64.b64decode(data, validate=True)
    except (ValueError, TypeError):
        return "the PDF data is not valid base64"
    if not raw.startswith(b"%PDF-"):
        return "the document is not a PDF"
    return None


def image_problem(media_type, data):
    """Why an image (its declared type, its base64) would be refused, or None."""
    if media_type not in IMAGE_TYPES:
        return "unsupported image media type: %r" % (media_type,)
    try:
        raw = base64.b64decode(data, validate=True)
    except (ValueError, TypeError):
        return "the image data is not valid base64"
    found = sniff_image(raw)
    if found != media_type:
        return "the image data is %s, not %s" % (found or "not an image", media_type)
    return None


def openai_file_problem(part, flavor):
    if flavor not in ("openai", "openrouter"):
        return "Invalid value: 'file'. Supported values are: 'text' and 'image_url'."
    f = part.get("file")
    if set(part) != {"type", "file"} or not isinstance(f, dict) or not set(f) <= {"filename", "file_data"}:
        return "Invalid file part: expected {\"type\":\"file\",\"file\":{\"filename\",\"file_data\"}}"
    url = f.get("file_data", "")
    if not url.startswith("data:application/pdf;base64,"):
        return "Invalid file_data: expected a data:application/pdf;base64 URL"
    problem = pdf_problem("application/pdf", url.split(";base64,", 1)[1])
    return "Invalid file: " + problem if problem else None


def openai_image_problem(body, flavor="openai"):
    for m in body.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        if not isinstance(content, list):
            continue
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                continue
            if kind == "file":
                problem = openai_file_problem(part, flavor)
                if problem:
                    return problem
                continue
            if kind != "image_url":
                return "Invalid value: %r. Supported values are: 'text' and 'image_url'." % (kind,)
            if m.get("role") != "user":
                return "Image URLs are only allowed for messages with role 'user'"
            url = (part.get("image_url") or {}).get("url", "")
            if not url.startswith("data:") or ";base64," not in url:
                return "Invalid image_url: expected a data: URL"
            media_type, data = url[5:].split(";base64,", 1)
            problem = image_problem(media_type, data)
            if problem:
                return "Invalid image: " + problem
    return None


def anthropic_image_problem(body):
    for m in body.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict) or block.get("type") not in ("image", "document"):
                continue
            source = block.get("source")
            allowed = {"type", "source", "title"} if block.get("type") == "document" else {"type", "source"}
            if not {"type", "source"} <= set(block) <= allowed or not isinstance(source, dict):
                return "messages.0.content.1.image.source: Field required"
            if source.get("type") != "base64":
                return "source.type: Input should be 'base64'"
            if block.get("type") == "document":
                problem = pdf_problem(source.get("media_type"), source.get("data", ""))
            else:
                problem = image_problem(source.get("media_type"), source.get("data", ""))
            if problem:
                return "messages.0.content.1.%s.source.base64: %s" % (block.get("type"), problem)
    return None


def gemini_image_problem(body):
    for c in body.get("contents") or []:
        for part in (c.get("parts") or []) if isinstance(c, dict) else []:
            if not isinstance(part, dict):
                continue
            unknown = set(part) - {"text", "inline_data", "inlineData", "functionCall", "functionResponse",
                                   "thoughtSignature", "thought"}
            if unknown:
                return "Invalid JSON payload received. Unknown name \"%s\"" % sorted(unknown)[0]
            inline = part.get("inline_data") or part.get("inlineData")
            if inline is None:
                continue
            mime = inline.get("mime_type") or inline.get("mimeType")
            check = pdf_problem if mime == "application/pdf" else image_problem
            problem = check(mime, inline.get("data", ""))
            if problem:
                return "Unable to process input image: " + problem
    return None


def ollama_image_problem(body):
    for m in body.get("messages") or []:
        if not isinstance(m, dict):
            continue
        if not isinstance(m.get("content", ""), str):
            return "json: cannot unmarshal array into Go struct field Message.messages.content of type string"
        for data in m.get("images") or []:
            try:
                raw = base64.b64decode(data, validate=True)
            except (ValueError, TypeError):
                return "illegal base64 data at input byte 0"
            if sniff_image(raw) is None:
                return "image: unknown format"
    return None


def handle_openai(h, path, query, body):
    flavor = openai_flavor(path, query)
    model = body.get("model", "") if isinstance(body, dict) else ""
    auth = openai_auth_error(flavor, h.lower_headers)
    if auth:
        return h.send_json(401, auth, indent=4)
    image_error = openai_image_problem(body, flavor)
    if image_error:
        return h.send_json(400, {"error": {"message": image_error, "type": "invalid_request_error",
                                           "param": "messages", "code": "invalid_image"}}, indent=4)
    sc = h.scenario(model, openai_last_user(body), path)
    error = llm_tools.openai_error(body)
    if not h.tool_scenario(sc, model, error, llm_tools.openai_results(body), llm_tools.openai_offered(body)):
        return h.send_json(400, {"error": {"message": error, "type": "invalid_request_error",
                                           "param": "messages", "code": None}}, indent=4)
    if sc.http:
        if sc.html:
            return h.send_html(sc.http)
        status = 402 if (sc.quota and flavor == "openrouter") else sc.http
        headers = [("retry-after-ms", "50")] if sc.then_ok else []
        if status == 429 and not sc.then_ok:
            headers.append(("retry-after", "0"))
        return h.send_json(status, openai_error_body(flavor, status, sc, model), indent=4,
                           headers=headers)
    if body.get("stream"):
        return openai_stream(h, flavor, body, sc)
    return openai_complete(h, flavor, body, sc)


def text_of(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return ""


def openai_last_user(body):
    for m in reversed(body.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user":
            return text_of(m.get("content"))
    return ""


# ---- Anthropic -----------------------------------------------------------------

ANTHROPIC_ERRORS = {
    400: ("invalid_request_error", "messages: at least one message is required"),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}


def anthropic_error(status, model="", message=None):
    etype, text = ANTHROPIC_ERRORS.get(status, ("api_error", "Internal server error"))
    return {"type": "error", "error": {"type": etype, "message": message or text.format(model=model)},
            "request_id": "req_011CFAKE" + uuid.uuid4().hex[:12]}


def anthropic_padded(obj, pad, ascii_only):
    """Recorded payloads have runs of spaces before the closing brace."""
    text = dumps_compact(obj, ascii_only)
    return text[:-1] + " " * pad + "}" if pad else text


def anthropic_stream(h, body, sc):
    model = body.get("model", "")
    w = ChunkedWriter(h, sc, "text/event-stream; charset=utf-8",
                      [("request-id", "req_011CFAKE"), ("anthropic-organization-id", "fake")])
    n = [0]

    def send(name, obj):
        n[0] += 1
        pad = (n[0] * 7) % 16 if n[0] % 2 else 0
        w.event("event: %s\ndata: %s\n\n" % (name, anthropic_padded(obj, pad, sc.ascii)))

    send("message_start", {"type": "message_start", "message": {
        "id": "msg_01FAKE", "type": "message", "role": "assistant", "model": model + "-20250929",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0, "output_tokens": 1, "service_tier": "standard"}}})
    index = 0
    if sc.tool_plan and sc.tool_plan.thinking:
        t = llm_tools.THINKING
        send("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "thinking", "thinking": ""}})
        half = len(t["thinking"]) // 2
        for piece in (t["thinking"][:half], t["thinking"][half:]):
            send("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "thinking_delta", "thinking": piece}})
        send("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "signature_delta", "signature": t["signature"]}})
        send("content_block_stop", {"type": "content_block_stop", "index": 0})
        index = 1
    if sc.quirks:
        send("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "thinking", "thinking": ""}})
        send("ping", {"type": "ping"})
        send("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "thinking_delta", "thinking": "Hmm."}})
        send("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "signature_delta", "signature": "EqQB"}})
        send("content_block_stop", {"type": "content_block_stop", "index": 0})
        send("future_event", {"type": "future_event", "detail": "unknown types are ignored"})
        index = 1
    send("content_block_start", {"type": "content_block_start", "index": index,
                                 "content_block": {"type": "text", "text": ""}})
    send("ping", {"type": "ping"})
    for i, text in enumerate(sc.deltas):
        if sc.ending != "done" and i == CUT_AT:
            if sc.ending == "inband":
                send("error", {"type": "error", "error": {"type": "overloaded_error",
                                                          "message": "Overloaded"}})
            return finish_stream(w, sc.ending)
        if sc.delay:
            time.sleep(sc.delay)
        send("content_block_delta", {"type": "content_block_delta", "index": index,
                                     "delta": {"type": "text_delta", "text": text}})
        if sc.quirks and i == 1:
            send("ping", {"type": "ping"})
    send("content_block_stop", {"type": "content_block_stop", "index": index})
    for call in sc.tool_plan.calls if sc.tool_plan else []:
        index += 1
        send("content_block_start", {"type": "content_block_start", "index": index, "content_block": {
            "type": "tool_use", "id": llm_tools.anthropic_tool_id(call), "name": call.name,
            "input": {}}})
        for piece in [""] + llm_tools.split_text(call.args_text):
            send("content_block_delta", {"type": "content_block_delta", "index": index,
                                         "delta": {"type": "input_json_delta", "partial_json": piece}})
        send("content_block_stop", {"type": "content_block_stop", "index": index})
    send("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "tool_use" if sc.tool_plan else "end_turn",
                                     "stop_sequence": None},
                           "usage": {"output_tokens": sc.output_tokens}})
    send("message_stop", {"type": "message_stop"})
    w.end()


def anthropic_complete(h, body, sc):
    model = body.get("model", "")
    if sc.ending == "inband":
        return h.send_json(500, anthropic_error(500))
    doc = {"id": "msg_01FAKE", "type": "message", "role": "assistant", "model": model + "-20250929",
           "content": [{"type": "text", "text": "".join(sc.deltas)}], "stop_reason": "end_turn",
           "stop_sequence": None, "usage": {"input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
                                            "cache_read_input_tokens": 0,
                                            "output_tokens": sc.output_tokens}}
    if sc.tool_plan:
        doc["content"] = ([dict(llm_tools.THINKING)] if sc.tool_plan.thinking else []) + \
            [b for b in doc["content"] if b["text"]] + [
            {"type": "tool_use", "id": llm_tools.anthropic_tool_id(c), "name": c.name, "input": c.args}
            for c in sc.tool_plan.calls]
        doc["stop_reason"] = "tool_use"
    raw = dumps_compact(doc, sc.ascii).encode("utf-8")
    h.send_body(200, "application/json", raw, truncate=sc.ending == "cut",
                reset=sc.ending == "disconnect")


def handle_anthropic(h, path, query, body):
    model = body.get("model", "")
    key = h.lower_headers.get("x-api-key")
    if key != ACCEPTED_KEY:
        return h.send_json(401, anthropic_error(401))
    if "anthropic-version" not in h.lower_headers:
        return h.send_json(400, anthropic_error(400, message="anthropic-version: header is required"))
    if not isinstance(body.get("max_tokens"), int):
        return h.send_json(400, anthropic_error(400, message="max_tokens: Field required"))
    if any(isinstance(m, dict) and m.get("role") == "system" for m in body.get("messages") or []):
        return h.send_json(400, anthropic_error(400, message="messages: Unexpected role \"system\". "
                                                "The Messages API accepts a top-level `system` "
                                                "parameter, not \"system\" as an input message "
                                                "role."))
    image_error = anthropic_image_problem(body)
    if image_error:
        return h.send_json(400, anthropic_error(400, message=image_error))
    sc = h.scenario(model, openai_last_user(body), path)
    error = llm_tools.anthropic_error(body)
    if not h.tool_scenario(sc, model, error, llm_tools.anthropic_results(body),
                           llm_tools.anthropic_offered(body)):
        return h.send_json(400, anthropic_error(400, message=error))
    if sc.http:
        headers = [("retry-after-ms", "50")] if sc.then_ok else []
        if sc.html:
            return h.send_html(sc.http)
        return h.send_json(sc.http, anthropic_error(sc.http, model), headers=headers)
    if body.get("stream"):
        return anthropic_stream(h, body, sc)
    return anthropic_complete(h, body, sc)


# ---- Gemini -------------------------------------------------------------------------

def gemini_error(status, model=""):
    if status == 400:
        return {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                          "status": "INVALID_ARGUMENT", "details": [
                              {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                               "reason": "API_KEY_INVALID", "domain": "googleapis.com",
                               "metadata": {"service": "generativelanguage.googleapis.com"}}]}}
    table = {
        403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
              "established identity). Please use API Key or other form of API consumer identity "
              "to call this API."),
        404: ("NOT_FOUND", "models/" + model + " is not found for API version v1beta, or is not "
              "supported for generateContent."),
        429: ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and "
              "billing details."),
        500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
              "https://developers.generativeai.google/guide/troubleshooting"),
        503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    }
    rpc, text = table.get(status, ("UNKNOWN", "Unknown error"))
    return {"error": {"code": status, "message": text, "status": rpc}}


def gemini_rate_limit(retry_delay, per="Minute"):
    doc = gemini_error(429)
    doc["error"]["details"] = [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPer%sPerProjectPerModel-FreeTier" % per,
             "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"},
             "quotaValue": "200"}]},
        {"@type": "type.googleapis.com/google.rpc.Help", "links": [
            {"description": "Learn more about Gemini API quotas",
             "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}]
    return doc


def gemini_chunk(model, parts, usage, finish=None, ascii_only=False):
    cand = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    obj = {"candidates": [cand], "usageMetadata": usage, "modelVersion": model,
           "responseId": "fakeResponseId"}
    return json.dumps(obj, separators=(",", ": "), ensure_ascii=ascii_only)


def gemini_usage(n_out, thoughts=0):
    u = {"promptTokenCount": INPUT_TOKENS, "candidatesTokenCount": n_out,
         "totalTokenCount": INPUT_TOKENS + n_out + thoughts,
         "promptTokensDetails": [{"modality": "TEXT", "tokenCount": INPUT_TOKENS}]}
    if thoughts:
        u["thoughtsTokenCount"] = thoughts
    return u


def gemini_events(model, sc):
    """Yields (json_text, kind) for one streamed answer; kind is 'chunk',
    'error' or the scenario's ending when it stops early."""
    thoughts = 5 if sc.quirks else 0
    if sc.quirks:
        yield gemini_chunk(model, [{"text": "Considering the request.", "thought": True}],
                           gemini_usage(0, thoughts), ascii_only=sc.ascii), "chunk"
    last = len(sc.deltas) - 1
    for i, text in enumerate(sc.deltas):
        if sc.ending != "done" and i == CUT_AT:
            if sc.ending == "inband":
                yield json.dumps(gemini_error(503), separators=(",", ": ")), "error"
            yield None, sc.ending
            return
        if sc.delay:
            time.sleep(sc.delay)
        finish = "STOP" if i == last and not sc.quirks and not sc.tool_plan else None
        yield gemini_chunk(model, [{"text": text}], gemini_usage(i + 1, thoughts), finish,
                           sc.ascii), "chunk"
    if sc.tool_plan:  # the calls, whole, in the last chunk
        yield gemini_chunk(model, llm_tools.gemini_call_parts(sc.tool_plan),
                           gemini_usage(len(sc.deltas) + 1), "STOP", sc.ascii), "chunk"
    if sc.quirks:  # the finish comes on an extra chunk with an empty text part
        yield gemini_chunk(model, [{"text": ""}], gemini_usage(len(sc.deltas), thoughts), "STOP",
                           sc.ascii), "chunk"


def gemini_stream_sse(h, model, sc):
    w = ChunkedWriter(h, sc, "text/event-stream")
    for text, kind in gemini_events(model, sc):
        if text is None:
            return finish_stream(w, kind)
        w.event("data: " + text + "\r\n\r\n")
    w.end()


def gemini_stream_array(h, model, sc):
    """streamGenerateContent without alt=sse: one JSON array sent piecemeal."""
    w = ChunkedWriter(h, sc, "application/json; charset=UTF-8")
    first = True
    for text, kind in gemini_events(model, sc):
        if text is None:
            return finish_stream(w, kind)
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=sc.ascii)
        w.event(("[" if first else "\n,\r\n") + pretty)
        first = False
    w.event("\n]")
    w.end()


def gemini_complete(h, model, sc):
    if sc.ending == "inband":
        return h.send_json(500, gemini_error(500), indent=2)
    parts = [{"text": "".join(sc.deltas)}]
    if sc.tool_plan:
        parts = [p for p in parts if p["text"]] + llm_tools.gemini_call_parts(sc.tool_plan)
    if sc.quirks:
        parts.insert(0, {"text": "Considering the request.", "thought": True})
    doc = {"candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP",
                           "index": 0}],
           "usageMetadata": gemini_usage(sc.output_tokens, 5 if sc.quirks else 0),
           "modelVersion": model, "responseId": "fakeResponseId"}
    raw = json.dumps(doc, indent=2, ensure_ascii=sc.ascii).encode("utf-8")
    h.send_body(200, "application/json; charset=UTF-8", raw, truncate=sc.ending == "cut",
                reset=sc.ending == "disconnect")


def gemini_last_user(body):
    for c in reversed(body.get("contents") or []):
        if isinstance(c, dict) and c.get("role", "user") == "user":
            return "".join(p.get("text", "") for p in c.get("parts") or [] if isinstance(p, dict))
    return ""


def handle_gemini(h, path, query, body, model, verb):
    key = h.lower_headers.get("x-goog-api-key") or query.get("key")
    if not key:
        return h.send_json(403, gemini_error(403), indent=2)
    if key != ACCEPTED_KEY:
        return h.send_json(400, gemini_error(400), indent=2)
    image_error = gemini_image_problem(body)
    if image_error:
        doc = gemini_error(404)
        doc["error"].update({"code": 400, "message": image_error, "status": "INVALID_ARGUMENT"})
        return h.send_json(400, doc, indent=2)
    sc = h.scenario(model, gemini_last_user(body), path)
    error = llm_tools.gemini_error(body)
    if not h.tool_scenario(sc, model, error, llm_tools.gemini_results(body),
                           llm_tools.gemini_offered(body)):
        doc = gemini_error(404)
        doc["error"].update({"code": 400, "message": error, "status": "INVALID_ARGUMENT"})
        return h.send_json(400, doc, indent=2)
    if sc.http:
        if sc.html:
            return h.send_html(sc.http)
        if sc.http == 401:  # Gemini answers a bad key with a 400, never a 401
            return h.send_json(400, gemini_error(400), indent=2)
        if sc.http == 429:
            if sc.daily:  # a spent daily quota still says to retry in seconds
                return h.send_json(429, gemini_rate_limit("13s", per="Day"), indent=2)
            if sc.retry_ms is not None:
                return h.send_json(429, gemini_rate_limit("%gs" % (sc.retry_ms / 1000.0)), indent=2)
            delay = "3600s" if sc.quota else ("0.05s" if sc.then_ok else "1s")
            return h.send_json(429, gemini_rate_limit(delay), indent=2)
        return h.send_json(sc.http, gemini_error(sc.http, model), indent=2)
    if verb == "generateContent":
        return gemini_complete(h, model, sc)
    if query.get("alt") == "sse":
        return gemini_stream_sse(h, model, sc)
    return gemini_stream_array(h, model, sc)


# ---- Ollama -------------------------------------------------------------------------

def go_json(obj, ascii_only=False):
    """Go's encoding/json: compact, raw UTF-8, but <, > and & escaped."""
    text = dumps_compact(obj, ascii_only)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def ollama_line(model, content, done=False, thinking=None, n_out=0, ascii_only=False, tool_calls=None):
    msg = {"role": "assistant", "content": content}
    if thinking:
        msg["thinking"] = thinking
    if tool_calls:
        msg["tool_calls"] = tool_calls
    obj = {"model": model, "created_at": "2025-01-01T12:00:00.123456789Z", "message": msg,
           "done": done}
    if done:
        obj.update({"done_reason": "stop", "total_duration": 1234567890, "load_duration": 1234567,
                    "prompt_eval_count": INPUT_TOKENS, "prompt_eval_duration": 12345678,
                    "eval_count": n_out, "eval_duration": 123456789})
    return go_json(obj, ascii_only)


def ollama_stream(h, model, sc):
    w = ChunkedWriter(h, sc, "application/x-ndjson")
    if sc.quirks:
        w.event(ollama_line(model, "", thinking="Thinking about <it>.") + "\n")
    for i, text in enumerate(sc.deltas):
        if sc.ending != "done" and i == CUT_AT:
            if sc.ending == "inband":
                w.event(go_json({"error": "an error was encountered while running the model: "
                                          "unexpected EOF"}) + "\n")
            return finish_stream(w, sc.ending)
        if sc.delay:
            time.sleep(sc.delay)
        w.event(ollama_line(model, text, ascii_only=sc.ascii) + "\n")
    if sc.tool_plan:  # the calls come whole, in one line
        w.event(ollama_line(model, "", tool_calls=llm_tools.ollama_message_calls(sc.tool_plan)) + "\n")
    w.event(ollama_line(model, "", done=True, n_out=sc.output_tokens) + "\n")
    w.end()


def ollama_complete(h, model, sc):
    if sc.ending == "inband":
        return h.send_json(500, {"error": "an error was encountered while running the model"},
                           raw_text=True)
    calls = llm_tools.ollama_message_calls(sc.tool_plan) if sc.tool_plan else None
    raw = ollama_line(model, "".join(sc.deltas), done=True, n_out=sc.output_tokens,
                      ascii_only=sc.ascii, tool_calls=calls).encode("utf-8")  # no trailing newline
    h.send_body(200, "application/json; charset=utf-8", raw, truncate=sc.ending == "cut",
                reset=sc.ending == "disconnect")


def handle_ollama(h, path, query, body):
    model = body.get("model", "")
    image_error = ollama_image_problem(body)
    if image_error:
        return h.send_json(400, {"error": image_error}, raw_text=True)
    sc = h.scenario(model, openai_last_user(body), path)
    error = llm_tools.ollama_error(body)
    if not h.tool_scenario(sc, model, error, llm_tools.ollama_results(body),
                           llm_tools.ollama_offered(body)):
        return h.send_json(400, {"error": error}, raw_text=True)
    if sc.http:
        if sc.html:
            return h.send_html(sc.http)
        text = {404: "model '%s' not found" % model, 401: "unauthorized",
                400: "invalid options"}.get(sc.http, "llama runner process has terminated")
        headers = [("retry-after-ms", "50")] if sc.then_ok else []
        return h.send_json(sc.http, {"error": text}, raw_text=True, headers=headers)
    if body.get("stream", True):  # the server's default is to stream
        return ollama_stream(h, model, sc)
    return ollama_complete(h, model, sc)


# ---- HTTP plumbing ----------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # TCP_NODELAY: each tiny write leaves at once
    def version_string(self):
        return "fake-llm/1.0"

    def log_message(self, *args):   # stderr is a pipe nobody reads: stay silent
        pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    # -- helpers used by the providers

    def scenario(self, model, last_user_text, path):
        sc = Scenario(model, last_user_text)
        if sc.then_ok and RECORDER.bump((path, model)) > 0:
            sc = Scenario("ok", last_user_text)
        if (model or "").lower() == "json-bad-then-ok" and RECORDER.bump((path, model)) > 0:
            sc = Scenario("auto", last_user_text)
        if (model or "").lower() == "judge-bad-then-ok" and RECORDER.bump((path, model)) > 0:
            sc = Scenario("judge-ok", last_user_text)
        if sc.wait:
            time.sleep(sc.wait)
        return sc

    def tool_scenario(self, sc, model, error, results, offered):
        """Applies the tools scenarios (llm_tools.py) to `sc`; returns False
        when the request's history was refused (the caller sends `error`)."""
        if not llm_tools.is_tools_model(model):
            return True
        if error:
            return False
        if results is not None:
            sc.deltas = llm_tools.answer_deltas(results)
        sc.tool_plan = llm_tools.plan(model, offered, results is not None)
        if sc.tool_plan:
            sc.deltas = sc.tool_plan.text_before
            if len(sc.tool_plan.calls) > 2:
                sc.piece_pause = 0.0  # tools-many-N: hundreds of events
        return True

    def send_body(self, status, content_type, raw, headers=(), truncate=False, reset=False,
                  reason=None):
        if truncate:
            raw = raw[: len(raw) // 2]
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw) if not reset else len(raw) * 2))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if reset:
            self.wfile.write(raw[: len(raw) // 2])
            self.wfile.flush()
            return self.abort_connection()
        self.wfile.write(raw)
        self.wfile.flush()

    def send_json(self, status, doc, indent=None, headers=(), raw_text=False):
        if raw_text:
            raw = go_json(doc).encode("utf-8")
        else:
            raw = (json.dumps(doc, indent=indent, ensure_ascii=False) + "\n").encode("utf-8")
        reason = {529: "Overloaded"}.get(status)
        ctype = "application/json; charset=utf-8"
        self.send_body(status, ctype, raw, headers=headers, reason=reason)

    def send_deep(self, scenario, path, stream):
        nest = "[" * DEEP_NESTING + "]" * DEEP_NESTING
        if scenario == "deep-error":
            raw = '{"error":{"message":' + nest + '}}'
            return self.send_body(400, "application/json", raw.encode())
        doc = '{"choices":' + nest + '}'
        if not stream:
            return self.send_body(200, "application/json", doc.encode())
        if path == "/api/chat":
            return self.send_body(200, "application/x-ndjson", (doc + "\n").encode())
        return self.send_body(200, "text/event-stream", ("data: " + doc + "\n\n").encode())

    def send_html(self, status):
        self.send_body(status, "text/html", NGINX_502)

    def abort_connection(self):
        """Closes with SO_LINGER 0 so the peer sees a reset, not a clean end."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    @property
    def lower_headers(self):
        return {k.lower(): v for k, v in self.headers.items()}

    # -- routing

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/__requests":
            return self.send_json(200, RECORDER.snapshot())
        if url.path == "/api/tags":
            return self.send_json(200, {"models": [{"name": "llama3.2:latest"}]}, raw_text=True)
        self.send_json(404, {"error": "no route for GET " + url.path})

    def do_POST(self):
        url = urlsplit(self.path)
        path, query = url.path, dict(parse_qsl(url.query))
        raw = self.read_body()
        if path == "/__reset":
            RECORDER.reset()
            return self.send_json(200, {"ok": True})
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        RECORDER.add({"method": "POST", "path": path, "query": query,
                      "received": time.monotonic(),   # for tests of parallelism
                      "headers": self.lower_headers,
                      "body": body if body is not None else raw.decode("utf-8", "replace")})
        if not isinstance(body, dict):
            return self.send_json(400, {"error": {"message": "We could not parse the JSON body of "
                                                  "your request.", "type": "invalid_request_error",
                                                  "param": None, "code": None}})
        gemini = re.fullmatch(r"/v1beta/models/([^:/]+):(generateContent|streamGenerateContent)",
                              path)
        model = unquote(gemini.group(1)) if gemini else body.get("model", "")
        if model in ("deep-error", "deep-answer"):
            return self.send_deep(model, path, bool(body.get("stream")) or "stream" in path)
        if path.endswith("/chat/completions"):
            return handle_openai(self, path, query, body)
        if path == "/v1/messages":
            return handle_anthropic(self, path, query, body)
        if gemini:
            return handle_gemini(self, path, query, body, unquote(gemini.group(1)), gemini.group(2))
        if path == "/api/chat":
            return handle_ollama(self, path, query, body)
        self.send_json(404, {"error": "no route for POST " + path})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-stream is part of the job, not news


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = Server(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
