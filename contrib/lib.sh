# Shared by contrib/check, contrib/demo and contrib/bench: Debian packages
# and an out-of-tree build.  Source it from the top of the tree.

# The Debian 12 packages lenscap needs to build, test, demo and bench.
LENSCAP_PACKAGES="build-essential autoconf automake libtool pkg-config
 libmicrohttpd-dev libgnutls28-dev libsodium-dev libyajl-dev
 libcurl4-gnutls-dev mandoc valgrind clang
 nginx-light gnutls-bin curl iproute2 systemd haproxy ffmpeg jq python3"

# need_packages [--no-recommends] [PACKAGE...]: installs what is missing
# of lenscap's packages and PACKAGEs when root; otherwise says what to
# install and fails.  --no-recommends: not their recommended packages
# (systemd-container's, libnss-mymachines, would edit /etc/nsswitch.conf).
need_packages() {
	apt_opts=""
	[ "${1:-}" = --no-recommends ] && { apt_opts=--no-install-recommends; shift; }
	missing=""
	for p in $LENSCAP_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "lenscap: missing Debian packages:$missing" >&2
		echo "lenscap: run as root, or: sudo apt-get install$missing" >&2
		return 1
	fi
	echo "==> installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 && apt-get install -y -qq $apt_opts $missing >&2
}

# build_tree DIR [configure args...]: configures (once) and builds in DIR.
build_tree() {
	dir=$1; shift
	[ -x configure ] || ./bootstrap >&2 || return 1
	mkdir -p "$dir" || return 1
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/Makefile" ]; then
		(cd "$dir" && "$OLDPWD/configure" -q "$@" >&2) || return 1
	fi
	make -s -C "$dir" -j"$(nproc)" >&2
}
