#!/usr/bin/env bash
# Proves huntd --reflect, perf/bench's measure of the rig: over net_memif,
# every datagram huntgen sends comes back (no timeouts), as a reply of the
# same length, while huntd's hunt protocol handles nothing (no op counted,
# no status sent) and every frame in goes out.
. "$(dirname "$0")/lib.sh"

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[world]
id = 1
size = 100
loot_tiles = 100
[hunt]
id = 1
world = 1
clues_per_wave = 50
wave_duration_ms = 60000
max_players = 1000
CONF

IT_HUNTD_ARGS=--reflect start_huntd d "$T/hunt.conf" -l 0 --vdev "net_memif0,role=server,socket=$T/memif.sock" ||
	it_done
check "huntd says it reflects" grep -q "every datagram goes back as it came" "$T/d.log"
run_gen g "$T/memif.sock" 1 --config "$T/hunt.conf" --hunters-per-clue 4 --duration 1 \
	--retransmit-pct 0 --dup-pct 0 --server-prefix "${PFX}_d"
check "huntgen reported" [ -s "$T/g.json" ]
check "every request came back: replies, no timeouts, none longer than sent" pyjson "$T/g.json" \
	'd["ops_total"] > 1000 and d["timeouts"] == 0 and d["amplified"] == 0 and d["unknown_replies"] == 0'
check "huntd exits 0 on SIGTERM" stop_huntd d
finish_gen g
check "frames out = frames in, and the hunt protocol handled none" pyjson "$T/d.stats.json" \
	'd["total"]["tx_pkts"] == d["total"]["rx_pkts"] and d["total"]["steered"] > 1000 and all(v == 0 for v in d["ops"].values()) and all(v == 0 for v in d["status"].values())'
it_done
