#!/usr/bin/env bash
# Proves a flood of malformed frames never crashes huntd and every one is
# counted: through net_tap, frames built to hit each drop reason reachable
# from the wire (200 of each) and 20,000 random ones; after each batch a
# valid request still gets its answer; after the crafted frames each
# reason's counter is exactly what was sent of it; at the end received =
# handled + dropped.
. "$(dirname "$0")/lib.sh"

NS=huntfl$$
ip netns add "$NS" || { notok "create network namespace"; it_done; }
IT_NETNS=$NS
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
cat >"$T/hunt.conf" <<CONF
[server]
ip = 198.18.0.1
[world]
id = 1
[hunt]
id = 1
world = 1
clues_per_wave = 8
wave_duration_ms = 600000
CONF
IT_EXEC="ip netns exec $NS" start_huntd d "$T/hunt.conf" -l 0 --vdev net_tap0,iface=htap0 || exit 1
ip netns exec "$NS" ip addr add 198.18.0.2/24 dev htap0
ip netns exec "$NS" ip link set htap0 up
mac=$(sed -n 's/.*mac=\([0-9A-Fa-f:]*\).*/\1/p' "$T/d.log")
ip netns exec "$NS" env PYTHONPATH="$IT_DIR" python3 "$IT_DIR/flood.py" htap0 "$mac" 198.18.0.1 \
	"$T/expected.json" 20000 "${PFX}_d"
check "huntd still running" kill -0 "$PID_d"
check "huntd exits 0" stop_huntd d
check "every frame accounted for (received = handled + dropped, by reason)" \
	python3 "$IT_DIR/accounting.py" "$T/d.stats.json"
check "each crafted drop reason counted at least as often as sent" python3 -c "
import json, sys
e = json.load(open('$T/expected.json')); s = json.load(open('$T/d.stats.json'))
bad = [(k, n, s['total']['drops'][k]) for k, n in e['expected'].items() if s['total']['drops'][k] < n]
print('  short:', bad) if bad else None
sys.exit(1 if bad else 0)"
check "huntd received every frame sent" python3 -c "
import json, sys
e = json.load(open('$T/expected.json')); s = json.load(open('$T/d.stats.json'))
sys.exit(0 if s['total']['rx_pkts'] >= e['crafted'] + e['garbage'] else 1)"
it_done
