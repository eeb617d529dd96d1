#!/usr/bin/env bash
# Proves, with two huntd workers (two memif queues; both lcores on CPU 0 so
# huntgen keeps CPU 1) and huntgen sending 30% of requests to the queue of
# the worker that does not own their shard: the handed-over requests are
# answered by their owner, every handoff is counted on both sides, exactly
# one winner per clue still holds, and the counters add up per worker.
. "$(dirname "$0")/lib.sh"

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
n_shards = 16
[world]
id = 1
size = 200
loot_tiles = 2000
CONF
for h in 1 2 3 9 10 11; do  # 9 and 10 land on worker 0, the rest on worker 1
	cat >>"$T/hunt.conf" <<CONF
[hunt]
id = $h
world = 1
clues_per_wave = 50
waves = 2
wave_duration_ms = 60000
cooldown_ms = 20
answer_seed = $h
buildings = 10
max_players = 500
CONF
done

start_huntd d "$T/hunt.conf" --lcores '0@0,1@0' \
	--vdev "net_memif0,role=server,socket=$T/memif.sock" || it_done
check "huntd runs two workers" grep -q "workers=2" "$T/d.log"
run_gen g "$T/memif.sock" 2 --config "$T/hunt.conf" --hunters-per-clue 5 --duration 120 \
	--missteer-pct 30 --outstanding 64 --timeout-ms 200
check "huntgen reported" [ -s "$T/g.json" ]
check "double_winners is 0 across workers" pyjson "$T/g.json" 'd["double_winners"] == 0'
check "both waves of all six hunts completed" pyjson "$T/g.json" \
	'd["waves_completed"] == 2 and d["wins_acked"] == 6 * 2 * 50'
check "huntd exits 0" stop_huntd d
check "huntgen exits 0: no invariant failed" finish_gen g
check "counters add up per worker" python3 "$IT_DIR/accounting.py" "$T/d.stats.json"
check "both workers handed requests over and received some" pyjson "$T/d.stats.json" \
	'all(w["handed_off"] > 0 and w["handed_in"] > 0 for w in d["per_worker"])'
check "about 30% of requests were handed over" pyjson "$T/d.stats.json" \
	'0.2 < d["total"]["handed_off"] / (d["total"]["steered"] + d["total"]["handed_off"]) < 0.4'
check "hunts are split between the workers" pyjson "$T/d.stats.json" \
	'sorted(set(h["worker"] for h in d["hunts"])) == [0, 1]'
it_done
