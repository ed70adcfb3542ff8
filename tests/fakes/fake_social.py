#!/usr/bin/env python3
"""fake_social.py: a loopback server speaking the Instagram Graph API (both
hosts) well enough to test `webox scrape-interactions` through the real binary.

Usage: fake_social.py PORT [SEED [ACCOUNT]]   (PORT 0 = pick a free port, printed
alone on the first stdout line; ACCOUNT: the Instagram account id it serves). Binds 127.0.0.1 only. SIGTERM stops it.

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

DIRECT MESSAGES (social-send). Every message the fake receives is recorded
BEFORE it answers, so a client killed while waiting still counts as having
sent it: GET /__messages lists [{"platform","recipient","text"}].
  POST /ig/vNN.0/{ig-id or me}/messages    (Instagram Login, bearer test-token)
  POST /fb/vNN.0/{PAGE_ID}/messages         (Facebook Login: the Page sends; any other
       sender in the path -> 400/100; bearer page-test-token, the Page token, else 190)
       body {"recipient":{"id": IGSID} or {"comment_id": C},"message":{"text"}}
       -> 200 {recipient_id, message_id}; text over 1000 bytes -> 100; a recipient in
       `window_closed` -> 10/2534022 (outside the 24-hour window, not recorded).
       PRIVATE REPLIES (recipient.comment_id): C must be a known comment, one of the
       generated media comments/replies or one registered with {"comments": ...};
       unknown -> 100/33 (object does not exist); 7 days old or more by the fake's
       clock -> 10/2534022; already privately replied (by an earlier send, or listed
       in `private_replied`) -> 10/2534025 (the top-level code is not documented:
       10 is this fake's choice, clients must key on the subcode). recipient_id is the
       commenter's IGSID. Recorded messages: {"platform", "host" (ig|fb), "recipient"
       (the IGSID), "recipient_kind" ("id" or "comment_id"), "comment_id", "text"}.
  POST /x/2/dm_conversations/with/{id}/messages  {"text"} -> 201 {data:{dm_conversation_id,
       dm_event_id}}; a recipient in `x_dm_refused` -> 403 problem (not recorded);
       `x-user-limit-24hour-remaining` on every answer when `x_daily_left` is set
  POST /x/2/oauth2/token  form grant_type=refresh_token&refresh_token=R&client_id=webox-client:
       R must be the current refresh token (first x-refresh-1); answers a new access
       token and a NEW refresh token (rotation: the old one is dead) and accepts
       the new access token from then on.

LINKEDIN (Community Management API) under /li: every call needs
`LinkedIn-Version: YYYYMM` (missing -> 400; older than 202401 -> 426 sunset) and
`X-Restli-Protocol-Version: 2.0.0` (else 400), bearer `li-test-token` (else 401
serviceErrorCode 65600). Organisation 5515715 has 3 posts
(GET /li/rest/posts?author=urn%3Ali%3Aorganization%3A5515715&q=author&start&count),
comments per post (GET /li/rest/socialActions/{percent-encoded urn}/comments?start&count,
paging {start,count,total}, one reply with parentComment, times in ms), reactions
(GET /li/rest/reactions/(entity:{encoded urn})?q=entity&start&count, mixed reactionType).

TIKTOK (Business API) under /tt: GET /tt/open_api/v1.3/business/video/list/ and
/business/comment/list/?business_id&video_id&cursor&max_count, header `Access-Token:
tt-test-token`; envelope {code, message, request_id, data:{comments, cursor, has_more}};
errors come as HTTP 200 with code != 0 (40105 token invalid), `create_time` is a
string, one comment per video has owner: true (the account itself).

CONTROL
  GET  /__messages   every direct message received (see above)
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
       {"x_usage_cap": 1}          the next N X calls answer 429 UsageCapExceeded (monthly cap),
                                   x-rate-limit-reset = now + 3 d 4 h
       {"x_new_reply": "POST"}     one more reply to that X post (its reply_count grows)
       {"window_closed": [IGSID]}  Instagram sends to them fail with 10/2534022
       {"now": UNIX}               the fake's clock for the 7-day private-reply rule
                                   (default: the real clock)
       {"comments": {C: {"from": IGSID, "timestamp": UNIX}}}  comments that exist
                                   (besides the generated ones), for private replies
       {"forget_comments": [C]}    those registered comments are deleted (100/33 on a private reply)
       {"private_replied": [C]}    these comments' private reply is already used
       {"send_errors": [[613, 2534040], [1, 1357046], ...]}  the next sends fail so
                                   (1/1357046 is recorded first: the message did leave)
       {"send_delay_ms": 30}       sleep after recording each message, before answering
       {"x_dm_refused": [ID]}      X sends to them answer 403
       {"x_expire_token": true}    the current X access token stops working (401)
       {"x_daily_left": N}         x-user-limit-24hour-remaining on X DM answers
       {"li_throttle": N}          the next N LinkedIn calls answer 429
       {"tt_error": [code, ...]}   the next TikTok calls answer HTTP 200 with that code
       {"deep": "error"}           every platform GET answers 400 {"error":{"message":[[[...]]]}}
                                   nested 100,000 deep (a parser's stack test); "answer": 200
                                   {"data":[[[...]]]}; null: back to normal
       {"error_body": [STATUS, DOC]}  every platform call (GET and POST) answers STATUS
                                   with DOC, e.g. an error whose fields have the wrong
                                   types ({"detail": []}); null: back to normal
"""
import calendar
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit, urlencode

ACCOUNT_ID = "17841400000000001"
USERNAME = "ma.boutique"
# The secret-hygiene test sets distinctive tokens it then hunts for.
TOKEN = os.environ.get("FAKE_ACCEPTED_TOKEN", "test-token")
X_USER = "2244994945"
X_TOKEN = os.environ.get("FAKE_ACCEPTED_X_TOKEN", "x-test-token")
X_CLIENT = "webox-client"
LI_ORG = "urn:li:organization:5515715"
LI_TOKEN = "li-test-token"
TT_TOKEN = "tt-test-token"
TT_BUSINESS = "tt-business-1"
PAGE_ID = "104000000000001"  # the Facebook Page linked to the account (Facebook Login)
PAGE_TOKEN = os.environ.get("FAKE_ACCEPTED_PAGE_TOKEN", "page-test-token")
PRIVATE_REPLY_SECONDS = 7 * 86400
MEDIA_PAGE = 2
COMMENT_PAGE = 3
TAG_PAGE = 2
DEEP_NESTING = 100_000  # {"deep": ...}: far past any parser's depth limit

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
        self.deep = None
        self.error_body = None
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
        self.x_usage_cap = 0
        self.now = None  # None: the real clock
        self.known_comments = {}  # comment id -> {"from": IGSID, "timestamp": unix}, registered by tests
        self.private_replied = set()
        self.messages = []
        self.window_closed = set()
        self.send_errors = []
        self.send_delay_ms = 0
        self.next_mid = 1
        self.x_dm_refused = set()
        self.x_tokens = {X_TOKEN}
        self.x_refresh = "x-refresh-1"
        self.x_generation = 1
        self.x_daily_left = None
        self.li_throttle = 0
        self.tt_errors = []
        self.li_posts = [{"id": f"urn:li:share:70000000000000{p}", "author": LI_ORG,
                          "commentary": f"Nouvelle offre {p}", "createdAt": (base_time - p * 3600) * 1000} for p in (1, 2, 3)]
        self.li_comments = {}
        self.li_reactions = {}
        kinds = ["LIKE", "PRAISE", "EMPATHY", "INTEREST", "APPRECIATION", "ENTERTAINMENT"]
        for i, post in enumerate(self.li_posts):
            urn = post["id"]
            activity = f"urn:li:activity:71000000000000{i}"
            cs = []
            for k in range(3 + i):
                person = f"urn:li:person:pers{(i * 3 + k) % 7}"
                cid = f"{8000 + i * 10 + k}"
                c = {"id": cid, "actor": person, "object": urn,
                     "commentUrn": f"urn:li:comment:({activity},{cid})",
                     "message": {"text": rnd.choice(PHONE_TEXTS)},
                     "created": {"actor": person, "time": (base_time + k * 60) * 1000},
                     "lastModified": {"actor": person, "time": (base_time + k * 60) * 1000}}
                if k == 1:
                    c["parentComment"] = cs[0]["commentUrn"]
                cs.append(c)
            self.li_comments[urn] = cs
            self.li_reactions[urn] = [{"id": f"urn:li:reaction:(urn:li:person:pers{r},{urn})", "reactionType": kinds[(i + r) % 6],
                                       "root": urn, "created": {"actor": f"urn:li:person:pers{r}", "time": (base_time + r) * 1000}}
                                      for r in range(2 + i)]
        self.tt_videos = [f"73000000000000{v}" for v in (1, 2)]
        self.tt_comments = {}
        for i, vid in enumerate(self.tt_videos):
            cs = []
            for k in range(5):
                u = (i * 5 + k) % 8
                cs.append({"comment_id": f"74{i}{k:04d}", "video_id": vid, "user_id": f"tt-user-{u}",
                           "unique_identifier": f"tt.fan{u}", "display_name": f"Fan {u}", "text": rnd.choice(PHONE_TEXTS),
                           "create_time": str(base_time + k * 60), "likes": k, "replies": 0, "owner": k == 2,
                           "status": "PUBLIC"})
            self.tt_comments[vid] = cs
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

    def find_comment(self, cid):
        """(commenter IGSID, unix time) of a comment or reply, or None."""
        if cid in self.known_comments:
            c = self.known_comments[cid]
            return c.get("from", ""), int(c["timestamp"])
        for cs in self.comments.values():
            for c in cs:
                for item in [c] + c.get("replies", {}).get("data", []):
                    if item["id"] == cid:
                        when = calendar.timegm(time.strptime(item["timestamp"], "%Y-%m-%dT%H:%M:%S+0000"))
                        return item.get("from", {}).get("id", ""), when
        return None

    def clock(self):
        return self.now if self.now is not None else int(time.time())

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
        li_ids = [c["commentUrn"] for cs in self.li_comments.values() for c in cs]
        li_ids += [r["id"] for rs in self.li_reactions.values() for r in rs]
        tt_ids = [c["comment_id"] for cs in self.tt_comments.values() for c in cs if not c["owner"]]
        return {"interactions": sorted(ids), "posts": {m["id"]: m.get("like_count") for m in self.media},
                "x_interactions": sorted(x_ids), "linkedin_interactions": sorted(li_ids),
                "tiktok_interactions": sorted(tt_ids)}


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

    def send_deep(self, kind):
        nest = "[" * DEEP_NESTING + "]" * DEEP_NESTING
        body = ('{"error":{"message":' + nest + '}}' if kind == "error" else '{"data":' + nest + '}').encode()
        self.send_response(400 if kind == "error" else 200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        url = urlsplit(self.path)
        raw = self.read_body()
        parts = url.path.strip("/").split("/")
        if url.path != "/__control":
            with LOCK:
                canned = STATE.error_body
            if canned:
                return self.send_json(*canned)
            with LOCK:
                STATE.requests.append({"method": "POST", "path": url.path, "query": dict(parse_qsl(url.query)),
                                       "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": raw.decode("utf-8", "replace")})
            if parts[0] in ("ig", "fb") and len(parts) == 4 and parts[3] == "messages":
                return self.ig_send(parts, raw)
            if url.path == "/x/2/oauth2/token":
                return self.x_token(raw)
            if parts[0] == "x" and len(parts) == 6 and parts[1:3] == ["2", "dm_conversations"] and parts[5] == "messages":
                return self.x_send(parts[4], raw)
            return self.send_json(404, {"error": "no route for POST " + url.path})
        body = json.loads(raw or b"{}")
        with LOCK:
            for key in ("window_closed", "x_dm_refused"):
                if key in body:
                    setattr(STATE, key, set(body[key]))
            if "send_errors" in body:
                STATE.send_errors = [list(e) for e in body["send_errors"]]
            if "send_delay_ms" in body:
                STATE.send_delay_ms = int(body["send_delay_ms"])
            if "now" in body:
                STATE.now = body["now"]
            if "comments" in body:
                STATE.known_comments.update(body["comments"])
            for cid in body.get("forget_comments", []):
                STATE.known_comments.pop(cid, None)
            if "private_replied" in body:
                STATE.private_replied |= set(body["private_replied"])
            if body.get("x_expire_token"):
                STATE.x_tokens = set()
            if "x_daily_left" in body:
                STATE.x_daily_left = body["x_daily_left"]
            if "li_throttle" in body:
                STATE.li_throttle = int(body["li_throttle"])
            if "tt_error" in body:
                STATE.tt_errors = list(body["tt_error"])
            if "deep" in body:
                STATE.deep = body["deep"]
            if "error_body" in body:
                STATE.error_body = body["error_body"]
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
            if "x_usage_cap" in body:
                STATE.x_usage_cap = int(body["x_usage_cap"])
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
        if url.path == "/__messages":
            with LOCK:
                return self.send_json(200, STATE.messages)
        parts = url.path.strip("/").split("/")
        with LOCK:
            deep, canned = STATE.deep, STATE.error_body
        if deep:
            return self.send_deep(deep)
        if canned:
            return self.send_json(*canned)
        if parts and parts[0] in ("li", "tt"):
            with LOCK:
                STATE.requests.append({"method": "GET", "path": url.path, "query": query,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}, "raw_path": self.path})
                status, doc, headers = self.route_li(url, query) if parts[0] == "li" else self.route_tt(url.path[len("/tt/"):], query)
            return self.send_json(status, doc, headers)
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
        # A Page token reads the Page's Instagram account too (Facebook Login).
        if auth != "Bearer " + TOKEN and not (host == "fb" and auth == "Bearer " + PAGE_TOKEN):
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
            if len(rest) == 1 and "mentioned_" in query.get("fields", ""):
                return 200, self.mentioned(query["fields"]), headers
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

    @staticmethod
    def mentioned(fields):
        """The account's mentioned_comment / mentioned_media field for a webhook
        mention (`mentioned_comment.comment_id(ID){...}`): made up from the id."""
        import re
        m = re.match(r"mentioned_(comment|media)\.(?:comment|media)_id\(([^)]*)\)", fields)
        if not m:
            return {"id": ACCOUNT_ID}
        kind, ident = m.groups()
        text_key = "text" if kind == "comment" else "caption"
        return {"id": ACCOUNT_ID, "mentioned_" + kind: {"id": ident, text_key: f"@{USERNAME} regardez ça, appelez-moi au 06 11 22 33 44",
                                                      "username": f"mentioner_{ident}", "timestamp": "2026-11-20T10:00:00+0000"}}

    def route_x(self, parts, query):
        if self.headers.get("Authorization", "")[len("Bearer "):] not in STATE.x_tokens:
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, {}
        if STATE.x_usage_cap > 0:
            STATE.x_usage_cap -= 1
            return 429, {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
                         "type": "https://api.twitter.com/2/problems/usage-capped", "period": "Monthly",
                         "scope": "Product"}, {"x-rate-limit-reset": str(int(time.time()) + (3 * 24 + 4) * 3600 + 30)}
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


    # ---- direct messages -----------------------------------------------------

    def answer_after_delay(self, status, doc, headers=None):
        with LOCK:
            delay = STATE.send_delay_ms
        if delay:
            time.sleep(delay / 1000)
        self.send_json(status, doc, headers)

    def ig_send(self, parts, raw):
        host, sender = parts[0], parts[2]
        token = PAGE_TOKEN if host == "fb" else TOKEN
        if self.headers.get("Authorization", "") != "Bearer " + token:
            return self.send_json(*graph_error(190, "Invalid OAuth access token - Cannot parse access token", 467))
        if host == "fb" and sender != PAGE_ID:
            return self.send_json(*graph_error(100, f"(#100) messages are sent by the Page here: /{PAGE_ID}/messages, not /{sender}/messages"))
        try:
            body = json.loads(raw)
            recipient, text = body["recipient"], body["message"]["text"]
            if not isinstance(recipient, dict) or len(recipient) != 1 or not ({"id", "comment_id"} & recipient.keys()):
                raise KeyError("recipient")
        except (ValueError, KeyError, TypeError):
            return self.send_json(*graph_error(100, "(#100) Invalid parameter"))
        comment = recipient.get("comment_id")
        with LOCK:
            if len(text.encode()) > 1000:
                return self.send_json(*graph_error(100, "(#100) Length of param message[text] must be less than or equal to 1000"))
            if comment is not None:
                found = STATE.find_comment(comment)
                if found is None:
                    return self.send_json(*graph_error(100, f"(#100) Object with ID '{comment}' does not exist", 33))
                to, when = found
                if STATE.clock() - when >= PRIVATE_REPLY_SECONDS:
                    return self.send_json(*graph_error(10, "(#10) This comment is too old for a private reply.", 2534022))
                if comment in STATE.private_replied:
                    return self.send_json(*graph_error(10, "(#10) A private reply was already sent for this comment.", 2534025))
            else:
                to = recipient["id"]
                if to in STATE.window_closed:
                    return self.send_json(*graph_error(10, "(#10) This message is sent outside of allowed window.", 2534022))
            record = {"platform": "instagram", "host": host, "recipient": to,
                      "recipient_kind": "id" if comment is None else "comment_id", "comment_id": comment, "text": text}
            err = STATE.send_errors.pop(0) if STATE.send_errors else None
            if err and err[0] == 1:  # ambiguous: the message left, the answer is broken
                STATE.messages.append(record)
                if comment is not None:
                    STATE.private_replied.add(comment)
            if err:
                code, sub = err[0], (err[1] if len(err) > 1 else None)
                status = 500 if code in (1, 2) else 400
                msg = {613: "(#613) Calls to this api have exceeded the rate limit.", 1: "An unknown error occurred",
                       10: "(#10) The account is temporarily restricted from sending messages"}.get(code, f"(#{code}) error")
                return self.send_json(*graph_error(code, msg, sub, status))
            STATE.messages.append(record)
            if comment is not None:
                STATE.private_replied.add(comment)
            mid = f"aWdfZAG1faXRlbToxOklHTWVzc2FnZA{STATE.next_mid:06d}"
            STATE.next_mid += 1
        self.answer_after_delay(200, {"recipient_id": to, "message_id": mid})

    def x_send(self, to, raw):
        if self.headers.get("Authorization", "")[len("Bearer "):] not in STATE.x_tokens:
            return self.send_json(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        try:
            text = json.loads(raw)["text"]
        except (ValueError, KeyError, TypeError):
            return self.send_json(400, {"title": "Invalid Request", "status": 400, "detail": "text is required",
                                        "type": "https://api.x.example/2/problems/invalid-request"})
        with LOCK:
            headers = {"x-rate-limit-remaining": "14", "x-rate-limit-reset": str(int(time.time()) + 900)}
            if STATE.x_daily_left is not None:
                headers["x-user-limit-24hour-remaining"] = str(STATE.x_daily_left)
            if to in STATE.x_dm_refused:
                return self.send_json(403, {"title": "Forbidden", "status": 403, "type": "about:blank",
                                            "detail": "You are not permitted to send Direct Messages to this user."}, headers)
            if STATE.send_errors:
                STATE.send_errors.pop(0)
                headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 600)})
                return self.send_json(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                            "status": 429}, headers)
            STATE.messages.append({"platform": "x", "recipient": to, "text": text})
            n = STATE.next_mid
            STATE.next_mid += 1
        self.answer_after_delay(201, {"data": {"dm_conversation_id": f"{to}-{X_USER}", "dm_event_id": f"19000000000{n:06d}"}}, headers)

    def x_token(self, raw):
        form = dict(parse_qsl(raw.decode()))
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return self.send_json(400, {"error": "invalid_request", "error_description": "form body expected"})
        with LOCK:
            if form.get("grant_type") != "refresh_token" or form.get("client_id") != X_CLIENT or form.get("refresh_token") != STATE.x_refresh:
                return self.send_json(400, {"error": "invalid_request",
                                            "error_description": "Value passed for the token was invalid."})
            STATE.x_generation += 1
            access = f"x-test-token-{STATE.x_generation}"
            STATE.x_tokens = {access}
            STATE.x_refresh = f"x-refresh-{STATE.x_generation}"
            doc = {"token_type": "bearer", "expires_in": 7200, "access_token": access, "scope": "dm.write tweet.read users.read offline.access",
                   "refresh_token": STATE.x_refresh}
        self.send_json(200, doc)

    # ---- LinkedIn ------------------------------------------------------------

    def route_li(self, url, query):
        def problem(status, code, message, text=None):
            doc = {"status": status, "serviceErrorCode": code, "message": message}
            if text:
                doc["code"] = text
            return status, doc, {}
        version = self.headers.get("LinkedIn-Version", "")
        if not version:
            return problem(400, 100, "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                           "VERSION_MISSING")
        if not (len(version) == 6 and version.isdigit()):
            return problem(400, 100, f"Invalid version {version}", "INVALID_VERSION")
        if version < "202401":
            return problem(426, 100, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
        if self.headers.get("X-Restli-Protocol-Version", "") != "2.0.0":
            return problem(400, 100, "X-Restli-Protocol-Version 2.0.0 is required by this fake")
        if self.headers.get("Authorization", "") != "Bearer " + LI_TOKEN:
            return problem(401, 65600, "Invalid access token", "INVALID_ACCESS_TOKEN")
        if STATE.li_throttle > 0:
            STATE.li_throttle -= 1
            return problem(429, 101, "Resource level throttle limit for calls to this resource is reached.", "TOO_MANY_REQUESTS")
        raw_path = url.path  # still percent-encoded: URNs must arrive encoded
        start, count = int(query.get("start", 0)), int(query.get("count", 10))

        def paged(items):
            return 200, {"paging": {"start": start, "count": count, "total": len(items), "links": []},
                         "elements": items[start:start + count]}, {}
        if raw_path == "/li/rest/posts":
            if query.get("q") != "author" or query.get("author") != LI_ORG:
                return problem(400, 100, "q=author&author=<organization urn> expected")
            return paged(STATE.li_posts)
        if raw_path.startswith("/li/rest/socialActions/") and raw_path.endswith("/comments"):
            encoded = raw_path[len("/li/rest/socialActions/"):-len("/comments")]
            if ":" in encoded:
                return problem(400, 100, "Syntax exception in path variables: the URN must be percent-encoded")
            urn = unquote(encoded)
            if urn not in STATE.li_comments:
                return problem(404, 100, f"Not found: {urn}")
            return paged(STATE.li_comments[urn])
        if raw_path.startswith("/li/rest/reactions/"):
            inner = raw_path[len("/li/rest/reactions/"):]
            if not (inner.startswith("(entity:") and inner.endswith(")")) or ":" in inner[len("(entity:"):-1]:
                return problem(400, 100, "expected /rest/reactions/(entity:<percent-encoded urn>)")
            urn = unquote(inner[len("(entity:"):-1])
            if query.get("q") != "entity" or urn not in STATE.li_reactions:
                return problem(400, 100, "q=entity expected for a known post")
            return paged(STATE.li_reactions[urn])
        return problem(404, 100, "no route " + raw_path)

    # ---- TikTok ----------------------------------------------------------------

    def route_tt(self, path, query):
        def envelope(code, message, data=None):
            doc = {"code": code, "message": message, "request_id": f"req-{len(STATE.requests)}"}
            doc["data"] = data if data is not None else {}
            return 200, doc, {}
        if self.headers.get("Access-Token", "") != TT_TOKEN:
            return envelope(40105, "The access token is invalid or has expired.")
        if STATE.tt_errors:
            code = STATE.tt_errors.pop(0)
            if code == 429:
                return 429, {"code": 40100, "message": "Too many requests", "request_id": "r429"}, {}
            return envelope(code, {40100: "Too many requests. Please retry in some time.",
                                   40105: "The access token is invalid or has expired."}.get(code, "error"))
        if query.get("business_id") != TT_BUSINESS:
            return envelope(40002, "business_id is invalid")
        if path == "open_api/v1.3/business/video/list/":
            return envelope(0, "OK", {"videos": [{"item_id": v, "create_time": 1795000000} for v in STATE.tt_videos],
                                      "cursor": 0, "has_more": False})
        if path == "open_api/v1.3/business/comment/list/":
            cs = STATE.tt_comments.get(query.get("video_id", ""))
            if cs is None:
                return envelope(40002, "video_id is invalid")
            cursor, size = int(query.get("cursor", 0)), min(int(query.get("max_count", 20)), 3)
            chunk = cs[cursor:cursor + size]
            return envelope(0, "OK", {"comments": chunk, "cursor": cursor + len(chunk), "has_more": cursor + size < len(cs)})
        return 404, {"code": 40400, "message": "no route " + path}, {}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


def main():
    global STATE, ACCOUNT_ID
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if len(sys.argv) > 3:  # another Instagram account (tests/cli/test_store_concurrency.py)
        ACCOUNT_ID = sys.argv[3]
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
