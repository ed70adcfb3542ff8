#!/usr/bin/env python3
"""fake_embed.py: a loopback server speaking the three embeddings wire
formats webox uses, with deterministic vectors.

Usage: fake_embed.py PORT   (0 = pick a free port). The port is printed alone
on the first stdout line. Binds 127.0.0.1 only. SIGTERM stops it.

ROUTES
  POST .../embeddings                      OpenAI-compatible (openai, mistral,
                                           deepinfra): {"model","input":[...],
                                           "dimensions"?} -> {"data":[{"index",
                                           "embedding"}],"usage":{"prompt_tokens"}}.
                                           `data` is sent in REVERSE order: the
                                           client must sort by index.
  POST /v1beta/models/M:batchEmbedContents Gemini: {"requests":[{"content":
                                           {"parts":[{"text"}]},"taskType"?,
                                           "outputDimensionality"?}]} ->
                                           {"embeddings":[{"values"}]}
  POST /api/embed                          Ollama: {"model","input":[...]} ->
                                           {"embeddings":[[...]],"prompt_eval_count"}
  GET  /__requests                         every request: path, headers, body
  POST /__control                          {"mode": "ok" | "wrong_count" |
                                           "wrong_dimension" | "error" | "nan",
                                           "dim": N (default 16), "hang_after": N
                                           (answer N embedding requests from now,
                                           then hold each later one 60 s: a
                                           client to kill -9 mid-run; null: off)}

VECTORS. A bag of hashed words: each lower-cased word (letters and digits)
adds 1 to dimension crc32(word) % dim. Texts sharing words are close, so a
retrieval test has meaningful neighbours without a model.
"""
import json
import re
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"mode": "ok", "dim": 16, "requests": [], "hang_after": None, "served": 0}
LOCK = threading.Lock()


def vector(text, dim):
    v = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()):
        v[zlib.crc32(word.encode()) % dim] += 1.0
    if not any(v):
        v[0] = 1.0
    return v


def vectors_for(texts, dim):
    mode = STATE["mode"]
    out = [vector(t, dim) for t in texts]
    if mode == "wrong_count":
        out = out[:-1]
    elif mode == "wrong_dimension":
        out[-1] = out[-1] + [0.5]
    elif mode == "nan":
        out[0][0] = "NaN"
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/__requests":
            with LOCK:
                self.send_json(200, STATE["requests"])
        else:
            self.send_json(404, {"error": {"message": "no such route"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path == "/__control":
            with LOCK:
                STATE.update(json.loads(raw))
                STATE["served"] = 0
            self.send_json(200, {})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self.send_json(400, {"error": {"message": "body is not JSON"}})
            return
        with LOCK:
            STATE["requests"].append({"path": self.path, "headers": dict(self.headers), "body": body})
            mode, dim = STATE["mode"], STATE["dim"]
            STATE["served"] += 1
            hang = STATE["hang_after"] is not None and STATE["served"] > STATE["hang_after"]
        if hang:
            time.sleep(60)
        if mode == "error":
            self.send_json(500, {"error": {"message": "scripted failure", "code": "server_error"}})
            return
        if self.path.endswith("/embeddings"):
            texts = body["input"]
            d = body.get("dimensions", dim)
            vs = vectors_for(texts, d)
            data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vs)]
            data.reverse()
            words = sum(len(t.split()) for t in texts)
            self.send_json(200, {"object": "list", "data": data, "model": body["model"] + "-fake",
                                 "usage": {"prompt_tokens": words, "total_tokens": words}})
        elif self.path.endswith(":batchEmbedContents"):
            reqs = body["requests"]
            d = reqs[0].get("outputDimensionality", dim) if reqs else dim
            texts = [r["content"]["parts"][0]["text"] for r in reqs]
            self.send_json(200, {"embeddings": [{"values": v} for v in vectors_for(texts, d)]})
        elif self.path == "/api/embed":
            texts = body["input"]
            d = body.get("dimensions", dim)
            words = sum(len(t.split()) for t in texts)
            self.send_json(200, {"model": body["model"], "embeddings": vectors_for(texts, d),
                                 "prompt_eval_count": words})
        else:
            self.send_json(404, {"error": {"message": "no such route " + self.path}})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main()
