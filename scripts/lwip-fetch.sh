#!/bin/sh
# lwip-fetch.sh BUILDDIR - fetch lwIP 2.1 from Debian's own `lwip` source
# package and unpack it in BUILDDIR/lwip/src (the Makefile's lwIP rules
# compile it into the kernel; nothing of it is committed). apt-get reads
# a private deb-src list under BUILDDIR/lwip/apt, not the machine's apt
# configuration. Idempotent: a tree already unpacked is left alone.
set -eu
build=${1:?usage: lwip-fetch.sh BUILDDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
dir=$build/lwip
stamp=$dir/src/.keel-unpacked
[ -f "$stamp" ] && exit 0

if ! command -v dpkg-source >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "lwip-fetch: dpkg-source missing (install dpkg-dev as root)" >&2
		exit 1
	fi
	echo "lwip-fetch: installing dpkg-dev"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends dpkg-dev
fi

apt=$dir/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/dl"
echo 'deb-src http://deb.debian.org/debian bookworm main' > "$apt/sources.list"
set -- -q -o Dir::Etc::SourceList="$apt/sources.list" \
	-o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
	-o APT::Sandbox::User=root
echo "lwip-fetch: apt-get source lwip (Debian bookworm, private list in $apt)"
apt-get "$@" update >"$apt/update.log" 2>&1 ||
	{ cat "$apt/update.log" >&2; exit 1; }
(cd "$dir/dl" && apt-get "$@" source --download-only lwip) >"$apt/source.log" 2>&1 ||
	{ cat "$apt/source.log" >&2; exit 1; }

dsc=$(ls "$dir"/dl/lwip_*.dsc | tail -1)
rm -rf "$dir/src.tmp"
dpkg-source --no-check -x "$dsc" "$dir/src.tmp" >"$apt/unpack.log" 2>&1 ||
	{ cat "$apt/unpack.log" >&2; exit 1; }
rm -rf "$dir/src"
mv "$dir/src.tmp" "$dir/src"
basename "$dsc" .dsc > "$stamp"
echo "lwip-fetch: $(cat "$stamp") unpacked in $dir/src"
