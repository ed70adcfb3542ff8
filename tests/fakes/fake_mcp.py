#!/usr/bin/env python3
"""fake_mcp.py: a Model Context Protocol server for the tests, over stdio or
Streamable HTTP, with ways to misbehave.

Usage:
  fake_mcp.py stdio [MODE...]        JSON-RPC on stdin/stdout, one message a line
  fake_mcp.py PORT http [MODE...]    POST /mcp on 127.0.0.1 (PORT 0 = a free port,
                                     printed alone on the first stdout line);
                                     GET /__requests lists what it received.

Protocol: initialize (answers protocolVersion 2025-11-25 when offered it or
an older supported one, with capabilities.tools), notifications/initialized,
ping, tools/list (two tools a page, nextCursor "page-N"), tools/call.
Tools: echo {text} -> text; add {a, b} -> text of a+b; image -> an image part
(a 1x1 PNG) and a text part; resource -> an embedded text resource; fail ->
isError true; slow {ms} -> sleeps then "done"; big {bytes} -> one text part of
that many 'x'; env {name} -> the value of that environment variable in the
server; pid -> the server's pid.

MODES (stdio and http): die (exits with status 3 in the middle of a
tools/call, after a line on stderr), garbage (answers tools/call with a line
that is not JSON), hang (never answers anything, and ignores SIGTERM and the
end of its input: only SIGKILL ends it), flood (answers tools/call with endless bytes and no
newline), slow-start (sleeps 1.5 s before reading), old-version (answers
initialize with protocolVersion 1999-01-01), loop-cursor (tools/list always
answers nextCursor "again"), ping-first (asks the client `ping` before
answering tools/call and checks the answer), grandchild (starts `sleep 300`
in its own process group before serving), sse (http: answers as
text/event-stream, a notification first).
FAKE_MCP_PIDFILE: when set, the server appends its pid (and a grandchild's)
to that file, one a line.
"""
import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
SUPPORTED = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
TOOLS = [
    {"name": "echo", "description": "Says the text back.\nSecond line.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
    {"name": "add", "description": "Adds two numbers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}},
    {"name": "image", "description": "A tiny picture.", "inputSchema": {"type": "object"}},
    {"name": "resource", "description": "An embedded resource.", "inputSchema": {"type": "object"}},
    {"name": "fail", "description": "Always fails.", "inputSchema": {"type": "object"}},
    {"name": "slow", "description": "Sleeps.", "inputSchema": {"type": "object",
                                                               "properties": {"ms": {"type": "integer"}}}},
    {"name": "big", "description": "A large answer.", "inputSchema": {"type": "object"}},
    {"name": "env", "description": "An environment variable.", "inputSchema": {"type": "object"}},
    {"name": "pid", "description": "The server's pid.", "inputSchema": {"type": "object"}},
]
PAGE = 2


def note_pid(pid):
    path = os.environ.get("FAKE_MCP_PIDFILE")
    if path:
        with open(path, "a") as f:
            f.write(f"{pid}\n")


def text(t):
    return {"content": [{"type": "text", "text": t}], "isError": False}


def call_tool(name, args):
    if name == "echo":
        return text(str(args.get("text", "")))
    if name == "add":
        return text(str(args.get("a", 0) + args.get("b", 0)))
    if name == "image":
        return {"content": [{"type": "text", "text": "a picture:"},
                            {"type": "image", "data": PNG, "mimeType": "image/png"}]}
    if name == "resource":
        return {"content": [{"type": "resource", "resource": {"uri": "file:///notes.md", "mimeType": "text/markdown",
                                                              "text": "# Notes\nhello"}}]}
    if name == "fail":
        return {"content": [{"type": "text", "text": "it went wrong"}], "isError": True}
    if name == "slow":
        time.sleep(args.get("ms", 1000) / 1000)
        return text("done")
    if name == "big":
        return text("x" * int(args.get("bytes", 1000)))
    if name == "env":
        return text(os.environ.get(args.get("name", ""), "<unset>"))
    if name == "pid":
        return text(str(os.getpid()))
    return None


class Logic:
    """The protocol, transport-free: answer(message) -> response or None."""

    def __init__(self, modes):
        self.modes = modes

    def answer(self, m):
        method, mid, params = m.get("method"), m.get("id"), m.get("params") or {}
        if mid is None:
            return None  # a notification, or a response to our ping
        if "hang" in self.modes:
            return None
        if method == "initialize":
            offered = params.get("protocolVersion")
            version = offered if offered in SUPPORTED else SUPPORTED[0]
            if "old-version" in self.modes:
                version = "1999-01-01"
            return {"jsonrpc": "2.0", "id": mid, "result": {
                "protocolVersion": version, "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "fake-mcp", "version": "1.0"}}}
        if method == "ping":
            return {"jsonrpc": "2.0", "id": mid, "result": {}}
        if method == "tools/list":
            if "loop-cursor" in self.modes:
                return {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS[:1], "nextCursor": "again"}}
            start = int(params.get("cursor", "page-0").split("-")[1])
            page = {"tools": TOOLS[start:start + PAGE]}
            if start + PAGE < len(TOOLS):
                page["nextCursor"] = f"page-{start + PAGE}"
            return {"jsonrpc": "2.0", "id": mid, "result": page}
        if method == "tools/call":
            result = call_tool(params.get("name"), params.get("arguments") or {})
            if result is None:
                return {"jsonrpc": "2.0", "id": mid,
                        "error": {"code": -32602, "message": f"Unknown tool: {params.get('name')}"}}
            return {"jsonrpc": "2.0", "id": mid, "result": result}
        return {"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": f"Method not found: {method}"}}


def serve_stdio(modes):
    note_pid(os.getpid())
    sys.stderr.write("fake-mcp: started on stdio\n")
    sys.stderr.flush()
    if "hang" in modes:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "grandchild" in modes:
        child = subprocess.Popen(["sleep", "300"])
        note_pid(child.pid)
    if "slow-start" in modes:
        time.sleep(1.5)
    logic = Logic(modes)
    out = sys.stdout.buffer
    lock = threading.Lock()
    pings = {}

    def send(obj):
        with lock:
            out.write(json.dumps(obj).encode() + b"\n")
            out.flush()

    def handle(m):
        if m.get("method") == "tools/call":
            if "die" in modes:
                sys.stderr.write("fake-mcp: crashing on purpose\n")
                sys.stderr.flush()
                os._exit(3)
            if "garbage" in modes:
                with lock:
                    out.write(b"Traceback (most recent call last): this is not JSON\n")
                    out.flush()
                return
            if "flood" in modes:
                chunk = b"y" * 65536
                try:
                    while True:
                        out.write(chunk)
                except BrokenPipeError:
                    os._exit(0)
            if "ping-first" in modes:
                ev = threading.Event()
                pings["srv-1"] = ev
                send({"jsonrpc": "2.0", "id": "srv-1", "method": "ping"})
                if not ev.wait(5):
                    send({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -1, "message": "no pong"}})
                    return
        r = logic.answer(m)
        if r is not None:
            send(r)

    for raw in sys.stdin.buffer:
        line = raw.strip()
        if not line:
            continue
        m = json.loads(line)
        if "method" not in m and m.get("id") in pings:
            pings.pop(m["id"]).set()
            continue
        # Calls run at once, as a real server may answer out of order.
        threading.Thread(target=handle, args=(m,), daemon=True).start()
    while "hang" in modes:  # not even the end of its input stops it
        time.sleep(60)
    time.sleep(0.2)


def serve_http(port, modes):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    logic = Logic(modes)
    log = []
    session = "sess-" + str(os.getpid())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body=b"", ctype="application/json", headers=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/__requests":
                return self.reply(200, json.dumps(log).encode())
            self.reply(405)

        def do_DELETE(self):
            log.append({"method": "DELETE", "headers": dict(self.headers)})
            self.reply(200 if self.headers.get("Mcp-Session-Id") == session else 404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            m = json.loads(body)
            log.append({"method": "POST", "headers": dict(self.headers), "body": m})
            if m.get("method") != "initialize" and self.headers.get("Mcp-Session-Id") != session:
                return self.reply(400, b'{"error":"missing session"}')
            if "hang" in modes:
                time.sleep(300)
            r = logic.answer(m)
            if r is None:
                return self.reply(202, b"")
            if m.get("method") == "tools/call":
                if "garbage" in modes:
                    return self.reply(200, b"<html>Bad gateway</html>")
                if "die" in modes:
                    self.connection.close()
                    os._exit(3)
            headers = {"Mcp-Session-Id": session} if m.get("method") == "initialize" else {}
            if "sse" in modes:
                events = [{"jsonrpc": "2.0", "method": "notifications/message",
                           "params": {"level": "info", "data": "working"}}, r]
                data = "".join(f"event: message\ndata: {json.dumps(e)}\n\n" for e in events).encode()
                return self.reply(200, data, "text/event-stream", headers)
            self.reply(200, json.dumps(r).encode(), "application/json", headers)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        serve_stdio(set(sys.argv[2:]))
    else:
        serve_http(int(sys.argv[1]), set(sys.argv[3:]))
