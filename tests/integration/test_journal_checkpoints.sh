#!/usr/bin/env bash
# Proves live checkpoints and retention end to end. huntd journals with
# 1 MiB segments, a checkpoint after every sealed MiB and retain_mb = 0 (so
# retention deletes whatever the two newest checkpoints both cover), under
# fresh winning claims, with io_uring's flush threads on the worker's own
# CPU (flush_on_worker_cpus = 2; checked). Then:
#  - checkpoints were written during the run (telemetry), not only at start,
#    and the segments retention retired came back as new segments (recycled,
#    not zero-filled), which everything below then reads;
#  - after kill -9, the restart loads the newest live checkpoint and replays
#    only what it does not cover (a small part of the run's records), and
#    the hunts' state (waves, clues won, members) is the same as before;
#  - a reconnecting client's EVENTS replay (each hunt's newest 1024 wins)
#    and LEADERBOARD list after the crash are what they were before it:
#    every event id still names the same win;
#  - the segments the checkpoints covered are gone, the rest verifies;
#  - two more starts: epoch 1's segments are all gone (both newest
#    checkpoints cover them), the state still the same every time.
. "$(dirname "$0")/lib.sh"

{
	printf "[server]\nip = 198.18.0.1\n[journal]\nsegment_mb = 1\ngroup_kb = 64\n"
	printf "checkpoint_mb = 1\nretain_mb = 0\nflush_on_worker_cpus = 2\n[world]\nid = 1\n"
	for h in 1 2 3 4 5 6 7 8; do
		printf "[hunt]\nid = %s\nworld = 1\nclues_per_wave = 500\nwave_duration_ms = 600000\n" $h
		printf "cooldown_ms = 0\nanswer_seed = %s\nmax_players = 1000\n" $h
	done
} >"$T/hunt.conf"
J=$T/journal
start() { IT_JOURNAL=$J start_huntd d "$T/hunt.conf" -l 0 --vdev "net_memif0,role=server,socket=$T/memif.sock"; }
waves() { python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/waves | python3 -c '
import json, re, sys
w = json.load(sys.stdin)["/hunt/waves"]
print(json.dumps({k: re.sub(r" opened=\d+", "", v) for k, v in sorted(w.items())}))'; }

start || it_done
# By volume, not time: 40 waves of every hunt are ~160,000 records, 7 MiB,
# so retention retires and recycles segments even when this VM's flushes
# run 10x slow (a 3 s run once wrote 97,000 records and recycled 2).
run_gen g "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 1 --fresh-claims \
	--outstanding 256 --waves 40 --duration 60 --wins-out "$T/wins.txt" --catch-up "$T/catch0.txt"
python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/journal >"$T/journal0.json"
waves >"$T/waves0.json"
# flush_on_worker_cpus = 2: io_uring's flush threads only on the worker's
# CPU (lcore 0), nowhere else.
check "the journal's flush threads run on the worker's CPU only" python3 - "$PID_d" <<'PY'
import glob, sys
cpus = []
for t in glob.glob("/proc/%s/task/*" % sys.argv[1]):
    if open(t + "/comm").read().startswith("iou-wrk"):
        cpus += [l.split()[1] for l in open(t + "/status") if l.startswith("Cpus_allowed_list")]
print("  io-wq threads' CPUs: %s" % cpus)
sys.exit(0 if cpus and all(c == "0" for c in cpus) else 1)
PY
kill -9 "$PID_d"
wait "$PID_d" 2>/dev/null
IT_PIDS=$(echo "$IT_PIDS" | sed "s/ $PID_d//")
check "huntgen exits 0" finish_gen g
check "checkpoints were written during the run, the fold's CPU time counted" pyjson "$T/journal0.json" \
	'd["/hunt/journal"]["checkpointer"]["written"] >= 3 and d["/hunt/journal"]["checkpointer"]["error"] == "none" and 0 < d["/hunt/journal"]["checkpointer"]["fold_cpu_us"] < d["/hunt/journal"]["checkpointer"]["folded_records"]'
check "retired segments were recycled as new ones during the run" pyjson "$T/journal0.json" \
	'd["/hunt/journal"]["worker_0"]["spares_recycled"] >= 3'
cat "$T/journal0.json"
start || it_done
waves >"$T/waves1.json"
"$B/huntctl" --socket "$T/d.sock" --json leaderboard 3 >"$T/lb1.json"
run_gen g1 "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 1 --duration 0 \
	--catch-up "$T/catch1.txt"
stop_huntd d
check "huntgen's reconnecting client after the crash exits 0" finish_gen g1
check "after the crash: the same events under the same ids, the same leaderboard" \
	python3 - "$T/catch0.txt" "$T/catch1.txt" <<'PY'
import sys
a, b = ([l for l in open(f) if not l.startswith("me ")] for f in sys.argv[1:])
ev = sum(1 for l in a if l.startswith("event "))
print("  before: %d events, %d lines; after: %d lines, %d differ"
      % (ev, len(a), len(b), sum(1 for x, y in zip(a, b) if x != y)))
sys.exit(0 if a == b and ev == 8 * 1024 else 1)
PY
check "the leaderboard after the crash is rebuilt from the recovered state" \
	python3 - "$T/lb1.json" "$T/wins.txt" <<'PY'
import collections, json, sys
lb = json.load(open(sys.argv[1]))
wins = collections.Counter(int(l.split()[3]) for l in open(sys.argv[2]))
print("  top after restart: %s; most acknowledged wins by one player: %d"
      % (lb["top"], max(wins.values())))
ok = lb["top"] and all(e["coins"] >= 10 * wins[e["player"]] for e in lb["top"]) \
    and lb["top"][0]["coins"] >= 10 * max(wins.values())
sys.exit(0 if ok else 1)
PY
check "after kill -9: the newest live checkpoint loaded, only the rest replayed" \
	python3 - "$T/d.log" "$T/journal0.json" <<'PY'
import json, re, sys
runs = re.findall(r"loaded checkpoint (\d+) of epoch (\d+) .*then replayed (\d+) records",
                  open(sys.argv[1]).read())
j = json.load(open(sys.argv[2]))["/hunt/journal"]
written = j["checkpointer"]["written"]
total = sum(v["records"] for k, v in j.items() if k.startswith("worker_"))
gen, epoch, replayed = (int(x) for x in runs[1])
print("  run 1 wrote %d records and %d live checkpoints; the restart loaded checkpoint %d of "
      "epoch %d and replayed %d records" % (total, written, gen, epoch, replayed))
sys.exit(0 if epoch == 1 and gen == written and 0 < replayed < total / 2 else 1)
PY
check "the hunts' state after the crash is the state before it" cmp "$T/waves0.json" "$T/waves1.json"
check "segments both newest checkpoints cover were deleted" python3 - "$J" <<'PY'
import os, sys
segs = sorted(n for n in os.listdir(sys.argv[1]) if n.startswith("seg-00000001-"))
print("  epoch 1 segments left: %s" % " ".join(segs))
sys.exit(0 if segs and "seg-00000001-00-000000.hj" not in segs else 1)
PY
check "huntctl journal verify passes on what is left" "$B/huntctl" journal verify "$J"
for i in 2 3; do
	start || it_done
	waves >"$T/waves$i.json"
	stop_huntd d
	check "start $((i + 1)): the hunts' state is the same" cmp "$T/waves0.json" "$T/waves$i.json"
done
check "after two more starts, every segment of epoch 1 is gone and the rest verifies" \
	python3 - "$J" "$B/huntctl" <<'PY'
import os, subprocess, sys
names = sorted(os.listdir(sys.argv[1]))
print("  " + " ".join(n for n in names if n.startswith(("seg-", "ckpt-"))))
left1 = [n for n in names if n.startswith("seg-00000001-")]
ckpts = [n for n in names if n.startswith("ckpt-")]
ok = not left1 and len(ckpts) == 2 and subprocess.run([sys.argv[2], "journal", "verify", sys.argv[1]]).returncode == 0
sys.exit(0 if ok else 1)
PY
check "acknowledged wins were made" [ -s "$T/wins.txt" ]
it_done
