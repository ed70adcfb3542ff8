#!/usr/bin/env python3
"""fake_models.py: a loopback server answering the four model-list formats
webox reads (`webox models --refresh`), pagination included.

Usage: fake_models.py PORT   (0 = pick a free port). The port is printed alone
on the first stdout line. Binds 127.0.0.1 only. SIGTERM stops it.

ROUTES (GET)
  /v1/models  with Authorization: Bearer   OpenAI-compatible: {"object":"list","data":[...]},
                                           one page; entries in the Mistral and OpenRouter
                                           dialects too (capabilities, architecture, context).
  /v1/models  with x-api-key               Anthropic: pages of 2 ({"data","has_more","first_id",
                                           "last_id"}); `after_id` continues. Needs
                                           anthropic-version.
  /v1beta/models                           Gemini: pages of 2 ({"models","nextPageToken"});
                                           `pageToken` continues. Needs x-goog-api-key.
  /api/tags                                Ollama: {"models":[{"name","model","details"}]}
  /__requests                              every request: path, headers
POST /__control  {"mode": "ok" | "down" (500 on every list) | "endless" (Anthropic and
                 Gemini always say there is one more page)}
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STATE = {"mode": "ok", "requests": []}
LOCK = threading.Lock()

OPENAI = [
    {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
    {"id": "text-embedding-3-small", "object": "model", "created": 1705948997, "owned_by": "system"},
    # Mistral's dialect
    {"id": "pixtral-large-latest", "object": "model", "max_context_length": 131072,
     "capabilities": {"completion_chat": True, "function_calling": True, "vision": True}},
    # OpenRouter's dialect
    {"id": "anthropic/claude-sonnet-4", "name": "Anthropic: Claude Sonnet 4", "context_length": 200000,
     "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
     "supported_parameters": ["tools", "temperature"]},
    # Groq's
    {"id": "llama-3.3-70b-versatile", "object": "model", "context_window": 131072},
]
ANTHROPIC = [
    {"type": "model", "id": "claude-sonnet-4-5-20250929", "display_name": "Claude Sonnet 4.5"},
    {"type": "model", "id": "claude-opus-4-1-20250805", "display_name": "Claude Opus 4.1"},
    {"type": "model", "id": "claude-haiku-4-5-20251001", "display_name": "Claude Haiku 4.5"},
    {"type": "model", "id": "gpt-4o-mini", "display_name": "not really (an ambiguity for tests)"},
    {"type": "model", "id": "claude-3-5-haiku-20241022", "display_name": "Claude Haiku 3.5"},
]
GEMINI = [
    {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash", "inputTokenLimit": 1048576,
     "supportedGenerationMethods": ["generateContent", "countTokens"]},
    {"name": "models/gemini-embedding-001", "displayName": "Gemini Embedding 001", "inputTokenLimit": 2048,
     "supportedGenerationMethods": ["embedContent", "countTokens"]},
    {"name": "models/imagen-4.0-generate-001", "displayName": "Imagen 4",
     "supportedGenerationMethods": ["predict"]},
    {"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro", "inputTokenLimit": 1048576,
     "supportedGenerationMethods": ["generateContent"]},
    {"name": "models/gemini-3-pro-preview", "displayName": "Gemini 3 Pro Preview", "inputTokenLimit": 1048576,
     "supportedGenerationMethods": ["generateContent"]},
]
OLLAMA = [
    {"name": "llama3.2:3b", "model": "llama3.2:3b", "details": {"family": "llama"}},
    {"name": "qwen2.5-coder:7b", "model": "qwen2.5-coder:7b", "details": {"family": "qwen2"}},
]
PAGE = 2


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

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/__control":
            with LOCK:
                STATE.update(json.loads(raw))
            self.send_json(200, {})
        else:
            self.send_json(404, {"error": {"message": "no such route"}})

    def do_GET(self):
        if self.path == "/__requests":
            with LOCK:
                self.send_json(200, STATE["requests"])
            return
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with LOCK:
            STATE["requests"].append({"path": self.path, "headers": dict(self.headers)})
            mode = STATE["mode"]
        if mode == "down":
            self.send_json(500, {"error": {"message": "scripted outage", "type": "server_error"}})
            return
        endless = mode == "endless"
        if url.path == "/v1/models" and self.headers.get("x-api-key"):
            self.anthropic(query, endless)
        elif url.path == "/v1/models":
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                self.send_json(401, {"error": {"message": "no key"}})
                return
            self.send_json(200, {"object": "list", "data": OPENAI})
        elif url.path == "/v1beta/models":
            self.gemini(query, endless)
        elif url.path == "/api/tags":
            self.send_json(200, {"models": OLLAMA})
        else:
            self.send_json(404, {"error": {"message": "no such route " + self.path}})

    def anthropic(self, query, endless):
        if not self.headers.get("anthropic-version"):
            self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "anthropic-version header is required"}})
            return
        ids = [m["id"] for m in ANTHROPIC]
        start = ids.index(query["after_id"]) + 1 if query.get("after_id") in ids else 0
        if endless:
            start = 0
        page = ANTHROPIC[start:start + PAGE]
        self.send_json(200, {"data": page, "has_more": endless or start + PAGE < len(ANTHROPIC),
                             "first_id": page[0]["id"] if page else None,
                             "last_id": (page[-1]["id"] + ("x" * len(STATE["requests"]) if endless else "")) if page else None})

    def gemini(self, query, endless):
        if not self.headers.get("x-goog-api-key"):
            self.send_json(403, {"error": {"code": 403, "message": "no key", "status": "PERMISSION_DENIED"}})
            return
        token = query.get("pageToken", "")
        start = 0 if endless or not token.startswith("p") else int(token[1:])
        page = GEMINI[start:start + PAGE]
        doc = {"models": page}
        if endless:
            doc["nextPageToken"] = "p0&n=%d" % len(STATE["requests"])
        elif start + PAGE < len(GEMINI):
            doc["nextPageToken"] = "p%d" % (start + PAGE)
        self.send_json(200, doc)


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
