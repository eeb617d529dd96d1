#!/usr/bin/env bash
# Proves, over net_memif with --no-huge and one huntd worker journaling
# every change: huntgen's
# hunters run three full waves of two hunts with right, wrong and duplicate
# claims, and claims retransmitted with the same request id (which must
# get the same answer twice); there is exactly one acknowledged winner per clue and no invariant
# failure; the waves closed because every clue was won; the counters add up
# (received = handled + dropped, by reason); telemetry answers /hunt/stats
# (our client and dpdk-telemetry.py);
# and huntd exits cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
base_port = 7000
n_shards = 16
[world]
id = 1
size = 500
loot_tiles = 5000
[journal]
segment_mb = 8
[hunt]
id = 1
world = 1
clues_per_wave = 200
waves = 3
wave_duration_ms = 30000
cooldown_ms = 100
answer_seed = 11
buildings = 40
treasures_per_building = 4
max_players = 4000
[hunt]
id = 2
world = 1
clues_per_wave = 100
waves = 3
wave_duration_ms = 30000
cooldown_ms = 50
answer_seed = 12
buildings = 10
max_players = 2000
CONF

IT_JOURNAL=$T/journal start_huntd d "$T/hunt.conf" -l 0 --vdev "net_memif0,role=server,socket=$T/memif.sock" || it_done
run_gen g "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 10 --duration 60 \
	--dup-pct 10 --retransmit-pct 10 --server-prefix "${PFX}_d" --wins-out "$T/wins.txt"
check "huntgen reported" [ -s "$T/g.json" ]
check "json has every field" pyjson "$T/g.json" \
	'all(k in d for k in "ops_total ops_per_s claims won taken wrong timeouts double_winners p50_us p99_us p999_us server_cycles_per_op".split())'
check "double_winners is 0" pyjson "$T/g.json" 'd["double_winners"] == 0'
check "no WON for a wrong answer" pyjson "$T/g.json" 'd["won_wrong_answer"] == 0'
check "no TAKEN naming an unacknowledged winner" pyjson "$T/g.json" \
	'd["taken_unknown_winner"] == 0 and d["taken_other_winner"] == 0'
check "retransmitted claims got their first answer again" pyjson "$T/g.json" \
	'd["late_checked"] > 100 and d["retransmit_mismatch"] == 0'
check "no timeouts, no unknown replies" pyjson "$T/g.json" 'd["timeouts"] == 0 and d["unknown_replies"] == 0'
check "three waves of both hunts completed" pyjson "$T/g.json" 'd["waves_completed"] == 3'
check "one acknowledged winner per clue per wave" pyjson "$T/g.json" 'd["wins_acked"] == 3 * (200 + 100)'
check "claims saw WON, TAKEN and WRONG_ANSWER" pyjson "$T/g.json" 'd["won"] > 0 and d["taken"] > 0 and d["wrong"] > 0'
check "server cycles per op read from telemetry" pyjson "$T/g.json" 'd["server_cycles_per_op"] > 0'
python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/stats >"$T/tel.json"
check "telemetry /hunt/stats answers" pyjson "$T/tel.json" 'd["/hunt/stats"]["rx_pkts"] > 0'
python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/waves >"$T/waves.json"
check "telemetry /hunt/waves lists both hunts" pyjson "$T/waves.json" \
	'sorted(d["/hunt/waves"]) == ["hunt_1", "hunt_2"]'
echo /hunt/drops | dpdk-telemetry.py -f "${PFX}_d" >"$T/dt.out" 2>&1
check "dpdk-telemetry.py reads /hunt/drops" grep -q '"/hunt/drops": {"MBUF_SEGMENTED": 0' "$T/dt.out"
check "huntd exits 0 on SIGTERM" stop_huntd d
check "huntgen exits 0: no invariant failed" finish_gen g
check "counters add up" python3 "$IT_DIR/accounting.py" "$T/d.stats.json"
check "server saw every wave close because all clues were won" pyjson "$T/d.stats.json" \
	'all(h["closed_all_won"] == 3 and h["state"] == 3 for h in d["hunts"])'
check "server WON replies match huntgen's" python3 -c "
import json; s = json.load(open('$T/d.stats.json')); g = json.load(open('$T/g.json'))
w = s['status']['WON']
exit(0 if w == g['won'] + g['late_won'] and g['timeouts'] == 0 else 1)"
check "huntctl journal verify passes" "$B/huntctl" journal verify "$T/journal"
"$B/huntctl" journal dump "$T/journal" --json >"$T/dump.jsonl"
check "every acknowledged WON is a WIN record, and each clue has one" \
	python3 "$IT_DIR/wins_durable.py" "$T/wins.txt" "$T/dump.jsonl" 900
check "journal holds one WAVE_OPEN and one WAVE_CLOSE per wave" python3 -c "
import json, collections
c = collections.Counter(json.loads(l)['type'] for l in open('$T/dump.jsonl'))
exit(0 if c['WAVE_OPEN'] == 6 and c['WAVE_CLOSE'] == 6 and c['JOIN'] == 3000 else 1)"
it_done
