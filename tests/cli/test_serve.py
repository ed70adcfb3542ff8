#!/usr/bin/env python3
"""`webox serve` through the real binary, on loopback only: signed Instagram
deliveries (HMAC-SHA256 with a test secret, built here) become interactions,
people and leads; replays are stored once; every refusal has its status and
is counted; kill -9 under load loses no acknowledged delivery; SIGTERM drains
and exits 0; secrets never reach the logs."""
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

from harness import WEBOX, WeboxTestCase, main

SECRET = "test-app-secret-9f8e7d"
VERIFY = "test-verify-token-1a2b3c"
ACCOUNT = "17841400000000001"


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def comment_delivery(cid, text, user_id="901", username="alice", media="M1", parent=None):
    value = {"id": cid, "text": text, "from": {"id": user_id, "username": username}, "media": {"id": media}}
    if parent:
        value["parent_id"] = parent
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1764000000,
                                              "changes": [{"field": "comments", "value": value}]}]}


def mention_delivery(comment_id, media="M2"):
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1764000000,
                                              "changes": [{"field": "mentions", "value": {"media_id": media, "comment_id": comment_id}}]}]}


def message_delivery(mid, sender, text, echo=False):
    message = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1764000000000, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": ACCOUNT}, "timestamp": 1764000000123, "message": message}]}]}


class Serve:
    """A running `webox serve --listen 127.0.0.1:0` and its address."""

    def __init__(self, case, *extra, env=None):
        e = dict(case.env)
        e.update(env or {})
        self.proc = subprocess.Popen([WEBOX, *extra, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"serve did not start: {line!r} {self.proc.stderr.read()!r}")
        self.port = int(m.group(1))

    def request(self, method, path, body=b"", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        out = (r.status, r.read().decode(), dict(r.getheaders()))
        c.close()
        return out

    def deliver(self, doc, signature=None, raw=None):
        body = raw if raw is not None else json.dumps(doc).encode()
        headers = {"Content-Type": "application/json"}
        sig = sign(body) if signature is None else signature
        if sig:
            headers["X-Hub-Signature-256"] = sig
        return self.request("POST", "/webhooks/instagram", body, headers)

    def metrics(self):
        status, text, _ = self.request("GET", "/metrics")
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def wait_processed(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.metrics()
            if m.get("webox_serve_processed_total", 0) + m.get("webox_serve_failed_total", 0) >= n and \
                    m.get("webox_serve_queue_depth", 1) == 0:
                return m
            time.sleep(0.05)
        raise AssertionError(f"not processed in time: {self.metrics()}")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err


class ServeCase(WeboxTestCase):
    def setUp(self):
        super().setUp()
        self.env.update({"INSTAGRAM_APP_SECRET": SECRET, "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": VERIFY})
        self.write_config("leads:\n  threshold: 1\n")
        self.serves = []

    def tearDown(self):
        for s in self.serves:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.communicate()
        super().tearDown()

    def serve(self, *extra, env=None):
        s = Serve(self, *extra, env=env)
        self.serves.append(s)
        return s

    def interactions(self):
        return sorted(self.store_rows("SELECT platform_id, kind FROM interactions WHERE platform = 'instagram'"))

    def deliveries(self):
        return self.store_rows("SELECT count(*) FROM webhook_deliveries")[0][0]


class ServeDeliveryTest(ServeCase):
    def test_comments_mentions_messages_become_leads(self):
        fake = self.start_instagram_fake()
        s = self.serve()
        self.assertEqual(s.deliver(comment_delivery("C1", "Combien ? appelez-moi au 06 12 34 56 78"))[0], 200)
        self.assertEqual(s.deliver(comment_delivery("C2", "et moi", user_id="902", username="bob", parent="C1"))[0], 200)
        self.assertEqual(s.deliver(mention_delivery("C9"))[0], 200)
        self.assertEqual(s.deliver(message_delivery("mid.1", "903", "Bonjour, quel prix ?"))[0], 200)
        self.assertEqual(s.deliver(message_delivery("mid.2", ACCOUNT, "our echo", echo=True))[0], 200)
        # Unknown fields, objects and events are accepted and skipped.
        self.assertEqual(s.deliver({"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1, "novel": {"x": 1},
                                                                      "changes": [{"field": "story_insights", "value": {}}]}]})[0], 200)
        self.assertEqual(s.deliver({"object": "page", "entry": []})[0], 200)
        m = s.wait_processed(7)
        self.assertEqual(m["webox_serve_processed_total"], 7)
        self.assertEqual(m["webox_serve_deliveries_accepted_total"], 7)
        code, err = s.stop()
        self.assertEqual(code, 0, err)
        self.assertEqual(self.interactions(), [("C1", "comment"), ("C2", "reply"), ("dm:mid.1", "dm"), ("mention:C9", "mention")])
        mention_reads = [r for r in fake.requests() if "mentioned_comment" in r["query"].get("fields", "")]
        self.assertEqual(len(mention_reads), 1)
        leads = json.loads(self.webox("leads", "list", "--json", check=0).out)
        names = {l.get("username") for l in leads}
        self.assertIn("alice", names)
        self.assertIn("mentioner_C9", names)
        self.assertIn("+33612345678", {p for l in leads for p in l["phones"]})
        shown = json.loads(self.webox("leads", "show", "@alice", "--json", check=0).out)
        self.assertTrue(shown["id"])

    def test_replayed_delivery_is_stored_once(self):
        s = self.serve()
        doc = comment_delivery("C1", "bonjour")
        self.assertEqual(s.deliver(doc)[:2], (200, "stored\n"))
        self.assertEqual(s.deliver(doc)[:2], (200, "duplicate\n"))
        m = s.wait_processed(1)
        self.assertEqual(m["webox_serve_deliveries_duplicate_total"], 1)
        # The same comment in another envelope (Meta retries, or a second
        # subscription): stored as a second delivery, one interaction.
        other = comment_delivery("C1", "bonjour")
        other["entry"][0]["time"] = 1764000001
        self.assertEqual(s.deliver(other)[:2], (200, "stored\n"))
        s.wait_processed(2)
        self.assertEqual(s.stop()[0], 0)
        self.assertEqual(self.deliveries(), 2)
        self.assertEqual(self.interactions(), [("C1", "comment")])

    def test_a_delivery_the_worker_cannot_process_is_parked_after_its_attempts(self):
        # A mention needs the Graph API, and no access token is set: the
        # plugin fails each attempt.
        self.write_config("leads:\n  threshold: 1\nserve:\n  max_attempts: 1\n")
        s = self.serve()
        self.assertEqual(s.deliver(mention_delivery("C5"))[0], 200)
        m = s.wait_processed(1)
        self.assertEqual(m["webox_serve_failed_total"], 1)
        self.assertEqual(m["webox_serve_queue_failed"], 1)
        code, err = s.stop()
        self.assertEqual(code, 0)
        self.assertIn("parked as failed", err)
        self.assertEqual(self.store_rows("SELECT state FROM webhook_deliveries"), [("failed",)])


class ServeRefusalTest(ServeCase):
    def test_every_refusal_has_its_status_and_is_counted_and_nothing_is_stored(self):
        s = self.serve()
        doc = comment_delivery("C1", "hello")
        body = json.dumps(doc).encode()
        self.assertEqual(s.deliver(doc, signature="")[0], 401)                         # missing
        self.assertEqual(s.deliver(doc, signature=sign(body, "other-secret"))[0], 401)  # wrong key
        self.assertEqual(s.deliver(doc, signature="sha1=abc")[0], 401)                  # malformed
        tampered = body.replace(b"hello", b"hellO")
        self.assertEqual(s.deliver(None, signature=sign(body), raw=tampered)[0], 401)   # body changed
        self.assertEqual(s.deliver(None, raw=b"{\"object\": \"instagram\", ")[0], 400)  # bad JSON, signed
        self.assertEqual(s.deliver(None, raw=b"[1, 2]")[0], 400)                        # not an object
        self.assertEqual(s.request("POST", "/webhooks/tiktok", body, {"X-Hub-Signature-256": sign(body)})[0], 404)
        self.assertEqual(s.request("GET", "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=123")[0], 403)
        self.assertEqual(s.request("GET", "/webhooks/instagram?hub.mode=subscribe&hub.challenge=123")[0], 403)
        status, text, _ = s.request("GET", f"/webhooks/instagram?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444")
        self.assertEqual((status, text), (200, "1158201444"))
        self.assertEqual(s.request("GET", "/healthz")[:2], (200, "ok\n"))
        m = s.metrics()
        self.assertEqual(m['webox_serve_deliveries_rejected_total{reason="signature"}'], 4)
        self.assertEqual(m['webox_serve_deliveries_rejected_total{reason="json"}'], 2)
        self.assertEqual(m['webox_serve_deliveries_rejected_total{reason="unknown_platform"}'], 1)
        self.assertEqual(m['webox_serve_deliveries_rejected_total{reason="verify"}'], 2)
        self.assertEqual(m["webox_serve_deliveries_accepted_total"], 0)
        self.assertEqual(s.stop()[0], 0)
        self.assertEqual(self.deliveries(), 0)

    def test_oversize_and_truncated_bodies(self):
        self.write_config("leads:\n  threshold: 1\nserve:\n  max_body_bytes: 2048\n")
        s = self.serve()
        big = json.dumps(comment_delivery("C1", "x" * 4000)).encode()
        self.assertEqual(s.deliver(None, raw=big)[0], 413)
        # Refused from Content-Length alone, before the body is sent.
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"POST /webhooks/instagram HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
                     b"X-Hub-Signature-256: sha256=" + b"0" * 64 + b"\r\n\r\n")
        self.assertIn(b" 413 ", sock.recv(200))
        sock.close()
        # Chunked, growing past the limit while read.
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"POST /webhooks/instagram HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(4):
                sock.sendall(b"400\r\n" + b"a" * 1024 + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        self.assertIn(b" 413 ", sock.recv(200))
        sock.close()
        # Truncated: fewer bytes than Content-Length, then the sender gives up.
        body = json.dumps(comment_delivery("C2", "hi")).encode()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"POST /webhooks/instagram HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nX-Hub-Signature-256: %s\r\n\r\n"
                     % (len(body), sign(body).encode()) + body[:20])
        sock.shutdown(socket.SHUT_WR)
        sock.recv(200)
        sock.close()
        time.sleep(0.3)
        m = s.metrics()
        self.assertEqual(m['webox_serve_deliveries_rejected_total{reason="size"}'], 3)
        self.assertEqual(m['webox_serve_deliveries_rejected_total{reason="truncated"}'], 1)
        self.assertEqual(m["webox_serve_deliveries_accepted_total"], 0)
        self.assertEqual(s.stop()[0], 0)
        self.assertEqual(self.deliveries(), 0)

    def test_only_serve_maps_the_http_library(self):
        r = self.webox("--version", env={"LD_DEBUG": "files"}, check=0)
        self.assertNotIn("libcpp-httplib", r.err)
        s = self.serve(env={"LD_DEBUG": "files"})
        s.proc.send_signal(signal.SIGTERM)
        _, err = s.proc.communicate(timeout=30)
        self.assertIn("libcpp-httplib", err)

    def test_no_secret_is_a_config_error(self):
        del self.env["INSTAGRAM_APP_SECRET"]
        r = self.webox("serve", "--listen", "127.0.0.1:0", check=4)
        self.assertIn("INSTAGRAM_APP_SECRET", r.err)
        r = self.webox("serve", "--listen", "127.0.0.1:99999", check=2)
        self.assertIn("--listen", r.err)

    def test_secrets_never_in_logs(self):
        s = self.serve("-vvv")
        doc = comment_delivery("C1", "hello")
        s.deliver(doc)
        s.deliver(doc, signature=sign(json.dumps(doc).encode(), "wrong"))
        s.request("GET", f"/webhooks/instagram?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=42")
        s.request("GET", "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42")
        s.wait_processed(1)
        code, err = s.stop()
        self.assertEqual(code, 0)
        self.assertNotIn(SECRET, err)
        self.assertNotIn(VERIFY, err)


class ServeStopTest(ServeCase):
    def test_sigterm_drains_the_queue_and_exits_0(self):
        s = self.serve()
        for i in range(50):
            self.assertEqual(s.deliver(comment_delivery(f"C{i}", "bonjour", user_id=str(1000 + i), username=f"u{i}"))[0], 200)
        code, err = s.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("0 left", err)
        self.assertEqual(len(self.interactions()), 50)

    def test_kill_9_under_load_loses_no_acknowledged_delivery(self):
        s = self.serve()
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def sender(worker):
            i = 0
            while not stop.is_set():
                cid = f"W{worker}-{i}"
                i += 1
                try:
                    status = s.deliver(comment_delivery(cid, "bonjour", user_id=str(worker), username=f"w{worker}"))[0]
                except (OSError, http.client.HTTPException):
                    return
                if status == 200:
                    with lock:
                        acked.append(cid)

        threads = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        s.proc.kill()
        s.proc.communicate()
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(acked), 20)
        s2 = self.serve()
        deadline = time.time() + 60
        while time.time() < deadline and s2.metrics().get("webox_serve_queue_depth", 1) > 0:
            time.sleep(0.1)
        self.assertEqual(s2.stop()[0], 0)
        stored = [pid for pid, _ in self.interactions()]
        self.assertEqual(len(stored), len(set(stored)))
        missing = set(acked) - set(stored)
        self.assertFalse(missing, f"{len(missing)} acknowledged deliveries lost")
        self.assertEqual(self.store_rows("SELECT count(*) FROM webhook_deliveries WHERE state <> 'done'"), [(0,)])


if __name__ == "__main__":
    main()
