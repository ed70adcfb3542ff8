#!/usr/bin/env python3
"""Writes N generated interactions as WORK/in.jsonl (the documented import
format) and WORK/in.csv (the same rows, for the sqlite3 CLI's .import).

Usage: gen_interactions.py N WORK. Shared by bench/import.sh and
bench/import_floor.sh so that both measure the same rows. Seeded: the same
N gives the same files. 1 row in 20 holds a French phone number, 1 in 50 an
e-mail address; people are drawn from N/10 users.
"""
import csv, json, random, sys
n, work = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
texts = ["Magnifique !", "C'est dispo en 38 ?", "Quel prix svp ?", "J'adore 😍", "Trop beau, bravo",
         "Livraison possible à Besançon ?", "MP moi", "Superbe travail"]
users = max(1, n // 10)
with open(f"{work}/in.jsonl", "w") as j, open(f"{work}/in.csv", "w", newline="") as c:
    w = csv.writer(c)
    w.writerow(["platform", "platform_id", "kind", "person_id", "username", "text", "timestamp", "post"])
    kinds = ["comment", "comment", "reply", "mention", "like", "like", "like", "dm"]
    for i in range(n):
        u = rnd.randrange(users)
        text = rnd.choice(texts)
        r = rnd.random()
        if r < 0.05:
            text += f" appelez-moi au 06 {rnd.randrange(10, 99)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)}"
        elif r < 0.07:
            text += f" écrivez à client{u}@exemple.fr"
        rec = {"platform": "instagram", "platform_id": f"c{i}", "kind": rnd.choice(kinds),
               "person": {"id": f"u{u}", "username": f"user.{u}"}, "text": text,
               "timestamp": 1795000000 - rnd.randrange(0, 90 * 86400), "post": f"p{i % 500}"}
        j.write(json.dumps(rec, ensure_ascii=False) + "\n")
        w.writerow([rec["platform"], rec["platform_id"], rec["kind"], rec["person"]["id"], rec["person"]["username"],
                    rec["text"], rec["timestamp"], rec["post"]])
