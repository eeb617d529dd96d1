#!/usr/bin/env bash
# Proves that a plain kernel UDP client (tests/integration/huntclient.py,
# written from docs/protocol.md) can talk to huntd through net_tap: the
# kernel resolves huntd's address by ARP, then JOIN, DIG, ENTER, WAVE_STATE
# and CLAIM behave as documented, a bad token or a missing JOIN gets no
# reply and is counted, and the counters add up. Everything runs in a
# network namespace made for the test (198.18.0.0/24 never leaves it).
. "$(dirname "$0")/lib.sh"

cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[world]
id = 1
size = 100
loot_tiles = 50
loot_seed = 5
[hunt]
id = 1
world = 1
clues_per_wave = 8
wave_duration_ms = 600000
answer_seed = 77
buildings = 4
treasures_per_building = 2
CONF

start_huntd_tap "$T/hunt.conf" || it_done
in_ns python3 "$IT_DIR/tap_client.py" 198.18.0.1 77 5 100
check "the kernel learned huntd's MAC by ARP" \
	sh -c "ip netns exec $NS ip neigh show 198.18.0.1 | grep -q lladdr"
python3 "$IT_DIR/telemetry.py" "${PFX}_d" /hunt/drops >"$T/drops.json"
check "the three forged requests were counted as TOKEN drops" pyjson "$T/drops.json" \
	'd["/hunt/drops"]["TOKEN"] == 3'
check "huntd exits 0" stop_huntd d
check "counters add up" python3 "$IT_DIR/accounting.py" "$T/d.stats.json"
check "huntd answered ARP" pyjson "$T/d.stats.json" 'd["total"]["arp_replies"] >= 1'
it_done
