#!/usr/bin/env bash
# Proves that a SIGKILL of huntd at a random moment under load loses no
# acknowledged win and never crowns a second winner: huntgen claims
# continuously while huntd is killed and restarted HUNT_CRASH_LOOPS times
# (20 by default; the long mode in docs/operations.md runs many more), each
# time replaying its journal. Checked at the end:
#   - huntgen saw no invariant break (one winner per clue; retransmitted
#     claims, including those re-sent after a restart, got the answers they
#     had before; every request was eventually answered);
#   - every WON huntgen saw acknowledged is a WIN record in the journal
#     with the loot and coins the reply gave, and no clue has two WIN
#     records;
#   - coin credits: 100 sampled players' coins and wins in the last huntd
#     (rebuilt across every crash) are exactly those of their WIN records;
#   - each hunt's waves opened once each, in order, across the restarts;
#   - the journal verifies, and each restart replayed it from the checkpoint
#     its predecessor left: halfway through, one run lasts until it has
#     written a live checkpoint (1 MiB of sealed segments) before its kill,
#     so one restart starts from a checkpoint written under load.
# Rig: a persistent tap device in a network namespace made for the test;
# huntd attaches with net_tap, huntgen sends through net_af_packet, and the
# device outlives every killed huntd (memif cannot: its PMD tears the link
# down under a peer that is polling). The random delay before each kill is
# the crash point, not a wait for anything.
. "$(dirname "$0")/lib.sh"
LOOPS=${HUNT_CRASH_LOOPS:-20}

NS=huntcr$$
ip netns add "$NS" || { notok "create network namespace"; it_done; }
IT_NETNS=$NS
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$NS" ip tuntap add mode tap htap0 multi_queue
ip netns exec "$NS" ip link set htap0 up

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[journal]
segment_mb = 1
group_kb = 64
checkpoint_mb = 1
[world]
id = 1
size = 100
loot_tiles = 100
CONF
for h in 1 2 3 4; do
	cat >>"$T/hunt.conf" <<CONF
[hunt]
id = $h
world = 1
clues_per_wave = 40
waves = 0
wave_duration_ms = 60000
cooldown_ms = 10
answer_seed = $h
buildings = 10
max_players = 1000
CONF
done

TAP="net_tap0,iface=htap0,mac=02:00:00:00:00:01"
IT_EXEC="ip netns exec $NS" IT_JOURNAL=$T/journal start_huntd d "$T/hunt.conf" -l 0 --vdev "$TAP" ||
	it_done
ip netns exec "$NS" "$B/huntgen" -l 1 --no-pci --no-huge -m 256 --file-prefix "${PFX}_g" \
	--vdev net_af_packet0,iface=htap0 -- --config "$T/hunt.conf" --hunters-per-clue 5 \
	--duration 600 --mix 0:1:1:6 --outstanding 64 --timeout-ms 100 --retries 60 \
	--wins-out "$T/wins.txt" --json --linger >"$T/g.json" 2>"$T/g.err" &
GEN_g=$!
IT_PIDS="$IT_PIDS $GEN_g"

# live_checkpoint: waits until this run of huntd has written a checkpoint
# while running (its segments sealed 1 MiB), up to 60 s.
live_checkpoint() {
	for _ in $(seq 1 600); do
		"$B/huntctl" --socket "$T/d.sock" --json stats >"$T/ck.json" 2>/dev/null &&
			pyjson "$T/ck.json" 'd["checkpointer"]["written"] >= 1' 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

kills=0
live=0
for i in $(seq 1 "$LOOPS"); do
	# Once, halfway: run until a live checkpoint is written, so one restart
	# starts from it (and the kill may land in the next one's writing).
	if [ "$i" = $((LOOPS / 2)) ] && live_checkpoint; then live=1; fi
	sleep "0.$((RANDOM % 6 + 2))" # the crash point: 0.2 to 0.7 s into this run
	kill -9 "$PID_d"
	wait "$PID_d" 2>/dev/null
	IT_PIDS=$(echo "$IT_PIDS" | sed "s/ $PID_d//")
	kills=$((kills + 1))
	IT_EXEC="ip netns exec $NS" IT_JOURNAL=$T/journal start_huntd d "$T/hunt.conf" -l 0 \
		--vdev "$TAP" || break
done
check "huntd was killed and restarted $LOOPS times" [ "$kills" = "$LOOPS" ]
check "one run wrote a live checkpoint before its kill" [ "$live" = 1 ]
kill -USR1 "$GEN_g" # end the load; huntgen drains, reports and lingers
for _ in $(seq 1 600); do
	grep -q "huntgen: lingering" "$T/g.err" && break
	kill -0 "$GEN_g" 2>/dev/null || break
	sleep 0.1
done
# Coin credits after all the crashes: every 8th of the 800 players, as the
# last huntd (rebuilt from checkpoint and journal) holds them, against the
# journal's WIN records below.
for h in 1 2 3 4; do
	for j in $(seq 1 8 200); do "$B/huntctl" --socket "$T/d.sock" --json player $(((h << 32) | j)); done
done >"$T/players.jsonl"
check "huntd exits 0 after the last restart" stop_huntd d
check "huntgen exits 0: no invariant broke across the crashes" finish_gen g
cat "$T/g.json"
check "huntgen saw wins before and after the crashes" pyjson "$T/g.json" \
	'd["wins_acked"] > 100 and d["double_winners"] == 0 and d["timeouts"] == 0'
check "every restart loaded the last checkpoint (once a live one) and replayed only what came after it" \
	python3 - "$T/d.log" "$LOOPS" <<'PY'
import re, sys
runs = re.findall(r"loaded checkpoint (\d+) of epoch (\d+) .*then replayed (\d+) records.*; epoch (\d+)",
                  open(sys.argv[1]).read())
ok = len(runs) == int(sys.argv[2]) + 1 and all(int(c) == int(e) - 1 for _, c, _, e in runs[1:])
ok = ok and any(int(g) >= 1 for g, _, _, _ in runs)  # one started from a live checkpoint
print("  %d starts; (checkpoint generation, records replayed) per start: %s"
      % (len(runs), [(int(g), int(r)) for g, _, r, _ in runs]))
sys.exit(0 if ok else 1)
PY
check "huntctl journal verify passes" "$B/huntctl" journal verify "$T/journal"
"$B/huntctl" journal dump "$T/journal" --json >"$T/dump.jsonl"
check "every acknowledged WON is durable with the loot and coins it was told, no clue has two winners, waves opened once each in order" \
	python3 "$IT_DIR/wins_durable.py" "$T/wins.txt" "$T/dump.jsonl"
check "each sampled player's coins and wins after the crashes are exactly its WIN records'" \
	python3 - "$T/players.jsonl" "$T/dump.jsonl" <<'PY'
import collections, json, sys
coins, wins = collections.Counter(), collections.Counter()
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["type"] == "WIN":
        coins[r["player"]] += r["coins"]
        wins[r["player"]] += 1
players = [json.loads(l) for l in open(sys.argv[1])]
bad = [p for p in players if (p["coins"], p["wins"]) != (coins[p["player"]], wins[p["player"]])]
print("  %d players checked (%d with wins, %d coins in all); %d differ: %s"
      % (len(players), sum(1 for p in players if p["wins"]), sum(p["coins"] for p in players),
         len(bad), bad[:3]))
sys.exit(1 if bad or len(players) < 100 else 0)
PY
it_done
