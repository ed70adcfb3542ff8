#!/usr/bin/env python3
"""fake_social.py: a loopback server speaking the Instagram Graph API (both
hosts) well enough to test `webox scrape-interactions` through the real binary.

Usage: fake_social.py PORT [SEED]   (PORT 0 = pick a free port, printed alone on
the first stdout line). Binds 127.0.0.1 only. SIGTERM stops it.

HOSTS. One server plays both Graph hosts, told apart by a path prefix:
  /ig/vNN.0/...   graph.instagram.com (Instagram Login; accepts /me)
  /fb/vNN.0/...   graph.facebook.com  (Facebook Login; /me is refused with code 100,
                  as a Facebook user token's "me" is not the IG user)
Any vNN.0 version prefix is accepted. The token must come as
`Authorization: Bearer test-token` (else 400, code 190 subcode 467).

DATA (deterministic from SEED, default 1). The account (id 17841400000000001,
username ma.boutique) has 5 media, served 2 per page, newest first; one media
hides its like_count, one is a CAROUSEL_ALBUM. Each media has comments served
3 per page with nested `replies`, French phone formats in the texts (spaces,
dots, +33 (0)6, 0033, NBSP, narrow NBSP), accents and an emoji; one comment
is by the account itself (to be skipped) and one has no `from` (permission
case: username only). Pages carry `paging.cursors.after` and an absolute
`paging.next` URL embedding the access token (the client must not follow it
blindly). /tags lists 3 media where the account is tagged (2 pages).

X API v2 under /x (X_API_BASE_URL=<fake>/x): bearer `x-test-token` (else 401
problem). User 2244994945 has 3 posts (2 per page, `meta.next_token` /
`pagination_token`), replies found by `/2/tweets/search/recent?query=
conversation_id:ID` (2 per page, `next_token`, `includes.users`), liking users
per post, and 3 mentions (`since_id` honoured). A page with no results has no
`data` and `result_count: 0`.

CONTROL
  GET  /__requests   every request so far: [{"method","path","query","headers"}]
  GET  /__truth      {"interactions": [platform ids the client must end up with],
                      "posts": {media id: like_count or null}}
  POST /__control    JSON, any of:
       {"throttle": [4, 17, ...]}  the next N Graph calls answer HTTP 400 with
                                   that throttling code (80002 with subcode 2446079
                                   and an X-Business-Use-Case-Usage header)
       {"expire": true}            every call answers 190/463 "Session has expired"
       {"delay_ms": 40}            sleep before answering each Graph call
       {"add_comments": {"MEDIA": 2}}  new comments arrive on a media (count changes)
       {"usage_high": true}        X-App-Usage at 91 % on the next answer
       {"reset_requests": true}
       {"x_rate_limit": 1}         the next N X calls answer 429 with x-rate-limit-reset = now + 1
       {"x_new_reply": "POST"}     one more reply to that X post (its reply_count grows)
"""
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit, urlencode

ACCOUNT_ID = "17841400000000001"
USERNAME = "ma.boutique"
# The secret-hygiene test sets distinctive tokens it then hunts for.
TOKEN = os.environ.get("FAKE_ACCEPTED_TOKEN", "test-token")
X_USER = "2244994945"
X_TOKEN = os.environ.get("FAKE_ACCEPTED_X_TOKEN", "x-test-token")
MEDIA_PAGE = 2
COMMENT_PAGE = 3
TAG_PAGE = 2

PHONE_TEXTS = [
    "Bonjour, c'est dispo ? Mon numéro : 06 12 34 56 78",
    "Prix svp ? 07.98.76.54.32",
    "+33 (0)6 11 22 33 44 appelez-moi 😀",
    "Tél 0033 6 55 44 33 22",
    "06\u00a023\u00a045\u00a067\u00a089 merci",
    "06\u202f98\u202f76\u202f54\u202f32 à bientôt",
    "Trop beau ! Commande n° 0612345678 reçue",
    "Magnifique 😍 élégant et très réussi",
    "Combien pour la livraison à Besançon ?",
    "J'adore ❤️",
]

LOCK = threading.Lock()


class State:
    def __init__(self, seed):
        rnd = random.Random(seed)
        self.requests = []
        self.throttle = []
        self.expire = False
        self.delay_ms = 0
        self.usage_high = False
        self.media = []
        self.comments = {}  # media id -> list of comment dicts, newest first
        self.next_comment = 1
        base_time = 1795000000  # 2026-11-18
        for i in range(5):
            mid = f"1790000000000{i + 1:04d}"
            m = {"id": mid, "caption": f"Nouveau modèle n°{i + 1} ✨", "media_type": "CAROUSEL_ALBUM" if i == 1 else "IMAGE",
                 "timestamp": self.ts(base_time - i * 86400), "permalink": f"https://instagram.example/p/FAKE{i}/",
                 "like_count": 10 + i * 7}
            if i == 2:
                del m["like_count"]  # hidden likes: the field is omitted, not zero
            self.media.append(m)
            self.comments[mid] = []
            for k in range(5 + i):
                self.add_comment(mid, rnd, base_time - i * 86400 + 600 + k * 60, self_comment=(i == 0 and k == 2),
                                 no_from=(i == 1 and k == 0))
        self.x_rate_limit = 0
        self.x_users = {f"30{k:06d}": {"id": f"30{k:06d}", "username": f"x.user{k}", "name": f"Utilisateur {k}"} for k in range(1, 8)}
        self.x_tweets = [{"id": f"18000000000000000{t}", "text": f"Nouvelle collection {t}", "author_id": X_USER,
                          "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(base_time - t * 3600))} for t in (3, 2, 1)]
        self.x_replies = {}
        self.x_likers = {}
        self.x_next = 1
        for i, tw in enumerate(self.x_tweets):
            self.x_replies[tw["id"]] = []
            for k in range(i + 2):
                self.x_add_reply(tw["id"], rnd)
            self.x_likers[tw["id"]] = [f"30{k:06d}" for k in range(1, 2 + i * 2)]
        self.x_mentions = [{"id": f"18100000000000000{m}", "text": f"@ma_boutique bravo ! {m}", "author_id": f"30{m:06d}",
                            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(base_time - m * 60))} for m in (3, 2, 1)]
        self.tags = [{"id": f"1791000000000{t:04d}", "caption": f"Merci @{USERNAME} pour la robe ! tag {t}",
                      "timestamp": self.ts(base_time - t * 3600), "username": f"fan.{t}",
                      "permalink": f"https://instagram.example/p/TAG{t}/"} for t in range(3)]

    def x_add_reply(self, root, rnd):
        n = self.x_next
        self.x_next += 1
        author = f"30{rnd.randint(1, 7):06d}"
        existing = self.x_replies[root]
        parent = existing[-1]["id"] if existing and rnd.random() < 0.3 else root
        self.x_replies[root].insert(0, {"id": f"1802{n:015d}", "text": f"Dispo ? 06 12 34 56 {10 + n}", "author_id": author,
                                        "conversation_id": root, "created_at": "2026-11-18T10:00:00.000Z",
                                        "referenced_tweets": [{"type": "replied_to", "id": parent}]})

    @staticmethod
    def ts(unix):
        return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(unix))

    def add_comment(self, mid, rnd, when, self_comment=False, no_from=False):
        n = self.next_comment
        self.next_comment += 1
        user = rnd.randint(1, 12)
        c = {"id": f"1785{n:011d}", "text": rnd.choice(PHONE_TEXTS), "timestamp": self.ts(when),
             "username": f"client.{user}", "from": {"id": f"99{user:08d}", "username": f"client.{user}"},
             "like_count": rnd.randint(0, 3)}
        if self_comment:
            c["username"] = USERNAME
            c["from"] = {"id": ACCOUNT_ID, "username": USERNAME}
            c["text"] = "Merci à vous !"
        if no_from:
            del c["from"]
        if rnd.random() < 0.5:
            r = self.next_comment
            self.next_comment += 1
            ruser = rnd.randint(1, 12)
            c["replies"] = {"data": [{"id": f"1786{r:011d}", "text": "Moi aussi intéressée, 06 44 55 66 77",
                                      "timestamp": self.ts(when + 30), "username": f"client.{ruser}",
                                      "from": {"id": f"99{ruser:08d}", "username": f"client.{ruser}"},
                                      "parent_id": c["id"]}]}
        self.comments[mid].insert(0, c)  # newest first

    def comments_count(self, mid):
        return sum(1 + len(c.get("replies", {}).get("data", [])) for c in self.comments[mid])

    def truth(self):
        ids = []
        for mid, cs in self.comments.items():
            for c in cs:
                if c.get("from", {}).get("id") != ACCOUNT_ID:
                    ids.append(c["id"])
                for r in c.get("replies", {}).get("data", []):
                    ids.append(r["id"])
        ids += ["tag:" + t["id"] for t in self.tags]
        x_ids = [r["id"] for rs in self.x_replies.values() for r in rs]
        x_ids += [f"like:{t}:{u}" for t, us in self.x_likers.items() for u in us]
        x_ids += [m["id"] for m in self.x_mentions]
        return {"interactions": sorted(ids), "posts": {m["id"]: m.get("like_count") for m in self.media},
                "x_interactions": sorted(x_ids)}


STATE = None


def graph_error(code, message, subcode=None, status=400):
    err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Tfake"}
    if subcode:
        err["error_subcode"] = subcode
    return status, {"error": err}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, doc, headers=None):
        body = json.dumps(doc, ensure_ascii=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        url = urlsplit(self.path)
        body = json.loads(self.read_body() or b"{}")
        if url.path != "/__control":
            return self.send_json(404, {"error": "no route for POST " + url.path})
        with LOCK:
            if "throttle" in body:
                STATE.throttle = list(body["throttle"])
            if "expire" in body:
                STATE.expire = bool(body["expire"])
            if "delay_ms" in body:
                STATE.delay_ms = int(body["delay_ms"])
            if "usage_high" in body:
                STATE.usage_high = bool(body["usage_high"])
            if "x_rate_limit" in body:
                STATE.x_rate_limit = int(body["x_rate_limit"])
            if "x_new_reply" in body:
                STATE.x_add_reply(body["x_new_reply"], random.Random(STATE.x_next))
            if body.get("reset_requests"):
                STATE.requests = []
            rnd = random.Random(len(STATE.requests) + STATE.next_comment)
            for mid, n in body.get("add_comments", {}).items():
                for _ in range(n):
                    STATE.add_comment(mid, rnd, int(time.time()))
        self.send_json(200, {"ok": True})

    def do_GET(self):
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        if url.path == "/__requests":
            with LOCK:
                return self.send_json(200, STATE.requests)
        if url.path == "/__truth":
            with LOCK:
                return self.send_json(200, STATE.truth())
        parts = url.path.strip("/").split("/")
        if parts and parts[0] == "x":
            with LOCK:
                STATE.requests.append({"method": "GET", "path": url.path, "query": query,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}})
                status, doc, headers = self.route_x(parts[1:], query)
            return self.send_json(status, doc, headers)
        if len(parts) < 3 or parts[0] not in ("ig", "fb") or not (parts[1].startswith("v") and parts[1].endswith(".0")):
            return self.send_json(404, {"error": "no route for GET " + url.path})
        with LOCK:
            STATE.requests.append({"method": "GET", "path": url.path, "query": query,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}})
            delay = STATE.delay_ms
        if delay:
            time.sleep(delay / 1000)
        host, version, rest = parts[0], parts[1], parts[2:]
        with LOCK:
            status, doc, headers = self.route(host, version, rest, query)
        self.send_json(status, doc, headers)

    def route(self, host, version, rest, query):
        auth = self.headers.get("Authorization", "")
        if "access_token" in query:
            return (*graph_error(100, "access_token in the query string is not accepted by this fake"), {})
        if STATE.expire:
            return (*graph_error(190, "Error validating access token: Session has expired on Sunday, 22-Nov-26 10:00:00 PST. "
                                      "The current time is Monday, 23-Nov-26 02:00:00 PST.", 463), {})
        if auth != "Bearer " + TOKEN:
            return (*graph_error(190, "Invalid OAuth access token - Cannot parse access token", 467), {})
        if STATE.throttle:
            code = STATE.throttle.pop(0)
            headers = {"X-Business-Use-Case-Usage": json.dumps({ACCOUNT_ID: [
                {"type": "instagram", "call_count": 100, "total_cputime": 12, "total_time": 20,
                 "estimated_time_to_regain_access": 1}]})}
            if code == 80002:
                return (*graph_error(80002, "(#80002) There have been too many calls to this Instagram account.", 2446079), headers)
            return (*graph_error(code, f"(#{code}) Application request limit reached"), headers)
        headers = {}
        if STATE.usage_high:
            STATE.usage_high = False
            headers["X-App-Usage"] = json.dumps({"call_count": 91, "total_cputime": 10, "total_time": 12})
        base = f"http://127.0.0.1:{self.server.server_address[1]}/{host}/{version}"
        who = rest[0]
        if who == "me" and host == "fb":
            return (*graph_error(100, "(#100) Tried accessing nonexisting field (media) on node type (User)"), {})
        if who in ("me", ACCOUNT_ID):
            if len(rest) == 1:
                return 200, {"id": ACCOUNT_ID, "username": USERNAME}, headers
            if rest[1] == "media":
                return (200, *self.page(STATE.media, query, MEDIA_PAGE, f"{base}/{who}/media", headers))
            if rest[1] == "tags":
                return (200, *self.page(STATE.tags, query, TAG_PAGE, f"{base}/{who}/tags", headers))
        if len(rest) == 2 and rest[1] == "comments" and who in STATE.comments:
            if "replies{" not in query.get("fields", ""):
                return (*graph_error(100, "replies must be requested by field expansion in this fake"), {})
            return (200, *self.page(STATE.comments[who], query, COMMENT_PAGE, f"{base}/{who}/comments", headers))
        return (*graph_error(100, f"Unsupported get request. Object with ID '{who}' does not exist"), {})

    def route_x(self, parts, query):
        if self.headers.get("Authorization", "") != "Bearer " + X_TOKEN:
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, {}
        if STATE.x_rate_limit > 0:
            STATE.x_rate_limit -= 1
            return 429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}, {
                "x-rate-limit-limit": "75", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 1)}
        path = "/".join(parts)
        users = lambda ids: [STATE.x_users[i] for i in ids if i in STATE.x_users]
        if path == "2/users/me":
            return 200, {"data": {"id": X_USER, "username": "ma_boutique", "name": "Ma Boutique"}}, {}
        if path == f"2/users/{X_USER}/tweets":
            items = [dict(t, public_metrics={"like_count": len(STATE.x_likers[t["id"]]), "reply_count": len(STATE.x_replies[t["id"]]),
                                             "retweet_count": 0, "quote_count": 0}) for t in STATE.x_tweets]
            return (200, *self.x_page(items, query, "pagination_token", 2, None))
        if path == "2/tweets/search/recent":
            q = query.get("query", "")
            if not q.startswith("conversation_id:"):
                return 400, {"title": "Invalid Request", "status": 400, "detail": "query must be conversation_id:ID"}, {}
            replies = STATE.x_replies.get(q.split(":", 1)[1], [])
            return (200, *self.x_page(replies, query, "next_token", 2, users({r["author_id"] for r in replies})))
        if len(parts) == 4 and parts[1] == "tweets" and parts[3] == "liking_users":
            likers = users(STATE.x_likers.get(parts[2], []))
            return (200, *self.x_page(likers, query, "pagination_token", 2, None))
        if path == f"2/users/{X_USER}/mentions":
            items = [m for m in STATE.x_mentions if not query.get("since_id") or int(m["id"]) > int(query["since_id"])]
            return (200, *self.x_page(items, query, "pagination_token", 2, users({m["author_id"] for m in items})))
        return 404, {"title": "Not Found Error", "status": 404, "detail": "no route " + path}, {}

    def x_page(self, items, query, token_param, size, include_users):
        start = int(query.get(token_param, "t0")[1:] or 0)
        chunk = items[start:start + size]
        doc = {"meta": {"result_count": len(chunk)}}
        if chunk:
            doc["data"] = chunk
        if include_users:
            doc["includes"] = {"users": include_users}
        if start + size < len(items):
            doc["meta"]["next_token"] = f"t{start + size}"
        return doc, {"x-rate-limit-remaining": "74", "x-rate-limit-reset": str(int(time.time()) + 900)}

    def page(self, items, query, size, url, headers):
        after = query.get("after")
        start = 0
        if after:
            try:
                start = int(after[1:]) if after.startswith("c") else -1
            except ValueError:
                start = -1
            if start < 0 or start > len(items):
                return {"error": {"message": "Invalid cursor", "type": "OAuthException", "code": 100,
                                  "fbtrace_id": "Tc"}}, headers
        chunk = [dict(i) for i in items[start:start + size]]
        for item in chunk:
            if item.get("id") in STATE.comments:
                item["comments_count"] = STATE.comments_count(item["id"])
        doc = {"data": chunk, "paging": {"cursors": {"before": f"c{start}", "after": f"c{start + len(chunk)}"}}}
        if start + size < len(items):
            q = {k: v for k, v in query.items() if k != "after"}
            q.update({"after": f"c{start + len(chunk)}", "access_token": TOKEN})
            doc["paging"]["next"] = url + "?" + urlencode(q)
        return doc, headers


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


def main():
    global STATE
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    STATE = State(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
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
