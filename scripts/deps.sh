#!/bin/sh
# deps.sh - install what building and testing keel needs, from Debian's
# archive only, when it is missing. Run as root on Debian 12 (make deps).
set -eu
need=""
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in gcc make binutils libc6-dev linux-libc-dev qemu-system-x86 libcmocka-dev libxen-dev \
	 clang-format cpio busybox-static python3 xz-utils perl \
	 luajit lua-ljsyscall nginx-light musl-tools iproute2 iputils-ping \
	 redis-server redis-tools wrk iperf3 curl \
	 e2fsprogs sqlite3 fio gawk jq bsdutils gdb gnuplot-nox \
	 clang libclang-rt-14-dev \
	 libyaml-dev libxml2-utils libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu; do
	have "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "deps: installing$need"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$need (run as root, or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $need
