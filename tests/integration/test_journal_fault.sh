#!/usr/bin/env bash
# Proves that a failed journal flush (injected: the flush that would make
# worker 0's record 2100 durable completes with -EIO, through the journal's
# completion seam; records 1-2000 are the JOINs, so it lands while a
# 2,000-clue wave is open and claims flow) acknowledges
# nothing of its group or after it, and is visible: huntd logs it once,
# telemetry /hunt/journal and the final counters report it, new claims get
# RETRY_LATER instead of silence; that after a restart on the same
# journal every win that was acknowledged is still there; and that a byte
# damaged mid-log makes huntd refuse to start, naming file and offset (once
# the damaged checkpoint above it sends recovery back to it).
. "$(dirname "$0")/lib.sh"

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[journal]
segment_mb = 4
[world]
id = 1
[hunt]
id = 1
world = 1
clues_per_wave = 2000
wave_duration_ms = 60000
cooldown_ms = 10
max_players = 4000
CONF
"$B/huntd" --no-pci --no-huge -m 256 --file-prefix "${PFX}_d" -l 0 \
	--vdev "net_memif0,role=server,socket=$T/memif.sock" -- --config "$T/hunt.conf" --control "$T/d.sock" \
	--journal "$T/journal" --stats-out "$T/d.stats.json" --fail-journal-flush-at 2100 >"$T/d.log" 2>&1 &
PID_d=$!
IT_PIDS="$IT_PIDS $PID_d"
until grep -q "huntd: ready" "$T/d.log"; do kill -0 $PID_d || break; sleep 0.1; done
run_gen g "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 1 --duration 4 \
	--mix 0:0:1:3 --timeout-ms 50 --retries 3 --wins-out "$T/wins.txt"
check "huntgen reported" [ -s "$T/g.json" ]
python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/journal >"$T/tel.json"
check "telemetry shows the journal error" pyjson "$T/tel.json" \
	'd["/hunt/journal"]["worker_0"]["error"] == "Input/output error" and d["/hunt/journal"]["worker_0"]["errors"] == 1'
check "huntd exits 0" stop_huntd d
finish_gen g
check "huntd logged the failure once" [ "$(grep -c "journal failed (Input/output error)" "$T/d.log")" = 1 ]
check "final counters report one journal error" pyjson "$T/d.stats.json" \
	'd["per_worker"][0]["journal"]["errors"] == 1 and d["per_worker"][0]["journal"]["error"] == -5'
check "claims after the failure got RETRY_LATER, and no WON came without durability" \
	pyjson "$T/g.json" 'd["retry_later_seen"] > 0 and d["double_winners"] == 0 and d["won_wrong_answer"] == 0'
durable=$(python3 -c "import json; print(json.load(open('$T/d.stats.json'))['per_worker'][0]['journal']['durable_seq'])")
"$B/huntctl" journal dump "$T/journal" --json >"$T/dump1.jsonl"
check "every acknowledged win has a record at or below the last durable seq ($durable)" \
	python3 - "$T/wins.txt" "$T/dump1.jsonl" "$durable" <<'PY'
import json, sys
seq = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["type"] == "WIN":
        seq[(r["hunt"], r["wave"], r["clue"], r["player"])] = r["seq"]
acked = [tuple(map(int, l.split()[:4])) for l in open(sys.argv[1])]
late = [a for a in acked if seq.get(a, 1 << 62) > int(sys.argv[3])]
print("  %d acknowledged; %d beyond the durable seq" % (len(acked), len(late)))
sys.exit(1 if late or not acked else 0)
PY
IT_JOURNAL=$T/journal start_huntd d2 "$T/hunt.conf" -l 0 \
	--vdev "net_memif0,role=server,socket=$T/memif2.sock" || it_done
check "huntd restarts on the journal and replays it" grep -q "then replayed" "$T/d2.log"
check "huntd exits 0 after the restart" stop_huntd d2
check "huntctl journal verify passes" "$B/huntctl" journal verify "$T/journal"
# Damage one byte inside epoch 1's first group (not its tail): corruption.
seg=$T/journal/seg-00000001-00-000000.hj
flip() { # flip FILE OFFSET: invert one byte, a real change whatever it held
	python3 -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))" "$1" "$2"
}
flip "$seg" $((4096 + 100))
check "huntctl journal verify reports the damage with file and offset" \
	sh -c "'$B/huntctl' journal verify '$T/journal' | grep -q 'corrupt: $seg offset [0-9]*: record checksum wrong'"
# The checkpoint of the second start covers epoch 1; damage it too, so huntd
# falls back to the first start's checkpoint and must replay epoch 1.
flip "$T/journal/ckpt-00000002-000000.hc" 20
timeout 60 "$B/huntd" --no-pci --no-huge -m 256 --file-prefix "${PFX}_d3" -l 0 \
	--vdev "net_memif0,role=server,socket=$T/memif3.sock" -- --config "$T/hunt.conf" --control "$T/d3.sock" \
	--journal "$T/journal" >"$T/d3.log" 2>&1
rc=$?
check "huntd refuses to start on it (exit $rc), naming file and offset" \
	sh -c "[ $rc = 1 ] && grep -q 'huntd: journal: $seg offset [0-9]*: record checksum wrong' '$T/d3.log'"
it_done
