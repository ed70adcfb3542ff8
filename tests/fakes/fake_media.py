#!/usr/bin/env python3
"""fake_media.py: a loopback server speaking the media wire formats webox
uses: OpenAI images / speech / transcriptions, ElevenLabs text to speech,
Stability AI Stable Image v2beta and an AUTOMATIC1111-style SD WebUI.

Usage: fake_media.py PORT   (0 = pick a free port). The port is printed alone
on the first stdout line. Binds 127.0.0.1 only. SIGTERM stops it.

WHY IT EXISTS. Media bodies are binary and large: a client that treats them
as text (stops at NUL, translates CR LF, stops at 0x1A like an old DOS
reader) or that buffers them badly corrupts files silently. Every binary
body here contains NUL, CR, LF, CR LF and 0x1A bytes, and streamed bodies
go out as HTTP/1.1 chunked encoding in odd-sized chunks (1, 3, 7, 13, ...
bytes, cycling) each flushed on its own (TCP_NODELAY), so chunk boundaries
fall inside every interesting byte pair. Tests compare sha256 digests.

DETERMINISTIC PAYLOADS (tests recompute them by importing this module):
  audio_bytes(n)  an "MP3": "ID3" + 7 header bytes + a pattern, n bytes total
  png_bytes(tag)  a real 4x4 PNG whose pixels spell `tag`'s bytes plus
                  0x00 0x0D 0x0A 0x1A
ROUTES
  POST /v1/images/generations          OpenAI. Bearer test-key. gpt-image-*:
        {"created","data":[{"b64_json"}],"usage"}; dall-e-*: {"data":[{"url",
        "revised_prompt"}]} where url points back here (/files/N.png?sig=a%3Db).
        Prompt scenarios: "html" -> the URL serves an HTML page with 200;
        "http-400" -> 400 invalid_request_error; "mistyped" -> the same 400
        with fields of the wrong types ({"message": 42, "code": {}}); "bad-b64"
        -> b64_json that is an HTML page once decoded.
  GET  /files/NAME                     the image for a dall-e URL, chunked.
  POST /v1/audio/speech                OpenAI. {"model","input","voice",
        "response_format","speed"}; audio chunked. Input scenarios: contains
        "[cut]" -> half the audio then the connection is reset; "[big:N]" -> N
        bytes; "[html]" -> 200 text/html page; "[slow]" -> half the audio,
        then nothing for 20 s (a client interrupted mid-stream), then the rest.
  POST /v1/audio/transcriptions        OpenAI multipart (file, model,
        language, response_format, prompt). text: "heard N bytes sha256 HEX";
        json: {"text"}; verbose_json: {"task","language","duration","text",
        "segments":[{"id","start","end","text"}]}, plus "words":[{"word",
        "start","end"}] when timestamp_granularities[] is word.
  POST /v1/text-to-speech/VOICE        ElevenLabs. xi-api-key test-key (a
        Bearer is rejected 401); key "quota-key" -> 401 quota_exceeded;
        voice "missing" -> 404 voice_not_found; text "" -> 422 pydantic; voice
        "mistyped" -> that 404 and voice "mistyped-list" a 422 whose fields
        have the wrong types (a hostile server).
        ?output_format=pcm_22050 -> raw s16le; else "MP3" bytes. Text
        scenarios as for OpenAI speech. Voice "bench" with ?size=N (or "size"
        in the body) streams N bytes in 64 KiB chunks (benchmarks).
  POST /v2beta/stable-image/generate/(sd3|core|ultra)  Stability. Bearer
        test-key; multipart; Accept image/* -> PNG bytes, headers seed and
        finish-reason; Accept application/json -> {"image","seed",
        "finish_reason"}. Prompt "html" -> 200 HTML page; "402" -> 402
        payment_required; "mistyped" -> 400 {"name": 7, "message": {}} (fields
        of the wrong types); prompt "filtered" -> finish-reason CONTENT_FILTERED.
  POST /sdapi/v1/txt2img               SD WebUI. {"images":[b64...],
        "parameters", "info": "<json string with all_seeds>"}.
  GET  /__requests, POST /__reset      as fake_llm.py (binary bodies are
        summarised as {"bytes": N, "sha256": HEX}; multipart bodies as their
        fields, files summarised the same way).
"""
import base64
import hashlib
import json
import os
import re
import socket
import struct
import sys
import time
import threading
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The secret-hygiene test sets a distinctive key it then hunts for.
KEY = os.environ.get("FAKE_ACCEPTED_KEY", "test-key")
TRICKY = b"\x00\r\n\x1a\r\r\n\n\x00\x1a\x0d\x0a"
CHUNK_SIZES = [1, 3, 7, 13, 2, 31, 5, 64, 11, 127, 4, 509]


def audio_bytes(n):
    head = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    body = bytearray()
    i = 0
    while len(head) + len(body) < n:
        body += TRICKY + bytes([i & 0xFF, (i >> 8) & 0xFF])
        i += 1
    return (head + bytes(body))[:n]


def png_bytes(tag="webox"):
    raw = (tag.encode() + b"\x00\x0d\x0a\x1a" * 16)
    width = height = 4
    rows = b""
    for y in range(height):
        row = raw[y * width * 3:(y + 1) * width * 3].ljust(width * 3, b"\x00")
        rows += b"\x00" + row
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pcm_bytes(n):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += struct.pack("<h", int(8000 * ((i % 50) - 25) / 25))
        i += 1
    return bytes(out[:n - n % 2])


HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, entry):
        with self.lock:
            self.items.append(entry)

    def snapshot(self):
        with self.lock:
            return list(self.items)

    def reset(self):
        with self.lock:
            self.items.clear()


RECORDER = Recorder()
FILES = {}  # name -> (content type, bytes) for dall-e URLs


def summary(data):
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def parse_multipart(content_type, body):
    m = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not m:
        return None
    boundary = b"--" + m.group(1).encode()
    fields, files = {}, {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, _, data = part.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        headers = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', headers)
        filename = re.search(r'filename="([^"]*)"', headers)
        ctype = re.search(r"Content-Type:\s*(\S+)", headers, re.I)
        if not name:
            continue
        if filename:
            files[name.group(1)] = {"filename": filename.group(1),
                                    "content_type": ctype.group(1) if ctype else None,
                                    "data": data}
        else:
            fields[name.group(1)] = data.decode("utf-8", "replace")
    return fields, files


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-media/1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ---- plumbing -----------------------------------------------------------

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, body, parsed=None):
        url = urllib.parse.urlsplit(self.path)
        entry = {"method": self.command, "path": url.path,
                 "query": dict(urllib.parse.parse_qsl(url.query)),
                 "headers": {k.lower(): v for k, v in self.headers.items()}}
        if parsed is not None:
            entry["body"] = parsed
        else:
            try:
                entry["body"] = json.loads(body) if body else None
            except ValueError:
                entry["body"] = summary(body)
        RECORDER.add(entry)

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_whole(self, status, ctype, data, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_chunked(self, ctype, data, headers=None, cut_at=None, fixed=None):
        """Chunked encoding in odd sizes; `cut_at` resets the connection
        after that many bytes, without the terminating chunk."""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        pos, i = 0, 0
        end = len(data) if cut_at is None else cut_at
        pause_at = len(data) // 2 if getattr(self, "slow", False) else None
        while pos < end:
            if pause_at is not None and pos >= pause_at:
                self.wfile.flush()
                time.sleep(20)
                pause_at = None
            size = fixed or CHUNK_SIZES[i % len(CHUNK_SIZES)]
            piece = data[pos:min(pos + size, end)]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            if not fixed:
                self.wfile.flush()
            pos += len(piece)
            i += 1
        if cut_at is not None:
            self.wfile.flush()
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def bearer_ok(self, kind="openai"):
        auth = self.headers.get("Authorization", "")
        if auth == "Bearer " + KEY:
            return True
        if kind == "stability":
            self.send_json(401, {"id": "e1", "name": "unauthorized", "errors": ["authorization: invalid or missing"]})
        else:
            self.send_json(401, {"error": {"message": "Incorrect API key provided: " + auth[7:11] + "****",
                                           "type": "invalid_request_error", "param": None,
                                           "code": "invalid_api_key"}})
        return False

    # ---- routes ---------------------------------------------------------------

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__requests":
            return self.send_json(200, RECORDER.snapshot())
        self.record(b"")
        if url.path.startswith("/files/"):
            name = url.path[len("/files/"):]
            if name not in FILES:
                return self.send_whole(404, "text/plain", b"no such file")
            ctype, data = FILES[name]
            return self.send_chunked(ctype, data)
        self.send_json(404, {"error": {"message": "no route " + url.path}})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/__reset":
            self.read_body()
            RECORDER.reset()
            return self.send_json(200, {"ok": True})
        body = self.read_body()
        ctype = self.headers.get("Content-Type", "")
        parsed = None
        if ctype.startswith("multipart/form-data"):
            mp = parse_multipart(ctype, body)
            if mp:
                fields, files = mp
                parsed = dict(fields)
                for k, f in files.items():
                    parsed[k] = dict(summary(f["data"]), filename=f["filename"], content_type=f["content_type"])
        self.record(body, parsed)
        p = url.path
        if p == "/v1/images/generations":
            return self.openai_images(body)
        if p == "/v1/audio/speech":
            return self.openai_speech(body)
        if p == "/v1/audio/transcriptions":
            return self.openai_transcriptions(ctype, body)
        m = re.fullmatch(r"/v1/text-to-speech/([^/]+)(/stream)?", p)
        if m:
            return self.elevenlabs(urllib.parse.unquote(m.group(1)), query, body)
        m = re.fullmatch(r"/v2beta/stable-image/generate/(sd3|core|ultra)", p)
        if m:
            return self.stability(m.group(1), ctype, body)
        if p == "/sdapi/v1/txt2img":
            return self.sdwebui(body)
        self.send_json(404, {"detail": "Not Found"})

    def openai_images(self, body):
        if not self.bearer_ok():
            return
        req = json.loads(body or b"{}")
        prompt, model, n = req.get("prompt", ""), req.get("model", ""), int(req.get("n", 1))
        if "http-400" in prompt:
            return self.send_json(400, {"error": {"message": "Your request was rejected by the safety system.",
                                                  "type": "invalid_request_error", "code": "content_policy_violation",
                                                  "param": None}})
        if "mistyped" in prompt:
            return self.send_json(400, {"error": {"message": 42, "type": [], "code": {}, "param": None}})
        data = []
        for i in range(n):
            img = png_bytes(f"{prompt}-{i}")
            if model.startswith("dall-e") and req.get("response_format") != "b64_json":
                name = f"img{len(FILES)}.png"
                FILES[name] = ("text/html", HTML) if "html" in prompt else ("image/png", img)
                host = self.headers.get("Host")
                data.append({"url": f"http://{host}/files/{name}?se=2030&sig=a%3Db%2Bc",
                             "revised_prompt": "revised: " + prompt})
            else:
                payload = HTML if "bad-b64" in prompt else img
                data.append({"b64_json": base64.b64encode(payload).decode()})
        out = {"created": 1700000000, "data": data}
        if model.startswith("gpt-image"):
            out["usage"] = {"input_tokens": 10, "output_tokens": 4160, "total_tokens": 4170,
                            "input_tokens_details": {"text_tokens": 10, "image_tokens": 0}}
        self.send_json(200, out)

    def speech_scenario(self, text, make):
        m = re.search(r"\[big:(\d+)\]", text)
        data = make(int(m.group(1)) if m else 40000 + len(text))
        if "[html]" in text:
            return self.send_whole(200, "text/html", HTML)
        self.slow = "[slow]" in text
        return data, (len(data) // 2 if "[cut]" in text else None)

    def openai_speech(self, body):
        if not self.bearer_ok():
            return
        req = json.loads(body or b"{}")
        text = req.get("input", "")
        if not text:
            return self.send_json(400, {"error": {"message": "[{'type': 'string_too_short', 'loc': ('body', 'input')}]",
                                                  "type": "invalid_request_error", "code": None}})
        if len(text) > 4096:
            return self.send_json(400, {"error": {"message": "string too long. Expected a string with maximum length 4096",
                                                  "type": "invalid_request_error", "code": "string_above_max_length"}})
        r = self.speech_scenario(text, audio_bytes)
        if r is None:
            return
        data, cut = r
        fmt = req.get("response_format", "mp3")
        ctype = {"mp3": "audio/mpeg", "wav": "audio/wav", "opus": "audio/ogg", "aac": "audio/aac",
                 "flac": "audio/flac", "pcm": "audio/pcm"}.get(fmt, "audio/mpeg")
        self.send_chunked(ctype, data, cut_at=cut)

    def openai_transcriptions(self, ctype, body):
        if not self.bearer_ok():
            return
        mp = parse_multipart(ctype, body)
        if not mp or "file" not in mp[1]:
            return self.send_json(400, {"error": {"message": "Could not parse multipart form",
                                                  "type": "invalid_request_error", "code": None}})
        fields, files = mp
        audio = files["file"]["data"]
        text = "heard %d bytes sha256 %s" % (len(audio), hashlib.sha256(audio).hexdigest())
        fmt = fields.get("response_format", "json")
        if fmt == "text":
            return self.send_whole(200, "text/plain; charset=utf-8", (text + "\n").encode())
        if fmt == "verbose_json":
            return self.send_json(200, {"task": "transcribe", "language": fields.get("language", "english"),
                                        "duration": 2.5, "text": text,
                                        "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 1.2, "text": " heard"},
                                                     {"id": 1, "seek": 0, "start": 1.2, "end": 2.5, "text": text[5:]}],
                                        **({"words": [{"word": w, "start": 0.5 * i, "end": 0.5 * i + 0.4}
                                                      for i, w in enumerate(text.split())]}
                                           if fields.get("timestamp_granularities[]") == "word" else {})})
        self.send_json(200, {"text": text})

    def elevenlabs(self, voice, query, body):
        key = self.headers.get("xi-api-key")
        if key == "quota-key":
            return self.send_json(401, {"detail": {"type": "authorization_error", "code": "quota_exceeded",
                                                   "message": "This request exceeds your quota of 10000.",
                                                   "status": "quota_exceeded", "request_id": "r1"}})
        if key != KEY:
            return self.send_json(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        req = json.loads(body or b"{}")
        text = req.get("text")
        if not text:
            return self.send_json(422, {"detail": [{"type": "missing", "loc": ["body", "text"], "msg": "Field required",
                                                    "input": None}]})
        if voice == "missing":
            return self.send_json(404, {"detail": {"type": "not_found", "code": "voice_not_found",
                                                   "message": "A voice with voice_id missing was not found.",
                                                   "status": "voice_not_found", "request_id": "r2"}})
        if voice == "mistyped":
            return self.send_json(404, {"detail": {"type": 3, "code": [], "message": {}, "status": 404}})
        if voice == "mistyped-list":
            return self.send_json(422, {"detail": [{"type": 1, "loc": "body", "msg": ["required"]}]})
        if voice == "bench":
            data = audio_bytes(int(query.get("size") or req.get("size") or 1048576))
            return self.send_chunked("audio/mpeg", data, fixed=65536)
        fmt = query.get("output_format", "mp3_44100_128")
        make = pcm_bytes if fmt.startswith("pcm") else audio_bytes
        r = self.speech_scenario(text, make)
        if r is None:
            return
        data, cut = r
        self.send_chunked("audio/mpeg" if fmt.startswith("mp3") else "application/octet-stream", data,
                          headers={"request-id": "req-1", "character-cost": str(len(text))}, cut_at=cut)

    def stability(self, endpoint, ctype, body):
        if not self.bearer_ok("stability"):
            return
        mp = parse_multipart(ctype, body)
        if not mp:
            return self.send_json(400, {"id": "e2", "name": "bad_request", "errors": ["expected multipart/form-data"]})
        fields, _ = mp
        prompt = fields.get("prompt", "")
        if not prompt:
            return self.send_json(400, {"id": "e3", "name": "bad_request", "errors": ["prompt: cannot be empty"]})
        if prompt == "mistyped":
            return self.send_json(400, {"id": "e5", "name": 7, "message": {}})
        if prompt == "402":
            return self.send_json(402, {"id": "e4", "name": "payment_required",
                                        "errors": ["You lack sufficient credits to make this request."]})
        if "html" in prompt:
            return self.send_whole(200, "text/html", HTML)
        seed = fields.get("seed", "12345")
        img = png_bytes(f"{endpoint}-{prompt}-{seed}")
        finish = "CONTENT_FILTERED" if "filtered" in prompt else "SUCCESS"
        if "application/json" in self.headers.get("Accept", ""):
            return self.send_json(200, {"image": base64.b64encode(img).decode(), "seed": int(seed),
                                        "finish_reason": finish})
        self.send_chunked("image/png", img, headers={"seed": seed, "finish-reason": finish})

    def sdwebui(self, body):
        req = json.loads(body or b"{}")
        prompt = req.get("prompt", "")
        n = int(req.get("batch_size", 1))
        seed = int(req.get("seed", -1))
        seed = 777 if seed == -1 else seed
        images = [base64.b64encode(png_bytes(f"sd-{prompt}-{i}")).decode() for i in range(n)]
        info = {"prompt": prompt, "seed": seed, "all_seeds": [seed + i for i in range(n)]}
        self.send_json(200, {"images": images, "parameters": req, "info": json.dumps(info)})


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    import signal
    # SIGTERM (the harness's stop) exits at once; shutdown() from a thread
    # waited for serve_forever's next poll (half a second).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
