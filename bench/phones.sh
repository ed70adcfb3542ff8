#!/usr/bin/env bash
# Phone detection benchmark (issue 21 item 3): `webox scrape-interactions
# --from` on (1) one interaction whose text is a 600 KB line — numbers
# separated by ", " (one long run a number could span), then prose with a
# number in every sentence — and (2) 20,000 ordinary comments, one in four
# holding a number (the common case, which must not get slower).
#
# Usage: bench/phones.sh [BUILD_DIR]        figures on stdout; nothing timed
# here runs in the test suite. With WEBOX_BASELINE=/path/to/other/bin/webox
# (an older build; its phones module is the one beside it), that binary
# imports the same files into its own database, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup phones "${1:-}"

python3 - "$work" <<'PY'
import json, random, sys
work = sys.argv[1]
rnd = random.Random(21)
def number():
    return "06 %02d %02d %02d %02d" % tuple(rnd.randrange(10, 99) for _ in range(4))
def line(pid, text, ts=1795000000):
    return json.dumps({"platform": "x", "platform_id": pid, "kind": "comment", "person": {"id": pid},
                       "text": text, "timestamp": ts}) + "\n"
size = 600 * 1024
listed = []
while sum(map(len, listed)) + 2 * len(listed) < size:
    listed.append(number())
with open(f"{work}/list.jsonl", "w") as f:
    f.write(line("list", ", ".join(listed)))
prose = []
while sum(map(len, prose)) < size:
    prose.append(f"Bonjour, pour la robe bleue appelez-moi au {number()} merci beaucoup ! ")
with open(f"{work}/prose.jsonl", "w") as f:
    f.write(line("prose", "".join(prose)))
texts = ["Magnifique !", "C'est dispo en 38 ?", "Quel prix svp ?", "J'adore 😍", "Livraison possible à Besançon ?"]
with open(f"{work}/normal.jsonl", "w") as f:
    for i in range(20000):
        t = rnd.choice(texts)
        if i % 4 == 0:
            t += f" Mon numéro : {number()}, le soir de préférence"
        f.write(line(f"n{i}", t, 1795000000 + i))
print(f"600 KB lines: {len(listed)} numbers in a list, {len(prose)} in prose; 20000 ordinary comments")
PY

export XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
unset WEBOX_DB WEBOX_CONFIG
for input in list prose normal; do
  if [ -n "${WEBOX_BASELINE:-}" ]; then
    echo "baseline $input: $(XDG_DATA_HOME=$work/baseline-$input python3 bench/maxrss.py "$WEBOX_BASELINE" scrape-interactions --from "$work/$input.jsonl" --quiet)"
  fi
  echo "webox    $input: $(XDG_DATA_HOME=$work/data-$input python3 bench/maxrss.py "$webox" scrape-interactions --from "$work/$input.jsonl" --quiet)"
done
