#!/usr/bin/env python3
"""fake_hostile_http.py: an OpenAI-compatible chat endpoint that misbehaves
at the HTTP level, to test webox's network hygiene through the real binary.

Usage: fake_hostile_http.py PORT [--tls CERT KEY]
PORT 0 picks a free port, printed alone on the first stdout line. Binds
127.0.0.1 only; with --tls it speaks HTTPS with that certificate (the test
generates a self-signed one). SIGTERM stops it.

ROUTES (the prefix before /v1 picks the behaviour; the rest of the path is
what an OpenAI-compatible client appends, e.g. /v1/chat/completions):
  /ok/v1/...             a chat.completion (or, when the request asks for
                         "stream": true, a chat.completion.chunk SSE stream
                         ending in data: [DONE]), answer "pong"
  /hops/N/v1/...         307 Temporary Redirect (method and body kept) to
                         /hops/N-1/...; /hops/0/... answers like /ok
  /to/URL-ENCODED/v1/... 307 to the decoded absolute URL + /v1/... (used to
                         redirect from HTTPS down to plain HTTP)
  /big/N/v1/...          a valid chat.completion whose content is N bytes,
                         with Content-Length; streamed requests get SSE
                         chunks of 1 KiB of content, N bytes in all, chunked
  /endless/v1/...        streams chat.completion.chunk events forever
                         (until the client hangs up)
  /drip/comment/v1/...   a 200 SSE stream that sends only an SSE comment
                         every 0.2 s, forever (never idle, never an answer)
  /drip/byte/v1/...      a 200 chat.completion whose body comes one byte
                         every 0.2 s (Content-Length of 1 MB), forever
  /retry-after/V/v1/...  429 rate_limit_exceeded with `Retry-After: V` (V is
                         URL-decoded: seconds, an HTTP date, or garbage)
  /header-line/N/v1/...  a 200 answer with one header line of N bytes
  /header-lines/N/v1/... a 200 answer with N header lines of 100 bytes
  /bad-utf8/v1/...       a chat.completion (or stream) whose content has
                         bytes that are not UTF-8
  GET /__requests        every request so far: [{"method", "path"}]
"""
import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

REQUESTS = []
LOCK = threading.Lock()


def completion(text):
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}


def chunk(text, finish=None):
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/__requests":
            with LOCK:
                body = json.dumps(REQUESTS).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.route({})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        self.route(body)

    def route(self, body):
        with LOCK:
            REQUESTS.append({"method": self.command, "path": self.path})
        parts = self.path.split("/")
        stream = bool(body.get("stream"))
        if len(parts) > 2 and parts[1] == "hops":
            hops = int(parts[2])
            if hops > 0:
                rest = "/".join(parts[3:])
                return self.redirect(f"/hops/{hops - 1}/{rest}")
            return self.answer("pong", stream)
        if len(parts) > 2 and parts[1] == "to":
            return self.redirect(unquote(parts[2]) + "/" + "/".join(parts[3:]))
        if len(parts) > 2 and parts[1] == "big":
            return self.big(int(parts[2]), stream)
        if len(parts) > 1 and parts[1] == "endless":
            return self.endless()
        if len(parts) > 2 and parts[1] == "drip":
            return self.drip(parts[2])
        if len(parts) > 2 and parts[1] == "retry-after":
            return self.rate_limited(unquote(parts[2]))
        if len(parts) > 2 and parts[1] in ("header-line", "header-lines"):
            return self.big_headers(parts[1], int(parts[2]))
        if len(parts) > 1 and parts[1] == "bad-utf8":
            return self.bad_utf8(stream)
        return self.answer("pong", stream)

    def redirect(self, location):
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_json(self, doc):
        raw = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def start_sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def sse(self, doc):
        data = b"data: " + (doc if isinstance(doc, bytes) else json.dumps(doc).encode()) + b"\n\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")

    def answer(self, text, stream):
        if not stream:
            return self.send_json(completion(text))
        self.start_sse()
        self.sse(chunk(text))
        self.sse(chunk("", "stop"))
        self.sse(b"[DONE]")
        self.end_chunked()

    def big(self, size, stream):
        if not stream:
            return self.send_json(completion("x" * size))
        self.start_sse()
        try:
            sent = 0
            while sent < size:
                self.sse(chunk("x" * min(1024, size - sent)))
                sent += 1024
            self.sse(chunk("", "stop"))
            self.sse(b"[DONE]")
            self.end_chunked()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def endless(self):
        self.start_sse()
        try:
            while True:
                self.sse(chunk("y" * 1024))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


    def drip(self, kind):
        try:
            if kind == "comment":
                self.start_sse()
                while True:
                    data = b": keep-alive\n\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                    time.sleep(0.2)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            while True:
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def rate_limited(self, retry_after):
        raw = json.dumps({"error": {"message": "Rate limit reached", "type": "requests",
                                    "code": "rate_limit_exceeded"}}).encode()
        self.send_response(429)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def big_headers(self, kind, n):
        raw = json.dumps(completion("pong")).encode()
        try:
            self.send_response(200)
            if kind == "header-line":
                self.send_header("X-Padding", "p" * n)
            else:
                for i in range(n):
                    self.send_header("X-Padding-%d" % i, "p" * 80)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def bad_utf8(self, stream):
        text = b"caf\xe9 \xff\xfe pong"  # Latin-1 and stray bytes, not UTF-8
        if not stream:
            doc = json.dumps(completion("@TEXT@")).encode().replace(b"@TEXT@", text)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(doc)))
            self.end_headers()
            self.wfile.write(doc)
            return
        self.start_sse()
        self.sse(json.dumps(chunk("@TEXT@")).encode().replace(b"@TEXT@", text))
        self.sse(chunk("", "stop"))
        self.sse(b"[DONE]")
        self.end_chunked()


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if len(sys.argv) > 4 and sys.argv[2] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
