#!/usr/bin/env bash
# Proves that a full disk is not a journal failure: huntd journals to a
# small tmpfs, a filler file takes all but less than a segment (and less
# than a checkpoint) of it, status and stats warn of a LOW DISK, and claims
# flow. The segment after the spare cannot be made (ENOSPC, met by the
# helper ahead of need, since segments are preallocated): huntd logs it
# once, telemetry and huntctl show it, and once the current segment is full
# new claims get RETRY_LATER while nothing acknowledged depends on the
# missing segment. When the filler is deleted the helper's retry makes the
# segment and the same huntd (no restart) acknowledges wins again; the live
# checkpoint the full disk refused is written by the checkpointer's retry
# (and the restart below loads it). Then a
# SIGKILL and a restart on the journal: every acknowledged win of both runs
# is there, and no clue has two winners.
. "$(dirname "$0")/lib.sh"

DISK=$T/disk
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=8m hunt-disk-full "$DISK"; then
	notok "mount an 8 MiB tmpfs for the journal (needs root)"
	it_done
fi
# huntd must be gone before the unmount, and the unmount before $T goes.
trap 'for p in $IT_PIDS; do kill -TERM "$p" 2>/dev/null; done
for p in $IT_PIDS; do wait "$p" 2>/dev/null; done
umount "$DISK" 2>/dev/null; it_cleanup' EXIT

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[journal]
segment_mb = 1
group_kb = 64
checkpoint_mb = 1
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
IT_JOURNAL=$DISK/journal start_huntd d "$T/hunt.conf" -l 0 \
	--vdev "net_memif0,role=server,socket=$T/memif.sock" || it_done
# segment 0, its spare (segment 1) and the start-up checkpoint are made:
# leave less free than a segment, so segment 2 cannot be, and than a
# checkpoint (the start-up one's size), so the live one cannot be either.
ck=$(stat -c %s "$DISK"/journal/ckpt-*.hc | head -1)
leave=$((ck / 2 < 512 * 1024 ? ck / 2 : 512 * 1024))
avail=$(df --output=avail -B1 "$DISK" | tail -1)
fallocate -l $((avail - leave)) "$DISK/filler"
check "the filler leaves less than a segment free" \
	[ "$(df --output=avail -B1 "$DISK" | tail -1)" -lt $((1024 * 1024)) ]
# Before any claim: the low disk is seen ahead of the failure.
"$B/huntctl" --socket "$T/d.sock" --json stats >"$T/low.json"
"$B/huntctl" --socket "$T/d.sock" status >"$T/low_status.txt"
check "stats warn of a low disk before anything fails" pyjson "$T/low.json" \
	'(d["journal_disk"]["low"] and d["journal_disk"]["free_bytes"] < 1 << 20 and
		d["journal_disk"]["size_bytes"] >= 7 << 20 and
		d["per_worker"][0]["journal"]["spare_failures"] == 0)'
check "status warns of it on its journal line" grep -q "^journal: .*LOW DISK" "$T/low_status.txt"
check "stats count what the journal holds: segment 0 and its spare, the start-up checkpoint" \
	pyjson "$T/low.json" '(d["journal_disk"]["segments"] == 2 and
		d["journal_disk"]["segment_bytes"] >= 2 << 20 and d["journal_disk"]["checkpoints"] == 1 and
		d["journal_disk"]["free_segments"] == 0)'

run_gen g1 "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 1 --duration 3 \
	--mix 0:0:1:3 --timeout-ms 50 --retries 3 --wins-out "$T/wins1.txt"
check "huntgen reported (disk full)" [ -s "$T/g1.json" ]
"$B/huntctl" --socket "$T/d.sock" --json stats >"$T/full.json"
"$B/huntctl" --socket "$T/d.sock" stats >"$T/full.txt"
"$B/huntctl" --socket "$T/d.sock" status >"$T/full_status.txt"
check "huntd logged the segment it cannot make, once" \
	[ "$(grep -c "huntd: journal 0: cannot make segment 2 (No space left on device)" "$T/d.log")" = 1 ]
check "stats: the spare's error, its failed tries, appends refused, the journal not failed" \
	pyjson "$T/full.json" '(d["per_worker"][0]["journal"]["spare_error"] == -28 and
		d["per_worker"][0]["journal"]["spare_failures"] >= 1 and
		d["per_worker"][0]["journal"]["spare_waits"] > 0 and
		d["per_worker"][0]["journal"]["error"] == 0)'
check "huntctl stats says why state changes are refused" \
	grep -q "JOURNAL worker 0: its next segment cannot be made (No space left on device)" "$T/full.txt"
check "huntctl status says so on its journal line" grep -q "^journal: .*NO NEXT SEGMENT" "$T/full_status.txt"
check "the live checkpoint could not be written either, and stats say so" sh -c "
	grep -q 'huntd: checkpointer: cannot write a checkpoint (No space left on device)' '$T/d.log' &&
	grep -q '^CHECKPOINTS: the last write failed (No space left on device' '$T/full.txt'"
check "stats: the checkpointer's write error and failed tries, none written" pyjson "$T/full.json" \
	'(d["checkpointer"]["write_error"] == -28 and d["checkpointer"]["write_failures"] >= 1 and
		d["checkpointer"]["written"] == 0 and d["checkpointer"]["error"] == 0)'
check "claims got RETRY_LATER while the disk was full, and no clue two winners" \
	pyjson "$T/g1.json" 'd["retry_later_seen"] > 0 and d["wins_acked"] > 0 and d["double_winners"] == 0'
finish_gen g1

rm "$DISK/filler"
# The helper retries every 500 ms, the checkpointer every 5 s.
check "huntd made the segment once there was room, without a restart" \
	await_line "$T/d.log" "huntd: journal 0: segment 2 made after [0-9]* failed tries" 10
check "the checkpointer wrote the checkpoint once there was room" \
	await_line "$T/d.log" "huntd: checkpointer: checkpoint 1 written after failed tries" 15
run_gen g2 "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 1 --duration 2 --rate 10000 \
	--mix 0:0:1:3 --timeout-ms 50 --retries 3 --wins-out "$T/wins2.txt"
check "the same huntd acknowledges wins again, every invariant held" \
	pyjson "$T/g2.json" 'd["wins_acked"] > 0 and d["failures"] == 0'
"$B/huntctl" --socket "$T/d.sock" --json stats >"$T/after.json"
"$B/huntctl" --socket "$T/d.sock" status >"$T/after_status.txt"
check "stats: the spare's and the checkpointer's errors are cleared, the journal never failed" \
	pyjson "$T/after.json" '(d["per_worker"][0]["journal"]["spare_error"] == 0 and
		d["checkpointer"]["write_error"] == 0 and d["checkpointer"]["written"] >= 1 and
		d["per_worker"][0]["journal"]["error"] == 0 and
		d["per_worker"][0]["journal"]["rollovers"] >= 2)'
check "huntctl status no longer warns" sh -c "! grep -q 'NO NEXT SEGMENT\|LOW DISK' '$T/after_status.txt'"
finish_gen g2

kill -KILL "$PID_d"
wait "$PID_d" 2>/dev/null
IT_PIDS=$(echo "$IT_PIDS" | sed "s/ $PID_d//")
IT_JOURNAL=$DISK/journal start_huntd d2 "$T/hunt.conf" -l 0 \
	--vdev "net_memif0,role=server,socket=$T/memif2.sock" || it_done
check "huntd restarts from the checkpoint written after the retries, and replays the rest" \
	grep -q "loaded checkpoint [1-9][0-9]* of epoch 1 .*then replayed" "$T/d2.log"
check "huntd exits 0 after the restart" stop_huntd d2
"$B/huntctl" journal dump "$DISK/journal" --json >"$T/dump.jsonl"
cat "$T/wins1.txt" "$T/wins2.txt" >"$T/wins.txt"
check "every acknowledged win of both runs is in the journal, no clue twice" \
	python3 "$IT_DIR/wins_durable.py" "$T/wins.txt" "$T/dump.jsonl"
it_done
