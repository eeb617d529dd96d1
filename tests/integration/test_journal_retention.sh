#!/usr/bin/env bash
# Proves checkpoints and retention end to end: after a run with wins, each
# restart loads the checkpoint written by the start before and replays only
# what came after it (the run's records once, then nothing), keeps the hunts' state (wave, clues
# won, members, per /hunt/waves), and with keep_epochs = 1 deletes the
# segments and checkpoints of older starts; every acknowledged win stays
# recoverable, and huntctl still verifies what is left.
. "$(dirname "$0")/lib.sh"

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[journal]
segment_mb = 2
keep_epochs = 1
[world]
id = 1
[hunt]
id = 1
world = 1
clues_per_wave = 300
wave_duration_ms = 600000
max_players = 2000
CONF
IT_JOURNAL=$T/journal start_huntd d "$T/hunt.conf" -l 0 \
	--vdev "net_memif0,role=server,socket=$T/memif.sock" || it_done
run_gen g "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 3 --duration 2 \
	--mix 0:0:1:3 --wins-out "$T/wins.txt"
python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/waves >"$T/waves0.json"
check "huntd exits 0" stop_huntd d
check "huntgen exits 0" finish_gen g
for i in 1 2 3; do
	IT_JOURNAL=$T/journal start_huntd d "$T/hunt.conf" -l 0 \
		--vdev "net_memif0,role=server,socket=$T/memif.sock" || it_done
	python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/waves >"$T/waves$i.json"
	stop_huntd d
done
check "every restart keeps the hunt's state" python3 - "$T" <<'PY'
import json, re, sys
w = [json.load(open("%s/waves%d.json" % (sys.argv[1], i)))["/hunt/waves"]["hunt_1"] for i in range(4)]
strip = [re.sub(r" opened=\d+", "", x) for x in w]
print("  " + "\n  ".join(w))
sys.exit(0 if len(set(strip)) == 1 and "members=900" in strip[0] and "wave=1 " not in strip[0] else 1)
PY
check "each restart loaded the previous checkpoint; only the first replayed the run's records" \
	python3 - "$T/d.log" <<'PY'
import re, sys
runs = re.findall(r"loaded checkpoint of epoch (\d+) .*then replayed (\d+) records.*; epoch (\d+)",
                  open(sys.argv[1]).read())
print("  (checkpoint epoch, records replayed, new epoch): " + str(runs))
ok = (len(runs) == 4 and all(int(c) == int(e) - 1 for c, _, e in runs[1:])
      and int(runs[1][1]) > 0 and runs[2][1] == "0" and runs[3][1] == "0")
sys.exit(0 if ok else 1)
PY
check "only the newest start's segments and checkpoint are left" python3 - "$T/journal" <<'PY'
import os, sys
names = sorted(n for n in os.listdir(sys.argv[1]) if n.startswith(("seg-", "ckpt-")))
print("  " + " ".join(names))
epochs = {int(n.split("-")[1].split(".")[0], 16) for n in names}
sys.exit(0 if epochs == {4} and "ckpt-00000004.hc" in names else 1)
PY
check "huntctl journal verify passes on what is left" "$B/huntctl" journal verify "$T/journal"
check "acknowledged wins were made" [ -s "$T/wins.txt" ]
it_done
