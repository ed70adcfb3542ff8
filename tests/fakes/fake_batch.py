#!/usr/bin/env python3
"""fake_batch.py: a loopback fake of the two provider batch services webox
uses (ABI 1.5 "batch"), and of the plain chat calls they stand for, so a
workflow run with and without --batch can be compared against one server.

Usage: fake_batch.py PORT   (0 = pick a free port). The port is printed alone
on the first stdout line. Binds 127.0.0.1 only. SIGTERM stops it.

ROUTES
  OpenAI (key `Authorization: Bearer test-key`)
    POST /v1/chat/completions          one answer (not streamed)
    POST /v1/files                     multipart/form-data: purpose=batch, file=JSONL
                                       -> {"id": "file-N", "object": "file", ...}
    POST /v1/batches                   {"input_file_id", "endpoint", "completion_window"}
    GET  /v1/batches/ID                validating -> in_progress -> finalizing ->
                                       completed (or expired, failed, cancelled) with
                                       request_counts, output_file_id, error_file_id
    POST /v1/batches/ID/cancel         cancelling, then cancelled at the next GET
    GET  /v1/files/ID/content          the output or error file, JSONL:
                                       {"id","custom_id","response":{"status_code","body"},"error"}
  Anthropic (`x-api-key: test-key`, `anthropic-version` required)
    POST /v1/messages                  one answer (not streamed)
    POST /v1/messages/batches          {"requests": [{"custom_id", "params"}]}
    GET  /v1/messages/batches/ID       processing_status in_progress/canceling/ended
    POST /v1/messages/batches/ID/cancel
    GET  /v1/messages/batches/ID/results   JSONL {"custom_id","result":{"type",...}}
  Test hooks
    GET  /__requests                   every request so far: {"method","path","body"|"bytes"}
    GET  /__batches                    every batch: {"id","kind","status","requests"}
    POST /__control                    the behaviour of the batches created from now on:
      polls          status GETs a batch answers "in progress" before it ends (1)
      fail_marker    a request whose last user text holds it fails (400) ("FAIL")
      expire         the batch ends expired: only the first `answered` requests ran
      answered       for expire and cancel: how many requests were answered (0)
      validation_fail  the batch fails as a whole (OpenAI "failed", no results)
      bad_lines      unreadable lines put before the results (0)
      huge_line      one line of 9 MiB among the results (false)
      unknown_ids    result lines with custom_ids nobody sent (0)
      duplicate      every result line written twice (false)
      extra_results  extra result lines re-using sent custom_ids beyond the count (0)
      release        (not kept) every batch already made ends at its next status GET
    POST /__reset                      forgets requests, batches and control

THE ANSWER to every request, direct or batched, is "answer: " + the last user
message's text, with usage input = 3 + words, output = 2 + words: the same
bytes either way, so outputs must match.
"""
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOCK = threading.RLock()
REQUESTS = []
FILES = {}      # id -> bytes
BATCHES = {}    # id -> dict
COUNTER = [0]
DEFAULT_CONTROL = {"polls": 1, "fail_marker": "FAIL", "expire": False, "answered": 0,
                   "validation_fail": False, "bad_lines": 0, "huge_line": False, "unknown_ids": 0,
                   "duplicate": False, "extra_results": 0}
CONTROL = dict(DEFAULT_CONTROL)


def next_id(prefix):
    with LOCK:
        COUNTER[0] += 1
        return f"{prefix}{COUNTER[0]}"


def text_of(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def last_user(messages):
    for m in reversed(messages or []):
        if isinstance(m, dict) and m.get("role") == "user":
            return text_of(m.get("content"))
    return ""


def answer_for(messages):
    said = last_user(messages)
    words = len(said.split())
    return "answer: " + said, 3 + words, 2 + words


def openai_completion(model, messages):
    text, tin, tout = answer_for(messages)
    return {"id": "chatcmpl-" + next_id(""), "object": "chat.completion", "created": 1765000000,
            "model": model + "-2026-01-01",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout}}


def anthropic_message(model, messages):
    text, tin, tout = answer_for(messages)
    return {"id": "msg_" + next_id(""), "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "usage": {"input_tokens": tin, "output_tokens": tout}}


def failing(messages, control):
    marker = control.get("fail_marker") or ""
    return bool(marker) and marker in last_user(messages)


# ---- Batches -------------------------------------------------------------------

def make_batch(kind, requests, control):
    """requests: [(custom_id, model, messages)]"""
    bid = next_id("batch_" if kind == "openai" else "msgbatch_")
    batch = {"id": bid, "kind": kind, "requests": requests, "control": dict(control),
             "polls": 0, "status": "in_progress", "cancel": False, "created": int(time.time())}
    with LOCK:
        BATCHES[bid] = batch
    return batch


def advance(batch):
    """One status GET: the batch moves on."""
    c = batch["control"]
    if batch["status"] in ("ended", "expired", "cancelled", "failed"):
        return
    batch["polls"] += 1
    if batch["cancel"]:
        batch["status"] = "cancelled"
        finalize(batch)
        return
    if c.get("validation_fail"):
        batch["status"] = "failed"
        return
    if batch["polls"] > int(c.get("polls", 1)):
        batch["status"] = "expired" if c.get("expire") else "ended"
        finalize(batch)


def finalize(batch):
    """Decides each request's fate: ok, errored, expired, cancelled."""
    c = batch["control"]
    limit = len(batch["requests"])
    if batch["status"] in ("expired", "cancelled"):
        limit = int(c.get("answered", 0))
    fates = []
    for k, (cid, model, messages) in enumerate(batch["requests"]):
        if k >= limit:
            fates.append("expired" if batch["status"] == "expired" else "cancelled")
        elif failing(messages, c):
            fates.append("errored")
        else:
            fates.append("ok")
    batch["fates"] = fates


def counts(batch):
    fates = batch.get("fates")
    n = len(batch["requests"])
    if not fates:
        return n, 0, 0, 0, 0
    return (0, fates.count("ok"), fates.count("errored"), fates.count("cancelled"), fates.count("expired"))


def noise_lines(batch):
    c = batch["control"]
    lines = [b"{this is not json" for _ in range(int(c.get("bad_lines", 0)))]
    if c.get("huge_line"):
        lines.append(b'{"custom_id":"' + b"x" * (9 << 20) + b'"}')
    for k in range(int(c.get("unknown_ids", 0))):
        lines.append(None)  # filled by the caller, in its own shape
    return lines


def openai_batch_doc(batch):
    processing, ok, errored, cancelled, expired = counts(batch)
    status = {"in_progress": "in_progress" if batch["polls"] else "validating", "ended": "completed",
              "expired": "expired", "cancelled": "cancelled", "failed": "failed",
              "cancelling": "cancelling"}[batch["status"]]
    if batch["cancel"] and batch["status"] == "in_progress":
        status = "cancelling"
    doc = {"id": batch["id"], "object": "batch", "endpoint": "/v1/chat/completions", "errors": None,
           "input_file_id": batch.get("input_file_id"), "completion_window": "24h", "status": status,
           "output_file_id": None, "error_file_id": None, "created_at": batch["created"],
           "request_counts": {"total": len(batch["requests"]), "completed": ok,
                              "failed": errored + cancelled + expired},
           "metadata": batch.get("metadata")}
    if batch["status"] == "failed":
        doc["errors"] = {"object": "list", "data": [{"code": "invalid_request",
                                                      "message": "the input file is not valid", "line": 1}]}
    if batch.get("fates") is not None:
        doc["output_file_id"] = "file-out-" + batch["id"]
        doc["error_file_id"] = "file-err-" + batch["id"]
    return doc


def openai_file_lines(batch, which):
    lines = []
    c = batch["control"]
    if which == "out":
        lines.extend(l for l in noise_lines(batch) if l is not None)
        for k in range(int(c.get("unknown_ids", 0))):
            lines.append(json.dumps({"id": "batch_req_x", "custom_id": f"nobody-{k}",
                                     "response": {"status_code": 200, "body": openai_completion("m", [])},
                                     "error": None}).encode())
    for (cid, model, messages), fate in zip(batch["requests"], batch["fates"]):
        if which == "out" and fate == "ok":
            line = {"id": "batch_req_" + cid, "custom_id": cid,
                    "response": {"status_code": 200, "request_id": "req_" + cid,
                                 "body": openai_completion(model, messages)}, "error": None}
        elif which == "err" and fate == "errored":
            line = {"id": "batch_req_" + cid, "custom_id": cid,
                    "response": {"status_code": 400, "request_id": "req_" + cid,
                                 "body": {"error": {"message": "the request was refused",
                                                    "type": "invalid_request_error",
                                                    "code": "bad_request"}}}, "error": None}
        elif which == "err" and fate in ("expired", "cancelled"):
            code = "batch_expired" if fate == "expired" else "batch_cancelled"
            line = {"id": "batch_req_" + cid, "custom_id": cid, "response": None,
                    "error": {"code": code, "message": "This request could not be executed before the "
                                                       "batch " + fate + "."}}
        else:
            continue
        data = json.dumps(line).encode()
        lines.append(data)
        if c.get("duplicate"):
            lines.append(data)
    if which == "out":
        for k in range(int(c.get("extra_results", 0))):
            lines.append(lines[-1] if lines else b"{}")
    return lines


def anthropic_batch_doc(batch):
    processing, ok, errored, cancelled, expired = counts(batch)
    status = "ended" if batch["status"] in ("ended", "expired", "cancelled") else \
        "canceling" if batch["cancel"] else "in_progress"
    return {"id": batch["id"], "type": "message_batch", "processing_status": status,
            "request_counts": {"processing": processing, "succeeded": ok, "errored": errored,
                               "canceled": cancelled, "expired": expired},
            "ended_at": None, "created_at": "2026-12-07T20:00:00Z",
            "expires_at": "2026-12-08T20:00:00Z",
            "cancel_initiated_at": "2026-12-07T20:01:00Z" if batch["cancel"] else None,
            "results_url": ("https://api.anthropic.com/v1/messages/batches/" + batch["id"] + "/results")
            if status == "ended" else None}


def anthropic_result_lines(batch):
    c = batch["control"]
    lines = [l for l in noise_lines(batch) if l is not None]
    for k in range(int(c.get("unknown_ids", 0))):
        lines.append(json.dumps({"custom_id": f"nobody-{k}", "result": {
            "type": "succeeded", "message": anthropic_message("m", [])}}).encode())
    for (cid, model, messages), fate in zip(batch["requests"], batch["fates"]):
        if fate == "ok":
            result = {"type": "succeeded", "message": anthropic_message(model, messages)}
        elif fate == "errored":
            result = {"type": "errored", "error": {"type": "error", "error": {
                "type": "invalid_request_error", "message": "the request was refused"}}}
        else:
            result = {"type": "canceled" if fate == "cancelled" else "expired"}
        data = json.dumps({"custom_id": cid, "result": result}).encode()
        lines.append(data)
        if c.get("duplicate"):
            lines.append(data)
    for k in range(int(c.get("extra_results", 0))):
        lines.append(lines[-1] if lines else b"{}")
    return lines


# ---- Multipart ---------------------------------------------------------------------

def multipart_fields(content_type, raw):
    m = re.search(r'boundary=("?)([^";]+)\1', content_type or "")
    if not m:
        return None
    boundary = ("--" + m.group(2)).encode()
    fields = {}
    for part in raw.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, body = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = body[:-2] if body.endswith(b"\r\n") else body
    return fields


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

    def send_lines(self, lines):
        body = b"".join(l + b"\n" for l in lines)
        self.send_response(200)
        self.send_header("Content-Type", "application/binary")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, method, path, raw):
        entry = {"method": method, "path": path, "bytes": len(raw)}
        if raw and len(raw) < 65536:
            try:
                entry["body"] = json.loads(raw)
            except ValueError:
                pass
        with LOCK:
            REQUESTS.append(entry)

    def openai_auth(self):
        if self.headers.get("Authorization") != "Bearer test-key":
            self.send_json(401, {"error": {"message": "Incorrect API key provided", "type":
                                           "invalid_request_error", "code": "invalid_api_key"}})
            return False
        return True

    def anthropic_auth(self):
        if self.headers.get("x-api-key") != "test-key":
            self.send_json(401, {"type": "error", "error": {"type": "authentication_error",
                                                            "message": "invalid x-api-key"}})
            return False
        if not self.headers.get("anthropic-version"):
            self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                            "message": "anthropic-version: header is required"}})
            return False
        return True

    def not_found(self, what):
        self.send_json(404, {"error": {"message": "No such " + what, "type": "invalid_request_error"}})

    def do_GET(self):
        path = urlsplit(self.path).path
        self.record("GET", path, b"")
        if path == "/__requests":
            with LOCK:
                return self.send_json(200, [r for r in REQUESTS if r["path"] != "/__requests"])
        if path == "/__batches":
            with LOCK:
                return self.send_json(200, [{"id": b["id"], "kind": b["kind"], "status": b["status"],
                                             "requests": len(b["requests"])} for b in BATCHES.values()])
        m = re.fullmatch(r"/v1/batches/([A-Za-z0-9_-]+)", path)
        if m:
            if not self.openai_auth():
                return
            with LOCK:
                batch = BATCHES.get(m.group(1))
                if not batch or batch["kind"] != "openai":
                    return self.not_found("batch")
                advance(batch)
                return self.send_json(200, openai_batch_doc(batch))
        m = re.fullmatch(r"/v1/files/file-(out|err)-([A-Za-z0-9_-]+)/content", path)
        if m:
            if not self.openai_auth():
                return
            with LOCK:
                batch = BATCHES.get(m.group(2))
                if not batch or batch.get("fates") is None:
                    return self.not_found("file")
                lines = openai_file_lines(batch, m.group(1))
            return self.send_lines(lines)
        m = re.fullmatch(r"/v1/messages/batches/([A-Za-z0-9_-]+)(/results)?", path)
        if m:
            if not self.anthropic_auth():
                return
            with LOCK:
                batch = BATCHES.get(m.group(1))
                if not batch or batch["kind"] != "anthropic":
                    return self.send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                                           "message": "batch not found"}})
                if m.group(2):
                    if batch.get("fates") is None:
                        return self.send_json(400, {"type": "error", "error": {
                            "type": "invalid_request_error", "message": "batch is still processing"}})
                    lines = anthropic_result_lines(batch)
                else:
                    advance(batch)
                    return self.send_json(200, anthropic_batch_doc(batch))
            return self.send_lines(lines)
        self.send_json(404, {"error": {"message": "no route for GET " + path}})

    def do_POST(self):
        global CONTROL
        path = urlsplit(self.path).path
        raw = self.read_body()
        self.record("POST", path, raw)
        if path == "/__reset":
            with LOCK:
                REQUESTS.clear()
                BATCHES.clear()
                FILES.clear()
                CONTROL = dict(DEFAULT_CONTROL)
            return self.send_json(200, {"ok": True})
        if path == "/__control":
            with LOCK:
                doc = json.loads(raw)
                if doc.pop("release", False):
                    for b in BATCHES.values():
                        b["control"]["polls"] = 0
                CONTROL.update(doc)
            return self.send_json(200, {"ok": True})
        with LOCK:
            control = dict(CONTROL)
        if path == "/v1/files":
            if not self.openai_auth():
                return
            fields = multipart_fields(self.headers.get("Content-Type"), raw)
            if not fields or fields.get("purpose") != b"batch" or "file" not in fields:
                return self.send_json(400, {"error": {"message": "purpose=batch and a file are required",
                                                      "type": "invalid_request_error"}})
            fid = next_id("file-in-")
            with LOCK:
                FILES[fid] = fields["file"]
            return self.send_json(200, {"id": fid, "object": "file", "bytes": len(fields["file"]),
                                        "purpose": "batch", "filename": "webox-batch.jsonl"})
        if path == "/v1/batches":
            if not self.openai_auth():
                return
            body = json.loads(raw)
            with LOCK:
                data = FILES.get(body.get("input_file_id"))
            if data is None or body.get("endpoint") != "/v1/chat/completions" or \
                    body.get("completion_window") != "24h":
                return self.send_json(400, {"error": {"message": "bad batch request",
                                                      "type": "invalid_request_error"}})
            requests = []
            for line in data.decode().splitlines():
                if not line.strip():
                    continue
                req = json.loads(line)
                if req.get("method") != "POST" or req.get("url") != "/v1/chat/completions":
                    return self.send_json(400, {"error": {"message": "bad line",
                                                          "type": "invalid_request_error"}})
                requests.append((req["custom_id"], req["body"]["model"], req["body"]["messages"]))
            batch = make_batch("openai", requests, control)
            batch["input_file_id"] = body["input_file_id"]
            batch["metadata"] = body.get("metadata")
            return self.send_json(200, openai_batch_doc(batch))
        m = re.fullmatch(r"/v1/batches/([A-Za-z0-9_-]+)/cancel", path)
        if m:
            if not self.openai_auth():
                return
            with LOCK:
                batch = BATCHES.get(m.group(1))
                if not batch:
                    return self.not_found("batch")
                batch["cancel"] = True
                return self.send_json(200, openai_batch_doc(batch))
        if path == "/v1/messages/batches":
            if not self.anthropic_auth():
                return
            body = json.loads(raw)
            requests = []
            for r in body.get("requests", []):
                if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", r.get("custom_id", "")):
                    return self.send_json(400, {"type": "error", "error": {
                        "type": "invalid_request_error", "message": "bad custom_id"}})
                requests.append((r["custom_id"], r["params"]["model"], r["params"]["messages"]))
            batch = make_batch("anthropic", requests, control)
            return self.send_json(200, anthropic_batch_doc(batch))
        m = re.fullmatch(r"/v1/messages/batches/([A-Za-z0-9_-]+)/cancel", path)
        if m:
            if not self.anthropic_auth():
                return
            with LOCK:
                batch = BATCHES.get(m.group(1))
                if not batch:
                    return self.send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                                           "message": "batch not found"}})
                batch["cancel"] = True
                return self.send_json(200, anthropic_batch_doc(batch))
        body = json.loads(raw) if raw else {}
        if path == "/v1/chat/completions":
            if not self.openai_auth():
                return
            if failing(body.get("messages"), control):
                return self.send_json(400, {"error": {"message": "the request was refused",
                                                      "type": "invalid_request_error", "code": "bad_request"}})
            return self.send_json(200, openai_completion(body["model"], body["messages"]))
        if path == "/v1/messages":
            if not self.anthropic_auth():
                return
            return self.send_json(200, anthropic_message(body["model"], body["messages"]))
        self.send_json(404, {"error": {"message": "no route for POST " + path}})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


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
