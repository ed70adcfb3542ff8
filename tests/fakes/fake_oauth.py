#!/usr/bin/env python3
"""fake_oauth.py: loopback fakes of the OAuth servers `webox auth` talks to,
speaking the documented wire formats, to drive sign-in end to end.

Usage: fake_oauth.py PORT   (0 = a free port, printed alone on the first
stdout line). Binds 127.0.0.1 only. SIGTERM stops it.

The consent pages are played by plain GETs: GET <authorize URL> answers 302 to
the request's redirect_uri with ?code=...&state=... (the state echoed), or
with ?error=access_denied&error_description=... when `deny` is set. A test's
"browser" is thus urllib following that redirect to webox's listener.

INSTAGRAM (Instagram API with Instagram Login)
  GET  /ig-www/oauth/authorize?client_id=ig-app&redirect_uri&response_type=code&scope&state
  POST /ig-api/oauth/access_token  form client_id=ig-app, client_secret=ig-secret,
       grant_type=authorization_code, redirect_uri (as authorized), code (the one
       issued, once) -> {"data":[{"access_token":"IGshort-N","user_id":"17841400000000001",
       "permissions":"instagram_business_basic,instagram_business_manage_comments"}]};
       a bad or reused code -> 400 {"error_type":"OAuthException","code":400,
       "error_message":"Invalid authorization code"}
  GET  /ig/access_token?grant_type=ig_exchange_token&client_secret=ig-secret&access_token=IGshort-N
       -> {"access_token": <ig_long_token or "IGlong-N">,"token_type":"bearer","expires_in":5184000}
  GET  /ig/refresh_access_token?grant_type=ig_refresh_token&access_token=<current long token>
       -> a new long token, expires_in 5184000, after `refresh_delay` seconds;
       `revoked` set, or an unknown token -> 400 {"error":{"message":"Error
       validating access token: The session has been invalidated...","type":
       "OAuthException","code":190,"fbtrace_id":"x"}}
X (OAuth 2.0 Authorization Code Flow with PKCE)
  GET  /x-www/i/oauth2/authorize?response_type=code&client_id=x-client&redirect_uri&scope
       &state&code_challenge&code_challenge_method=S256 (the challenge is kept with the code)
  POST /x/2/oauth2/token  grant_type=authorization_code: code, client_id, redirect_uri,
       code_verifier whose S256 is the kept challenge (else 400 invalid_request);
       grant_type=refresh_token: the current refresh token, rotated (else 400
       {"error":"invalid_grant","error_description":"Value passed for the token was invalid."})
       -> {"token_type":"bearer","expires_in":7200,"access_token","scope","refresh_token"}
LINKEDIN (3-legged OAuth)
  GET  /li-www/oauth/v2/authorization?response_type=code&client_id=li-client&redirect_uri&state&scope
  POST /li-www/oauth/v2/accessToken  grant_type=authorization_code, code, client_id,
       client_secret=li-secret, redirect_uri -> {"access_token","expires_in":5184000,
       "refresh_token","refresh_token_expires_in":31536000,"scope":"r_organization_social"}

FACEBOOK LOGIN (Instagram through a Facebook Page; Graph API v23.0)
  GET  /fb-www/dialog/oauth?client_id=fb-app&redirect_uri&state&response_type=code&scope
       (denied: ?error=access_denied&error_reason=user_denied&error_description=Permissions+error&state)
  GET  /fb/v23.0/oauth/access_token?client_id=fb-app&redirect_uri&client_secret=fb-secret&code
       -> {"access_token":"FBshort-N","token_type":"bearer","expires_in":5183}; a bad or
       reused code -> 400 Graph error code 100
  GET  /fb/v23.0/oauth/access_token?grant_type=fb_exchange_token&client_id=fb-app
       &client_secret=fb-secret&fb_exchange_token=FBshort-N
       -> {"access_token":"FBuser-N","token_type":"bearer","expires_in":5183944}
  GET  /fb/v23.0/me/accounts?fields=...&limit&after  Authorization: Bearer FBuser-N
       -> the Pages of `fb_pages` ([{"id","name","ig"?}]), ONE per answer, with
       paging.cursors.after and paging.next while more follow; each Page's
       access_token "FBpage-<id>-N" is new at every listing (fb_derives counts
       them); `revoked` or another token -> 400, code 190
  GET  /fb/v23.0/<ig id>, .../media, .../tags  Bearer: the newest Page token ->
       the account, empty pages; /fb/v23.0/me... -> 400 code 100 (a Page token's
       /me is the Page, which has no media)

GRAPH (enough for `scrape-interactions --platform instagram` to find nothing):
  GET  /ig/vNN.0/me, .../media, .../tags with `Authorization: Bearer <current long
       token>` -> the account, empty pages; `revoked` or another token -> 400, code 190

TEST HOOKS: POST /__control {"deny":true,"revoked":true,"refresh_delay":1.5,
"ig_long_token":"test-token","fb_pages":[...],"ig_expires_in":N (of refreshed tokens)}; GET /__state -> {"ig_refreshes":N,"x_refreshes":N,
"li_refreshes":N,"fb_derives":N,"requests":[{method,path}]} (paths only: never a query or body,
which hold secrets).
"""
import base64
import hashlib
import json
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "deny": False, "revoked": False, "refresh_delay": 0.0, "ig_long_token": None,
    "codes": {},              # code -> {"platform","redirect_uri","challenge"}
    "ig_short": set(), "ig_long": None, "x_refresh": None, "li_refresh": None,
    "ig_refreshes": 0, "x_refreshes": 0, "li_refreshes": 0, "counter": 0, "requests": [],
    "fb_pages": [{"id": "1111", "name": "Ma Boutique", "ig": "17841400000000011"}],
    "fb_short": set(), "fb_user": None, "fb_page_tokens": {}, "fb_derives": 0,
}

FB_100 = {"error": {"message": "Invalid verification code format.", "type": "OAuthException", "code": 100,
                    "fbtrace_id": "AbCdEf"}}
IG_190 = {"error": {"message": "Error validating access token: The session has been invalidated because the user "
                               "changed their password or Facebook has changed the session for security reasons.",
                    "type": "OAuthException", "code": 190, "fbtrace_id": "AbCdEf"}}


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def next_id():
    STATE["counter"] += 1
    return STATE["counter"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, doc, headers=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        with LOCK:
            STATE["requests"].append({"method": "GET", "path": url.path})
        if url.path == "/__state":
            with LOCK:
                doc = {k: STATE[k] for k in ("ig_refreshes", "x_refreshes", "li_refreshes", "fb_derives", "requests")}
            return self.send_json(200, doc)
        authorize = {"/ig-www/oauth/authorize": ("instagram", "ig-app"),
                     "/x-www/i/oauth2/authorize": ("x", "x-client"),
                     "/li-www/oauth/v2/authorization": ("linkedin", "li-client"),
                     "/fb-www/dialog/oauth": ("facebook", "fb-app")}
        if url.path in authorize:
            platform, client = authorize[url.path]
            if q.get("client_id") != client or q.get("response_type") != "code" or not q.get("redirect_uri"):
                return self.send_json(400, {"error": "invalid_request"})
            sep = "&" if "?" in q["redirect_uri"] else "?"
            if STATE["deny"]:
                denied = {"error": "access_denied", "error_description": "The user denied your request.",
                          "state": q.get("state", "")}
                if platform == "facebook":
                    denied.update(error_reason="user_denied", error_description="Permissions error")
                return self.redirect(q["redirect_uri"] + sep + urllib.parse.urlencode(denied))
            with LOCK:
                code = f"{platform}-code-{next_id()}"
                STATE["codes"][code] = {"platform": platform, "redirect_uri": q["redirect_uri"],
                                        "challenge": q.get("code_challenge")}
            # Instagram appends "#_" to the redirect; a browser keeps it out of the query.
            return self.redirect(q["redirect_uri"] + sep + urllib.parse.urlencode({"code": code, "state": q.get("state", "")}))
        if url.path == "/ig/access_token":
            with LOCK:
                ok = (q.get("grant_type") == "ig_exchange_token" and q.get("client_secret") == "ig-secret"
                      and q.get("access_token") in STATE["ig_short"])
                if ok:
                    STATE["ig_short"].discard(q["access_token"])
                    STATE["ig_long"] = STATE["ig_long_token"] or f"IGlong-{next_id()}"
                    token = STATE["ig_long"]
            if not ok:
                return self.send_json(400, IG_190)
            return self.send_json(200, {"access_token": token, "token_type": "bearer", "expires_in": 5184000})
        if url.path == "/ig/refresh_access_token":
            time.sleep(STATE["refresh_delay"])
            with LOCK:
                ok = (q.get("grant_type") == "ig_refresh_token" and not STATE["revoked"]
                      and q.get("access_token") == STATE["ig_long"])
                if ok:
                    STATE["ig_refreshes"] += 1
                    STATE["ig_long"] = f"IGlong-{next_id()}"
                    token = STATE["ig_long"]
            if not ok:
                return self.send_json(400, IG_190)
            return self.send_json(200, {"access_token": token, "token_type": "bearer",
                                        "expires_in": STATE.get("ig_expires_in", 5184000)})
        if url.path.startswith("/ig/v"):
            return self.graph(url.path)
        if url.path == "/fb/v23.0/oauth/access_token":
            return self.fb_token(q)
        if url.path == "/fb/v23.0/me/accounts":
            return self.fb_accounts(q)
        if url.path.startswith("/fb/v23.0/"):
            return self.fb_graph(url.path)
        return self.send_json(404, {"error": "not found"})

    def fb_token(self, q):
        if q.get("client_id") != "fb-app" or q.get("client_secret") != "fb-secret":
            return self.send_json(400, {"error": {"message": "Error validating client secret.", "type": "OAuthException",
                                                  "code": 1, "fbtrace_id": "x"}})
        with LOCK:
            if q.get("grant_type") == "fb_exchange_token":
                ok = q.get("fb_exchange_token") in STATE["fb_short"]
                if ok:
                    STATE["fb_short"].discard(q["fb_exchange_token"])
                    STATE["fb_user"] = f"FBuser-{next_id()}"
                    doc = {"access_token": STATE["fb_user"], "token_type": "bearer", "expires_in": 5183944}
            else:
                entry = STATE["codes"].pop(q.get("code", ""), None)
                ok = bool(entry and entry["platform"] == "facebook" and entry["redirect_uri"] == q.get("redirect_uri"))
                if ok:
                    short = f"FBshort-{next_id()}"
                    STATE["fb_short"].add(short)
                    doc = {"access_token": short, "token_type": "bearer", "expires_in": 5183}
        if not ok:
            return self.send_json(400, FB_100 if q.get("grant_type") != "fb_exchange_token" else IG_190)
        return self.send_json(200, doc)

    def fb_accounts(self, q):
        with LOCK:
            ok = (not STATE["revoked"] and STATE["fb_user"] is not None
                  and self.headers.get("Authorization") == f"Bearer {STATE['fb_user']}")
            if ok:
                pages = STATE["fb_pages"]
                i = int(q.get("after", "0") or 0)
                data = []
                if i < len(pages):
                    p = pages[i]
                    token = f"FBpage-{p['id']}-{next_id()}"
                    STATE["fb_page_tokens"][p["id"]] = token
                    STATE["fb_derives"] += 1
                    data.append({"id": p["id"], "name": p["name"], "access_token": token, "category": "Shopping",
                                 "tasks": ["MANAGE", "CREATE_CONTENT", "MODERATE"]})
                    if p.get("ig"):
                        data[0]["instagram_business_account"] = {"id": p["ig"]}
                doc = {"data": data, "paging": {"cursors": {"before": str(i), "after": str(i + 1)}}}
                if i + 1 < len(pages):
                    doc["paging"]["next"] = "https://graph.facebook.com/v23.0/me/accounts?after=" + str(i + 1)
        if not ok:
            return self.send_json(400, IG_190)
        return self.send_json(200, doc)

    def fb_graph(self, path):
        """A Page token on graph.facebook.com: the Instagram account by its id."""
        with LOCK:
            ok = (not STATE["revoked"]
                  and self.headers.get("Authorization") in {f"Bearer {t}" for t in STATE["fb_page_tokens"].values()})
        if not ok:
            return self.send_json(400, IG_190)
        if path.startswith("/fb/v23.0/me"):
            return self.send_json(400, {"error": {"message": "(#100) Tried accessing nonexisting field (media) on node "
                                                             "type (Page)", "type": "OAuthException", "code": 100}})
        if path.endswith("/media") or path.endswith("/tags"):
            return self.send_json(200, {"data": []})
        return self.send_json(200, {"id": path.rsplit("/", 1)[-1], "username": "ma.boutique"})

    def graph(self, path):
        """Just enough Graph API for a collection with nothing in it."""
        with LOCK:
            ok = not STATE["revoked"] and self.headers.get("Authorization") == f"Bearer {STATE['ig_long']}"
        if not ok:
            return self.send_json(400, IG_190)
        if path.endswith("/media") or path.endswith("/tags"):
            return self.send_json(200, {"data": []})
        return self.send_json(200, {"id": "17841400000000001", "username": "ma.boutique"})

    def take_code(self, form, platform):
        with LOCK:
            entry = STATE["codes"].pop(form.get("code", ""), None)
        if not entry or entry["platform"] != platform or entry["redirect_uri"] != form.get("redirect_uri"):
            return None
        return entry

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        form = self.form() if url.path != "/__control" else None
        with LOCK:
            STATE["requests"].append({"method": "POST", "path": url.path})
        if url.path == "/__control":
            n = int(self.headers.get("Content-Length") or 0)
            doc = json.loads(self.rfile.read(n) or b"{}")
            with LOCK:
                STATE.update(doc)
            return self.send_json(200, {})
        if url.path == "/ig-api/oauth/access_token":
            entry = None
            if (form.get("client_id") == "ig-app" and form.get("client_secret") == "ig-secret"
                    and form.get("grant_type") == "authorization_code"):
                entry = self.take_code(form, "instagram")
            if not entry:
                return self.send_json(400, {"error_type": "OAuthException", "code": 400,
                                            "error_message": "Invalid authorization code"})
            with LOCK:
                short = f"IGshort-{next_id()}"
                STATE["ig_short"].add(short)
            return self.send_json(200, {"data": [{"access_token": short, "user_id": "17841400000000001",
                                                  "permissions": "instagram_business_basic,instagram_business_manage_comments"}]})
        if url.path == "/x/2/oauth2/token":
            if form.get("client_id") != "x-client":
                return self.send_json(401, {"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
            if form.get("grant_type") == "authorization_code":
                entry = self.take_code(form, "x")
                if not entry:
                    return self.send_json(400, {"error": "invalid_request",
                                                "error_description": "Value passed for the authorization code was invalid."})
                if not entry["challenge"] or s256(form.get("code_verifier", "")) != entry["challenge"]:
                    return self.send_json(400, {"error": "invalid_request",
                                                "error_description": "Value passed for the code verifier did not match."})
            elif form.get("grant_type") == "refresh_token":
                time.sleep(STATE["refresh_delay"])
                with LOCK:
                    ok = not STATE["revoked"] and form.get("refresh_token") == STATE["x_refresh"]
                    if ok:
                        STATE["x_refreshes"] += 1
                if not ok:
                    return self.send_json(400, {"error": "invalid_grant",
                                                "error_description": "Value passed for the token was invalid."})
            else:
                return self.send_json(400, {"error": "unsupported_grant_type"})
            with LOCK:
                n = next_id()
                STATE["x_refresh"] = f"x-refresh-{n}"
            return self.send_json(200, {"token_type": "bearer", "expires_in": 7200, "access_token": f"x-access-{n}",
                                        "scope": "tweet.read users.read offline.access", "refresh_token": f"x-refresh-{n}"})
        if url.path == "/li-www/oauth/v2/accessToken":
            if form.get("client_id") != "li-client" or form.get("client_secret") != "li-secret":
                return self.send_json(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
            if form.get("grant_type") == "authorization_code":
                if not self.take_code(form, "linkedin"):
                    return self.send_json(400, {"error": "invalid_request",
                                                "error_description": "Unable to retrieve access token: authorization code not found"})
            elif form.get("grant_type") == "refresh_token":
                with LOCK:
                    ok = not STATE["revoked"] and form.get("refresh_token") == STATE["li_refresh"]
                    if ok:
                        STATE["li_refreshes"] += 1
                if not ok:
                    return self.send_json(400, {"error": "invalid_grant", "error_description": "The provided refresh token is invalid"})
            with LOCK:
                n = next_id()
                if STATE["li_refresh"] is None:
                    STATE["li_refresh"] = f"li-refresh-{n}"
            return self.send_json(200, {"access_token": f"li-access-{n}", "expires_in": 5184000,
                                        "refresh_token": STATE["li_refresh"], "refresh_token_expires_in": 31536000,
                                        "scope": "r_organization_social"})
        return self.send_json(404, {"error": "not found"})


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
