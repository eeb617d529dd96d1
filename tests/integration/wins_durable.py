#!/usr/bin/env python3
"""Checks huntgen's acknowledged wins against a journal dump.

wins_durable.py WINS_TXT DUMP_JSONL [EXPECTED_WINS]
WINS_TXT: 'hunt wave clue player loot coins' per acknowledged win (huntgen
--wins-out).
DUMP_JSONL: huntctl journal dump --json.
Fails if an acknowledged win has no WIN record naming that player, or one
awarding other loot or coins than the WON reply said, if a clue has two WIN
records, if a hunt's waves did not open once each in
order, if nothing was acknowledged, or if EXPECTED_WINS is given and the
count differs."""
import collections
import json
import sys

acked = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
wins, opens = {}, collections.defaultdict(list)
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["type"] == "WIN":
        key = (r["hunt"], r["wave"], r["clue"])
        if key in wins:
            sys.exit("  two WIN records for %s" % (key,))
        wins[key] = (r["player"], r["loot"], r["coins"])
    elif r["type"] == "WAVE_OPEN":
        opens[r["hunt"]].append(r["wave"])
lost = [a for a in acked if wins.get(a[:3], (0,))[0] != a[3]]
misawarded = [a for a in acked if a[:3] in wins and wins[a[:3]][1:] != a[4:6]]
bad_waves = {h: w for h, w in opens.items() if w != list(range(w[0], w[0] + len(w)))}
print("  %d wins acknowledged, %d WIN records, %d lost, %d with other loot or coins; "
      "waves opened per hunt: %s"
      % (len(acked), len(wins), len(lost), len(misawarded),
         {h: len(w) for h, w in sorted(opens.items())}))
expected = int(sys.argv[3]) if len(sys.argv) > 3 else None
sys.exit(1 if lost or misawarded or bad_waves or not acked or (expected is not None and len(acked) != expected)
         else 0)
