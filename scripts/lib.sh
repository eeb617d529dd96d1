# Shared by scripts/demo and scripts/test: install what is missing, build.
# Sourced, not run. Idempotent: a second call installs and rebuilds nothing
# that is already there.

HUNT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HUNT_BUILD=${HUNT_BUILD:-$HUNT_TOP/build}

# Debian 12 packages the build, the tests and the demo need.
HUNT_PACKAGES="build-essential meson ninja-build pkg-config libdpdk-dev dpdk-dev
 libsodium-dev libcriterion-dev liburing-dev libjansson-dev python3 iproute2 procps
 clang libclang-rt-14-dev valgrind"

hunt_need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$0: run as root (DPDK, hugepage-free memif and tap need it)" >&2
		exit 2
	fi
}

hunt_install_deps() {
	local missing=""
	for p in $HUNT_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

HUNT_BUILD_SAN=${HUNT_BUILD_SAN:-$HUNT_TOP/build-san}

# The same sources built by clang with AddressSanitizer, UndefinedBehavior-
# Sanitizer and libFuzzer coverage: the unit tests run again here, and the
# fuzz targets live here.
hunt_build_san() {
	if [ ! -f "$HUNT_BUILD_SAN/build.ninja" ]; then
		CC=clang meson setup "$HUNT_BUILD_SAN" "$HUNT_TOP" -Dfuzz=true \
			-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	fi
	ninja -C "$HUNT_BUILD_SAN" >/dev/null
}

hunt_build() {
	if [ ! -f "$HUNT_BUILD/build.ninja" ]; then
		meson setup "$HUNT_BUILD" "$HUNT_TOP" >/dev/null
	fi
	ninja -C "$HUNT_BUILD" >/dev/null
}
