#!/usr/bin/env python3
"""fake_export.py: loopback fakes of the three remote export destinations of
`webox leads export`, speaking their documented wire formats.

Usage: fake_export.py PORT PUBLIC_KEY_PEM CLIENT_EMAIL WEBHOOK_SECRET
(PORT 0 = pick a free port, printed alone on the first stdout line). Binds
127.0.0.1 only. SIGTERM stops it.

GOOGLE TOKEN  POST /token   form grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT.
  The JWT's RS256 signature is verified with PUBLIC_KEY_PEM (via `openssl dgst`);
  iss must be CLIENT_EMAIL, aud this endpoint's URL, scope must include
  .../auth/spreadsheets, exp - iat <= 3600. Answers {access_token, expires_in: 3599,
  token_type: "Bearer"} or 400 {"error": "invalid_grant", "error_description": ...}.
SHEETS  One grid of rows per spreadsheet id (sheet names are checked for
  syntax, not told apart): rows[0] is row 1, rows[r][0] column A. Every call
  needs a Bearer token from /token (401 UNAUTHENTICATED otherwise) and obeys
  the sheets_403 / sheets_429 controls. Bad input answers 400 INVALID_ARGUMENT.
  POST /v4/spreadsheets/{id}/values/{range}:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS
    The rows land below the last row holding anything (not above the range's
    start row), from the range's start column. Answers
    {spreadsheetId, tableRange, updates: {updatedRange: "Sheet!B5:M8", updatedRows, ...}}.
  GET  /v4/spreadsheets/{id}/values/{range}?majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE
    range is one column (C:C, or C3:C from row 3). Answers {range: "Sheet!C1:C<grid>",
    majorDimension: "COLUMNS", values: [[cell, ...]]} as Sheets does: range is the
    whole requested column down to the grid's last row (1000, or more rows
    if stored), values stop at the last non-empty cell and are absent when
    there is none; missing cells before it read as "".
  POST /v4/spreadsheets/{id}/values:batchUpdate
    {"valueInputOption": "RAW", "data": [{"range": "Sheet!A7:L7", "majorDimension": "ROWS",
    "values": [[...]]}, ...]}: each range a single row that exists, the row no wider
    than the range; everything is checked before any row is overwritten.
    Answers {spreadsheetId, totalUpdatedRows, ..., responses: [{updatedRange, ...}]}.
NOTION  POST /v1/pages, PATCH /v1/pages/{id}, GET /v1/databases/{id}, GET /v1/data_sources/{id}
  `Notion-Version` required (400 missing_version), `Authorization: Bearer secret_test`
  (401 unauthorized). One database, NOTION_DATABASE, holds the data sources
  of state["data_sources"] (one by default, NOTION_DATA_SOURCE). From version
  2025-09-03 a new page's parent must be {"type": "data_source_id",
  "data_source_id": <one of them>}; before, {"database_id": NOTION_DATABASE},
  refused (400 validation_error) once the database holds several sources.
  Unknown ids answer 404 object_not_found. The database schema (property name -> type) is checked:
  an unknown property or a value of another type answers 400 validation_error
  "<name> is expected to be <type>.". More than 3 requests within one second
  answer 429 rate_limited with Retry-After: 1 (counted as a violation).
WEBHOOK  POST /hook
  Verifies the Standard Webhooks signature with WEBHOOK_SECRET and a timestamp
  within 5 minutes (401 otherwise). Scripted failures answer first.

CONTROL
  GET  /__requests   [{"method","path","query","headers"}]
  GET  /__state      {"sheets": {id: [rows]}, "pages": {id: properties}, "deliveries":
                      [{"id", "body", "status"}], "tokens_issued": n, "notion_violations": n}
  POST /__control    any of:
       {"invalid_grant": true}      the token endpoint refuses every grant
       {"sheets_429": N}            the next N Sheets calls answer 429 RESOURCE_EXHAUSTED
       {"sheets_403": true}         Sheets calls answer 403 PERMISSION_DENIED
       {"sheets_batch_update_400": true} batchUpdate answers 400 INVALID_ARGUMENT
       {"sheets_missing": ["Archive"]} ranges on these sheets answer 400 "Unable to parse range"
       {"sheets": {id: [rows]}}     replaces the stored grids
       {"notion_429": N}            the next N Notion calls answer 429 (Retry-After: 1)
       {"schema": {name: type}}     the Notion database's properties
       {"data_sources": [{"id", "name"}, ...]}  the Notion database's data sources
       {"webhook_script": [500, 400]} statuses answered before verifying (in order)
       {"webhook_delay_ms": 30}     each delivery waits this long before answering
       {"reset_requests": true}
"""
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

PUBLIC_KEY = sys.argv[2] if len(sys.argv) > 2 else ""
CLIENT_EMAIL = sys.argv[3] if len(sys.argv) > 3 else ""
WEBHOOK_SECRET = sys.argv[4] if len(sys.argv) > 4 else ""
NOTION_TOKEN = "secret_test"
NOTION_DATABASE = "0123456789abcdef0123456789abcdef"
NOTION_DATA_SOURCE = "2f26ee68-df30-4251-aad4-8ddc420cba3d"

lock = threading.Lock()
state = {
    "requests": [], "invalid_grant": False, "sheets_429": 0, "sheets_403": False, "sheets_batch_update_400": False,
    "sheets_missing": [],
    "notion_429": 0,
    "schema": {"Name": "title", "Platform": "select", "Score": "number", "Status": "select",
               "Phone": "phone_number", "Email": "email"},
    "webhook_script": [], "tokens": set(), "tokens_issued": 0, "sheets": {}, "pages": {},
    "deliveries": [], "notion_times": [], "notion_violations": 0,
    "data_sources": [{"id": NOTION_DATA_SOURCE, "name": "Leads"}], "page_parents": {},
}


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_rs256(signing_input, signature):
    with tempfile.TemporaryDirectory() as d:
        data, sig = os.path.join(d, "data"), os.path.join(d, "sig")
        open(data, "wb").write(signing_input)
        open(sig, "wb").write(signature)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", PUBLIC_KEY, "-signature", sig, data],
                           capture_output=True)
        return r.returncode == 0


NOTION_SHAPES = {
    "title": lambda v: isinstance(v, list) and all(isinstance(i, dict) and isinstance(i.get("text", {}).get("content"), str)
                                                   and len(i["text"]["content"]) <= 2000 for i in v),
    "rich_text": lambda v: NOTION_SHAPES["title"](v),
    "number": lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)),
    "select": lambda v: isinstance(v, dict) and isinstance(v.get("name"), str) and "," not in v["name"],
    "phone_number": lambda v: isinstance(v, str) and len(v) <= 200,
    "email": lambda v: isinstance(v, str) and len(v) <= 200,
}


A1_CELLS = re.compile(r"([A-Za-z]{0,3})([0-9]*)(?::([A-Za-z]{0,3})([0-9]*))?")


def letters(n):
    out = ""
    while n > 0:
        n, d = divmod(n - 1, 26)
        out = chr(ord("A") + d) + out
    return out


def column(text):
    n = 0
    for c in text.upper():
        n = n * 26 + ord(c) - ord("A") + 1
    return n


def parse_a1(rng):
    """{"sheet", "col", "row", "last_col", "last_row"} (0 when absent; a bare
    range is on "Sheet1", the first sheet), or None when it is not A1."""
    sheet, cells = "Sheet1", rng
    if "!" not in rng and rng and not any(c.isdigit() or c == ":" for c in rng):
        return {"sheet": rng, "col": 0, "row": 0, "last_col": 0, "last_row": 0}  # a sheet alone
    if "!" in rng:
        sheet, cells = rng.rsplit("!", 1)
        quoted = sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 2
        if not sheet or (not quoted and "'" in sheet):
            return None
    m = A1_CELLS.fullmatch(cells)
    if not m or not (m.group(1) or m.group(2)) or (":" in cells and not (m.group(3) or m.group(4))):
        return None
    col, row = column(m.group(1)), int(m.group(2) or 0)
    if ":" in cells:
        last_col, last_row = column(m.group(3)), int(m.group(4) or 0)
    else:
        last_col, last_row = col, row
    return {"sheet": sheet, "col": col, "row": row, "last_col": last_col, "last_row": last_row}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, doc, headers=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, raw=b""):
        u = urlsplit(self.path)
        with lock:
            state["requests"].append({"method": self.command, "path": unquote(u.path), "query": dict(parse_qsl(u.query)),
                                      "headers": {k.lower(): v for k, v in self.headers.items()}, "t": time.monotonic(),
                                      "body": raw.decode("utf-8", "replace")})

    def do_GET(self):
        self.record()
        if self.path == "/__requests":
            with lock:
                return self.send(200, state["requests"])
        if self.path == "/__state":
            with lock:
                return self.send(200, {"sheets": state["sheets"], "pages": state["pages"], "deliveries": state["deliveries"],
                                       "tokens_issued": state["tokens_issued"], "notion_violations": state["notion_violations"],
                                       "page_parents": state["page_parents"]})
        path = urlsplit(self.path).path
        if path.startswith("/v1/databases/") or path.startswith("/v1/data_sources/"):
            return self.notion_read(path)
        if path.startswith("/v4/spreadsheets/") and "/values/" in path:
            return self.sheets_read(path)
        self.send(404, {"error": "unknown path " + self.path})

    def do_PATCH(self):
        raw = self.body()
        self.record(raw)
        if self.path.startswith("/v1/pages/"):
            return self.notion(raw, self.path[len("/v1/pages/"):])
        self.send(404, {"error": "unknown path"})

    def do_POST(self):
        raw = self.body()
        self.record(raw)
        path = urlsplit(self.path).path
        if path == "/__control":
            doc = json.loads(raw or b"{}")
            with lock:
                if doc.pop("reset_requests", False):
                    state["requests"].clear()
                for k, v in doc.items():
                    state[k] = v
            return self.send(200, {})
        if path == "/token":
            return self.token(raw)
        if path.startswith("/v4/spreadsheets/") and path.endswith(":append"):
            return self.sheets(raw, path)
        if path.startswith("/v4/spreadsheets/") and path.endswith("/values:batchUpdate"):
            return self.sheets_batch_update(raw, path)
        if path == "/v1/pages":
            return self.notion(raw, None)
        if path == "/hook":
            return self.webhook(raw)
        self.send(404, {"error": "unknown path " + path})

    # ---- Google ------------------------------------------------------------
    def token(self, raw):
        form = dict(parse_qsl(raw.decode()))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.send(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        parts = form.get("assertion", "").split(".")
        if len(parts) != 3:
            return self.send(400, {"error": "invalid_grant", "error_description": "Malformed JWT"})
        header, claims = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
        url = f"http://127.0.0.1:{self.server.server_port}/token"
        why = None
        if header.get("alg") != "RS256":
            why = "alg"
        elif not verify_rs256((parts[0] + "." + parts[1]).encode(), b64url_decode(parts[2])):
            why = "Invalid JWT Signature."
        elif claims.get("iss") != CLIENT_EMAIL or claims.get("aud") != url:
            why = "Invalid iss or aud"
        elif "https://www.googleapis.com/auth/spreadsheets" not in claims.get("scope", "").split():
            why = "scope"
        elif not (0 < claims["exp"] - claims["iat"] <= 3600):
            why = "Invalid JWT: exp too far"
        with lock:
            if state["invalid_grant"]:
                why = "Invalid grant: account not found"
            if why:
                return self.send(400, {"error": "invalid_grant", "error_description": why})
            token = "ya29.fake-" + uuid.uuid4().hex
            state["tokens"].add(token)
            state["tokens_issued"] += 1
        self.send(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def google_error(self, code, status, message):
        self.send(code, {"error": {"code": code, "message": message, "status": status}})

    def sheets_gate(self):
        """Auth, 403 and 429, the same for every Sheets call; True when answered."""
        auth = self.headers.get("Authorization", "")
        with lock:
            if not auth.startswith("Bearer ") or auth[7:] not in state["tokens"]:
                self.google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
                return True
            if state["sheets_403"]:
                self.google_error(403, "PERMISSION_DENIED", "The caller does not have permission")
                return True
            if state["sheets_429"] > 0:
                state["sheets_429"] -= 1
                self.google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Write requests'")
                return True
        return False

    def missing_sheet(self, where):
        # No lock: callers may hold it, and /__control replaces the list whole.
        return where["sheet"].strip("'") in state["sheets_missing"]

    def sheets_target(self, path, suffix):
        """(spreadsheet id, A1 range) from /v4/spreadsheets/{id}/values/{range}{suffix}."""
        return unquote(path[len("/v4/spreadsheets/"):len(path) - len(suffix)]).split("/values/", 1)

    def sheets(self, raw, path):
        if self.sheets_gate():
            return
        q = dict(parse_qsl(urlsplit(self.path).query))
        if q.get("valueInputOption") != "RAW" or q.get("insertDataOption") != "INSERT_ROWS":
            return self.google_error(400, "INVALID_ARGUMENT", "expected valueInputOption=RAW and insertDataOption=INSERT_ROWS")
        sheet_id, rng = self.sheets_target(path, ":append")
        where = parse_a1(rng)
        doc = json.loads(raw)
        if where is None or self.missing_sheet(where):
            return self.google_error(400, "INVALID_ARGUMENT", f"Unable to parse range: {rng}")
        if doc.get("majorDimension") != "ROWS" or not isinstance(doc.get("values"), list) \
                or not all(isinstance(r, list) for r in doc["values"]):
            return self.google_error(400, "INVALID_ARGUMENT", "Invalid values")
        sheet, col, row = where["sheet"], where["col"] or 1, where["row"] or 1
        values = doc["values"]
        with lock:
            rows = state["sheets"].setdefault(sheet_id, [])
            filled = max((i + 1 for i, r in enumerate(rows) if any(c != "" for c in r)), default=0)
            start = max(filled + 1, row)
            for i, new in enumerate(values):
                at = start - 1 + i
                rows.insert(at, []) if at < len(rows) else rows.extend([[] for _ in range(at - len(rows) + 1)])
                rows[at] = [""] * (col - 1) + list(new)
            while rows and not rows[-1]:
                rows.pop()
        n = len(values)
        width = max((len(r) for r in values), default=1) or 1
        self.send(200, {"spreadsheetId": sheet_id,
                        "tableRange": f"{sheet}!{letters(col)}{row}:{letters(col + width - 1)}{filled}" if filled else "",
                        "updates": {"spreadsheetId": sheet_id,
                                    "updatedRange": f"{sheet}!{letters(col)}{start}:{letters(col + width - 1)}{start + n - 1}",
                                    "updatedRows": n, "updatedColumns": width if n else 0,
                                    "updatedCells": sum(len(r) for r in values)}})

    def sheets_read(self, path):
        if self.sheets_gate():
            return
        q = dict(parse_qsl(urlsplit(self.path).query))
        sheet_id, rng = self.sheets_target(path, "")
        where = parse_a1(rng)
        if where is not None and self.missing_sheet(where):
            return self.google_error(400, "INVALID_ARGUMENT", f"Unable to parse range: {rng}")
        if where is None or not where["col"] or where["col"] != where["last_col"] or where["last_row"]:
            return self.google_error(400, "INVALID_ARGUMENT", f"Unable to parse range: {rng} (the fake reads one column)")
        if q.get("majorDimension") != "COLUMNS" or q.get("valueRenderOption") != "UNFORMATTED_VALUE":
            return self.google_error(400, "INVALID_ARGUMENT", "the fake answers majorDimension=COLUMNS, UNFORMATTED_VALUE")
        col, first = where["col"], where["row"] or 1
        with lock:
            rows = state["sheets"].get(sheet_id, [])
            cells = [r[col - 1] if col - 1 < len(r) else "" for r in rows[first - 1:]]
        while cells and cells[-1] == "":
            cells.pop()
        grid = max(1000, len(rows))
        doc = {"range": f"{where['sheet']}!{letters(col)}{first}:{letters(col)}{grid}", "majorDimension": "COLUMNS"}
        if cells:
            doc["values"] = [cells]
        self.send(200, doc)

    def sheets_batch_update(self, raw, path):
        if self.sheets_gate():
            return
        sheet_id = unquote(path[len("/v4/spreadsheets/"):-len("/values:batchUpdate")])
        with lock:
            if state["sheets_batch_update_400"]:
                return self.google_error(400, "INVALID_ARGUMENT", "Invalid data[0]: scripted refusal")
        doc = json.loads(raw or b"{}")
        if doc.get("valueInputOption") != "RAW":
            return self.google_error(400, "INVALID_ARGUMENT", "expected valueInputOption RAW")
        data = doc.get("data")
        if not isinstance(data, list) or not data:
            return self.google_error(400, "INVALID_ARGUMENT", "data must be a non-empty list")
        writes = []
        with lock:
            rows = state["sheets"].get(sheet_id, [])
            for i, item in enumerate(data):
                where = parse_a1(item.get("range", "")) if isinstance(item, dict) else None
                values = item.get("values") if isinstance(item, dict) else None
                if where is None or not where["row"] or where["last_row"] != where["row"] or not where["col"] \
                        or where["last_col"] < where["col"]:
                    return self.google_error(400, "INVALID_ARGUMENT", f"Invalid data[{i}]: not a single row: {item}")
                if self.missing_sheet(where):
                    return self.google_error(400, "INVALID_ARGUMENT", f"Unable to parse range: {item['range']}")
                if item.get("majorDimension", "ROWS") != "ROWS" or not isinstance(values, list) or len(values) != 1 \
                        or not isinstance(values[0], list):
                    return self.google_error(400, "INVALID_ARGUMENT", f"Invalid data[{i}]: one row of values expected")
                if where["row"] > len(rows):
                    return self.google_error(400, "INVALID_ARGUMENT", f"Invalid data[{i}]: row {where['row']} is empty")
                if len(values[0]) > where["last_col"] - where["col"] + 1:
                    return self.google_error(400, "INVALID_ARGUMENT",
                                             f"Requested writing within range [{item['range']}], but tried writing more columns")
                writes.append((where, values[0]))
            for where, cells in writes:
                row = rows[where["row"] - 1]
                row.extend([""] * (where["col"] - 1 + len(cells) - len(row)))
                row[where["col"] - 1:where["col"] - 1 + len(cells)] = cells
        self.send(200, {"spreadsheetId": sheet_id, "totalUpdatedRows": len(writes), "totalUpdatedSheets": 1,
                        "totalUpdatedColumns": max(len(c) for _, c in writes), "totalUpdatedCells": sum(len(c) for _, c in writes),
                        "responses": [{"spreadsheetId": sheet_id, "updatedRange": d["range"], "updatedRows": 1,
                                       "updatedColumns": len(c), "updatedCells": len(c)} for d, (_, c) in zip(data, writes)]})

    # ---- Notion ------------------------------------------------------------
    def notion_error(self, status, code, message, headers=None):
        self.send(status, {"object": "error", "status": status, "code": code, "message": message}, headers)

    # Pacing, version and token: answers the error and returns True when refused.
    def notion_refused(self):
        now = time.monotonic()
        with lock:
            recent = [t for t in state["notion_times"] if now - t < 0.9]
            state["notion_times"] = recent + [now]
            if state["notion_429"] > 0:
                state["notion_429"] -= 1
                self.notion_error(429, "rate_limited", "You have been rated limited. Please try again in a few minutes.",
                                  {"Retry-After": "1"})
                return True
            if len(recent) >= 3:
                state["notion_violations"] += 1
                self.notion_error(429, "rate_limited", "You have been rated limited.", {"Retry-After": "1"})
                return True
        if not self.headers.get("Notion-Version"):
            self.notion_error(400, "missing_version", "Notion-Version header failed validation: should be defined")
            return True
        if self.headers.get("Authorization") != "Bearer " + NOTION_TOKEN:
            self.notion_error(401, "unauthorized", "API token is invalid.")
            return True
        return False

    def notion_read(self, path):
        if self.notion_refused():
            return
        kind, oid = path[len("/v1/"):].split("/", 1)
        with lock:
            sources = list(state["data_sources"])
        if kind == "databases" and oid == NOTION_DATABASE:
            return self.send(200, {"object": "database", "id": oid, "data_sources": sources})
        if kind == "data_sources" and oid in [d["id"] for d in sources]:
            return self.send(200, {"object": "data_source", "id": oid, "properties": state["schema"],
                                   "parent": {"type": "database_id", "database_id": NOTION_DATABASE}})
        self.notion_error(404, "object_not_found", f"Could not find {kind[:-1].replace('_', ' ')} with ID: {oid}.")

    def notion(self, raw, page_id):
        if self.notion_refused():
            return
        doc = json.loads(raw)
        parent = doc.get("parent", {})
        if page_id is None:
            with lock:
                sources = [d["id"] for d in state["data_sources"]]
            if self.headers.get("Notion-Version") >= "2025-09-03":
                if parent.get("type") != "data_source_id" or parent.get("data_source_id") not in sources:
                    return self.notion_error(400, "validation_error",
                                             "body failed validation: body.parent.data_source_id should be defined")
            elif parent.get("database_id") != NOTION_DATABASE:
                return self.notion_error(400, "validation_error", "body failed validation: body.parent should be defined")
            elif len(sources) > 1:
                return self.notion_error(400, "validation_error", "Databases with multiple data sources are not supported "
                                         "in this API version.")
        schema = state["schema"]
        for name, value in doc.get("properties", {}).items():
            if name not in schema:
                return self.notion_error(400, "validation_error", f"{name} is not a property that exists.")
            kind = schema[name]
            if list(value.keys()) != [kind] or not NOTION_SHAPES[kind](value[kind]):
                return self.notion_error(400, "validation_error", f"{name} is expected to be {kind}.")
        with lock:
            if page_id is None:
                page_id = str(uuid.uuid4())
            elif page_id not in state["pages"]:
                return self.notion_error(404, "object_not_found", f"Could not find page with ID: {page_id}.")
            state["pages"][page_id] = doc["properties"]
            if parent:
                state["page_parents"][page_id] = parent
        self.send(200, {"object": "page", "id": page_id, "properties": doc["properties"]})

    # ---- Webhook ------------------------------------------------------------
    def webhook(self, raw):
        if state.get("webhook_delay_ms"):
            time.sleep(state["webhook_delay_ms"] / 1000.0)
        msg_id = self.headers.get("webhook-id", "")
        entry = {"id": msg_id, "body": raw.decode("utf-8", "replace")}
        with lock:
            if state["webhook_script"]:
                entry["status"] = state["webhook_script"].pop(0)
                state["deliveries"].append(entry)
                return self.send(entry["status"], {"error": "scripted"})
        ts = self.headers.get("webhook-timestamp", "")
        key = base64.b64decode(WEBHOOK_SECRET[len("whsec_"):])
        expected = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + raw, hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split() if s.startswith("v1,")]
        ok = ts.isdigit() and abs(time.time() - int(ts)) <= 300 and any(hmac.compare_digest(g, expected) for g in given)
        entry["status"] = 204 if ok else 401
        with lock:
            state["deliveries"].append(entry)
        if not ok:
            return self.send(401, {"error": "bad signature"})
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    server.daemon_threads = True
    # SIGTERM (the harness's stop) exits at once: shutdown() from a thread
    # waited for serve_forever's next poll, and the exit for every handler
    # thread still holding a connection.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
