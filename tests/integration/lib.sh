# Helpers for integration tests: start and stop huntd, run huntgen, record
# checks as "ok - NAME" / "not ok - NAME". Sourced by tests/integration/*.sh.
set -u
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$IT_DIR/../.." && pwd)
B=${HUNT_BUILD:-$TOP/build}
T=$(mktemp -d /tmp/hunt-it.XXXXXX)
PFX=hunt$$
IT_PIDS=""
IT_NETNS=""
IT_FAILED=0

it_cleanup() {
	for p in $IT_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $IT_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$IT_NETNS" ] && ip netns del "$IT_NETNS" 2>/dev/null
	rm -rf /var/run/dpdk/${PFX}* 2>/dev/null
	# Keep the logs of a failed run for scripts/test to show.
	[ "$IT_FAILED" = 0 ] && [ -z "${IT_KEEP:-}" ] && rm -rf "$T"
}
trap it_cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; IT_FAILED=1; }

# check NAME CMD...: runs CMD, records ok or not ok.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

# start_huntd NAME CONFIG EAL-ARGS...: starts huntd in the background and
# waits until it says it is ready (or dies, or 30 s pass). With IT_JOURNAL
# set, huntd journals to that directory; IT_HUNTD_ARGS are more of huntd's
# own options (after the EAL's).
start_huntd() {
	local name=$1 conf=$2
	shift 2
	${IT_EXEC:-} "$B/huntd" --no-pci --no-huge -m 256 --file-prefix "${PFX}_$name" "$@" \
		-- --config "$conf" --stats-out "$T/$name.stats.json" --control "$T/$name.sock" \
		${IT_JOURNAL:+--journal "$IT_JOURNAL"} ${IT_CATALOGUE:+--catalogue "$IT_CATALOGUE"} \
		${IT_HUNTD_ARGS:-} >>"$T/$name.log" 2>&1 &
	local pid=$!
	IT_PIDS="$IT_PIDS $pid"
	eval "PID_$name=$pid"
	local before
	before=$(grep -c "huntd: ready" "$T/$name.log")
	for _ in $(seq 1 300); do
		[ "$(grep -c "huntd: ready" "$T/$name.log")" -gt "$before" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	notok "huntd $name starts"
	cat "$T/$name.log"
	return 1
}

# stop_huntd NAME: SIGTERM, wait for exit, and require exit status 0.
stop_huntd() {
	local name=$1 pid
	eval "pid=\$PID_$name"
	kill -TERM "$pid"
	wait "$pid"
	local rc=$?
	IT_PIDS=$(echo "$IT_PIDS" | sed "s/ $pid//")
	return $rc
}

# run_gen NAME MEMIF-SOCKET QUEUES ARGS...: runs huntgen (lcore 1) until it
# has reported, leaving it lingering (port open, not polling) so huntd can
# stop before the memif link goes down; finish_gen ends it. Returns 1 if it
# never reported.
run_gen() {
	local name=$1 sock=$2 queues=$3
	shift 3
	: >"$T/$name.err" # the wait below must only see this run's lines
	"$B/huntgen" -l 1 --no-pci --no-huge -m 256 --file-prefix "${PFX}_$name" \
		--vdev "net_memif0,role=client,socket=$sock" -- --queues "$queues" --json --linger \
		"$@" >"$T/$name.json" 2>"$T/$name.err" &
	local pid=$!
	IT_PIDS="$IT_PIDS $pid"
	eval "GEN_$name=$pid"
	for _ in $(seq 1 3000); do
		grep -q "huntgen: lingering" "$T/$name.err" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# finish_gen NAME: ends a lingering huntgen; returns its exit status (0 when
# every invariant held).
finish_gen() {
	local pid
	eval "pid=\$GEN_$1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	local rc=$?
	IT_PIDS=$(echo "$IT_PIDS" | sed "s/ $pid//")
	return $rc
}

# await_line FILE PATTERN SECONDS: waits until a line of FILE matches
# PATTERN (grep), at most SECONDS; returns whether one did.
await_line() {
	for _ in $(seq 1 $(($3 * 10))); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	grep -q "$2" "$1"
}

# jq-free JSON field checks: pyjson FILE 'python expression over d'
pyjson() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"d": d})
if not ok:
    print("  failed: %s" % sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# start_huntd_tap CONFIG: makes a network namespace for this test (IPv6 off,
# so the kernel sends nothing but ARP), starts huntd in it on net_tap
# interface htap0 as "d", and gives htap0 the client address 198.18.0.2/24.
# Sets NS. Everything stays inside the namespace.
start_huntd_tap() {
	NS=hunt$$
	ip netns add "$NS" || { notok "create network namespace"; return 1; }
	IT_NETNS=$NS
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$NS" ip link set lo up
	IT_EXEC="ip netns exec $NS" start_huntd d "$1" -l 0 --vdev net_tap0,iface=htap0 || return 1
	ip netns exec "$NS" ip addr add 198.18.0.2/24 dev htap0
	ip netns exec "$NS" ip link set htap0 up
}

# in_ns CMD...: runs CMD in the test's namespace with huntclient importable.
in_ns() {
	ip netns exec "$NS" env PYTHONPATH="$IT_DIR" "$@"
}

it_done() {
	exit $IT_FAILED
}
