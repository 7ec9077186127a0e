#!/bin/bash
# run.sh - the network tests against Linux's own stack as the peer (make
# test-net): each case boots keel with --net tap:IFNAME inside a network
# namespace this script makes (tests/net/netns.sh) and deletes, so no
# frame goes anywhere but that namespace. Today: the virtio-net driver's
# raw ARP request for 10.0.2.2 is answered by the namespace's kernel,
# and the frames show in the TAP's counters. The TCP/IP cases (HTTP,
# ping, UDP, netem) come with the stack (docs/net.md). Prints PASS/FAIL
# per case; logs in build/net-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
logs=build/net-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=net-
. tests/lib.sh
plan 2

keel=$PWD/build/keel
ns=keel-net-$$
tap=ktap0
cleanup() { bash tests/net/netns.sh down "$ns"; }
trap cleanup EXIT

if ! bash tests/net/netns.sh up "$ns" "$tap" >"$logs/netns.log" 2>&1; then
	why="cannot make the namespace (root and iproute2 needed): $(tail -1 "$logs/netns.log")"
	result arp-tap 0 "$why"
	result tap-counters 0 "$why"
	echo "net: $pass passed, $fail failed"
	exit 1
fi

# ARP through the TAP: Linux in the namespace answers for 10.0.2.2.
export XDG_CACHE_HOME=$PWD/$logs/cache
timeout 120 ip netns exec "$ns" "$keel" run -q --accel tcg --net "tap:$tap" \
	-k keel.test=netdev-arp -- /bin/true >"$logs/arp-tap.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "^selftest netdev-arp: ok" "$logs/arp-tap.log"; then
	result arp-tap 1
else
	result arp-tap 0 "status $rc, or netdev-arp did not pass"
fi

# The frames really crossed the namespace's TAP, both ways (its counters
# outlive the QEMU that had it open; the neighbour table does not).
ip -n "$ns" -s link show dev "$tap" >"$logs/tap-counters.log" 2>&1
read -r rx tx < <(awk '/RX:/ { getline; r = $2 } /TX:/ { getline; t = $2 } END { print r + 0, t + 0 }' "$logs/tap-counters.log")
if [ "${rx:-0}" -ge 1 ] && [ "${tx:-0}" -ge 1 ]; then
	result tap-counters 1
else
	result tap-counters 0 "the TAP received ${rx:-?} and sent ${tx:-?} packets, want at least one each"
fi
echo "net: $pass passed, $fail failed"
[ "$fail" = 0 ]
