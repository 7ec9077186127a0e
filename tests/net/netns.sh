#!/bin/bash
# netns.sh up NAME TAP | down NAME - the network tests' own world: a
# network namespace NAME holding a TAP device TAP with the host side's
# addresses (10.0.2.2/24 and fd00:6b::2/64), loopback up, nothing routed
# out of it. QEMU runs inside it (ip netns exec NAME ...) to open TAP, so
# every frame the guest sends ends in this namespace. Needs root (or
# CAP_NET_ADMIN) and iproute2. "down" deletes the namespace and with it
# the TAP.
set -eu
cmd=${1:?usage: netns.sh up NAME TAP | down NAME}
ns=${2:?namespace name}
case $cmd in
up)
	tap=${3:?TAP device name}
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" tuntap add dev "$tap" mode tap
	ip -n "$ns" addr add 10.0.2.2/24 dev "$tap"
	ip -n "$ns" -6 addr add fd00:6b::2/64 dev "$tap" nodad
	ip -n "$ns" link set "$tap" up
	;;
down)
	ip netns del "$ns" 2>/dev/null || true
	;;
*)
	echo "netns.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
