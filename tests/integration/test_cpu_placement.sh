#!/usr/bin/env bash
# Proves where huntd's own threads run. Its background threads (the segment
# helper and checkpointer, the control socket thread, the signal thread,
# the journal device thread with device_thread = 1) and io_uring's flush
# threads (io-wq, flush_on_worker_cpus = 0) go to the CPUs it was started
# on that no worker polls, or to the worker's own when it was started on
# that one alone, and every thread of huntd's but the worker's has a name
# of its own (before 2026-12-05 the signal and device threads kept the
# worker lcore's pinning and its name):
#  - started on every CPU with its worker on CPU 0: on every CPU but 0;
#  - started under `taskset -c 0` (a cpuset or taskset of one CPU): on CPU
#    0 only, never outside the set it was given (before, they were put on
#    every other online CPU whatever huntd was started on).
# Each run carries fresh winning claims so that io-wq threads exist. And
# `huntctl stats` reports the CPU each role of thread used (the worker busy
# polling, io-wq's flushes).
. "$(dirname "$0")/lib.sh"

{
	printf "[server]\nip = 198.18.0.1\n[world]\nid = 1\n"
	printf "[hunt]\nid = 1\nworld = 1\nclues_per_wave = 500\nwave_duration_ms = 600000\n"
	printf "cooldown_ms = 0\nmax_players = 1000\n"
} >"$T/hunt.conf"
{ printf "[journal]\ndevice_thread = 1\ndirect_io = 1\n"; cat "$T/hunt.conf"; } >"$T/jdev.conf"

# The CPUs this test may use, but the worker's (all of them if that is the
# only one): where huntd, started from here, must put those threads.
others=$(python3 -c "import os; print(','.join(str(c) for c in sorted(os.sched_getaffinity(0) - {0})) or '0')")

# threads_on PID WANT [THREAD]: every hunt-* and io-wq thread of PID may run
# on exactly the CPUs WANT (a comma list), there is a helper, a signal
# thread, THREAD (default: an io-wq thread), and one thread named huntd
# (the worker: -l 0).
threads_on() {
	python3 - "$1" "$2" "${3:-iou-wrk}" <<'PY'
import glob, sys
def cpus(spec):
    out = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out
want = cpus(sys.argv[2])
seen, bad, workers = [], [], 0
for t in glob.glob("/proc/%s/task/*" % sys.argv[1]):
    comm = open(t + "/comm").read().strip()
    workers += comm == "huntd"
    if not (comm.startswith("iou-wrk") or comm.startswith("hunt-")):
        continue
    allowed = [l.split()[1] for l in open(t + "/status") if l.startswith("Cpus_allowed_list")][0]
    seen.append("%s:%s" % (comm, allowed))
    if cpus(allowed) != want:
        bad.append(comm)
print("  want %s; threads: %s; %d named huntd" % (sys.argv[2], " ".join(sorted(seen)), workers))
need = ("hunt-helper", "hunt-signal", sys.argv[3])
sys.exit(0 if not bad and workers == 1 and all(any(s.startswith(n) for s in seen) for n in need) else 1)
PY
}

run() { # run NAME [CONF]: a journaled huntd with fresh wins through it, left running
	IT_JOURNAL=$T/j.$1 start_huntd "$1" "${2:-$T/hunt.conf}" -l 0 \
		--vdev "net_memif0,role=server,socket=$T/$1.memif" || it_done
	run_gen "g$1" "$T/$1.memif" 1 --config "$T/hunt.conf" --hunters-per-clue 1 --fresh-claims \
		--outstanding 64 --duration 1 || { notok "huntgen reports ($1)"; it_done; }
}

run all
check "started on every CPU: background and flush threads on the CPUs but the worker's" \
	threads_on "$PID_all" "$others"
check "huntctl stats: CPU by thread role, the worker busy, the flushes' io-wq time counted" \
	python3 - "$B/huntctl" "$T/all.sock" <<'PY'
import json, os, subprocess, sys
r = json.loads(subprocess.check_output([sys.argv[1], "--socket", sys.argv[2], "--json", "stats"]))
c, up = r["thread_cpu_ms"], r["uptime_ms"]
text = subprocess.check_output([sys.argv[1], "--socket", sys.argv[2], "stats"], text=True)
print("  uptime %d ms; CPU ms by role: %s" % (up, c))
ok = (set(c) == {"workers", "helper", "control", "signal", "journal_thread", "io_wq", "other", "ended"}
      and c["workers"] >= up / 2 and c["io_wq"] + c["ended"] > 0
      and sum(c.values()) <= up * len(os.sched_getaffinity(0)) * 1.1 + 100
      and "CPU by thread, % of one CPU since start: workers " in text)
sys.exit(0 if ok else 1)
PY
stop_huntd all
finish_gen gall >/dev/null

run jdev "$T/jdev.conf"
check "device_thread = 1: the journal's device thread on the CPUs but the worker's" \
	threads_on "$PID_jdev" "$others" hunt-jdev
stop_huntd jdev
finish_gen gjdev >/dev/null

IT_EXEC="taskset -c 0" run one
check "started under taskset -c 0: background and flush threads on CPU 0 only" \
	threads_on "$PID_one" 0
check "huntd under taskset -c 0 stops cleanly" stop_huntd one
check "huntgen's checks held" finish_gen gone
it_done
