#!/usr/bin/env python3
"""bench/serve.py: a loopback load generator for `webox serve`.

Starts `webox serve --listen 127.0.0.1:0` in a temporary HOME, sends signed
Instagram comment deliveries (HMAC-SHA256 with a test secret, each a new
comment) at a target rate from several keep-alive connections, then stops
serve with SIGTERM (it drains) and reports: acknowledged p50/p99 latency,
acknowledged / refused / errors, lost (acknowledged but not in the store:
must be 0), serve's peak RSS (VmHWM), and how long the queue took to drain.

  WEBOX_BIN=build/bin/webox bench/serve.py [--rate 2000] [--seconds 30] [--connections 8]

The issue's target is 2,000/s for 30 s; on a shared 2-core machine run it
shorter and say so. Figures go in issue notes, never in timed tests.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

SECRET = "bench-secret"


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def rss_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=2000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    webox = os.environ.get("WEBOX_BIN", "webox")
    home = tempfile.mkdtemp(prefix="webox-bench-serve-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBOX_", "XDG_", "INSTAGRAM_"))}
    env.update({"HOME": home, "XDG_DATA_HOME": home + "/data", "XDG_CONFIG_HOME": home + "/config",
                "XDG_CACHE_HOME": home + "/cache", "XDG_STATE_HOME": home + "/state",
                "INSTAGRAM_APP_SECRET": SECRET, "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": "bench-verify"})
    os.makedirs(home + "/config/webox")
    with open(home + "/config/webox/config.yaml", "w") as f:
        f.write("serve:\n  drain_seconds: 600\n")  # drain everything at the stop: lost is then exact
    proc = subprocess.Popen([webox, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)
    port = int(re.search(r":(\d+) ", proc.stdout.readline()).group(1))

    latencies, acked, refused, errors = [], [], [0], [0]
    lock = threading.Lock()
    per_conn = args.rate / args.connections
    end = time.monotonic() + args.seconds
    peak = [0]

    def sender(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i, start = 0, time.monotonic()
        while time.monotonic() < end:
            due = start + i / per_conn
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            cid = f"B{n}-{i}"
            i += 1
            body = json.dumps({"object": "instagram", "entry": [{"id": "1", "time": 1764000000, "changes": [
                {"field": "comments", "value": {"id": cid, "text": "bonjour, quel prix ?",
                                                "from": {"id": str(1000 + i % 500), "username": f"u{i % 500}"},
                                                "media": {"id": "M1"}}}]}]}).encode()
            sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            t0 = time.monotonic()
            try:
                conn.request("POST", "/webhooks/instagram", body, {"X-Hub-Signature-256": sig})
                r = conn.getresponse()
                r.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            dt = time.monotonic() - t0
            with lock:
                if r.status == 200:
                    latencies.append(dt)
                    acked.append(cid)
                else:
                    refused[0] += 1

    def sampler():
        while time.monotonic() < end + 1:
            peak[0] = max(peak[0], rss_kb(proc.pid, "VmRSS:"))
            time.sleep(0.2)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(args.connections)]
    threads.append(threading.Thread(target=sampler))
    t_start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent_for = time.monotonic() - t_start
    hwm = rss_kb(proc.pid, "VmHWM:")
    with open(f"/proc/{proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    serve_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    client_cpu = sum(os.times()[:2])
    t_stop = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=600)
    drain = time.monotonic() - t_stop
    with sqlite3.connect(home + "/data/webox/webox.db") as c:
        stored = {r[0] for r in c.execute("SELECT platform_id FROM interactions")}
        left = c.execute("SELECT count(*) FROM webhook_deliveries WHERE state <> 'done'").fetchone()[0]
    lost = [cid for cid in acked if cid not in stored]
    print(json.dumps({
        "target_rate": args.rate, "seconds": args.seconds, "connections": args.connections,
        "acknowledged": len(acked), "acknowledged_per_s": round(len(acked) / sent_for, 1),
        "refused": refused[0], "errors": errors[0],
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2), "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "lost": len(lost), "left_in_queue_after_stop": left, "exit": proc.returncode,
        "stop_and_drain_s": round(drain, 2), "rss_peak_kb": max(peak[0], hwm),
        "serve_cpu_s_while_sending": round(serve_cpu, 2), "client_cpu_s": round(client_cpu, 2)}, indent=1))
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
