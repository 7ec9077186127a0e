#!/bin/bash
# dns.sh - name resolution as a program in keel does it, against Linux
# peers in a network namespace this script makes (tests/net/netns.sh) and
# deletes: busybox's udhcpd leases the guest 10.0.2.15 and names 10.0.2.2
# as the DNS server, tests/net/dnsd.py answers "web.test" there, and
# tests/net/resolve.c (glibc, unmodified resolver) in keel resolves it,
# fetches 100000 bytes from tests/net/patserve.c at that address and checks
# them. So: DHCP over the TAP, the program starting after the lease,
# /etc/resolv.conf written from it (/proc/net/pnp), DNS over lwIP's UDP
# and a TCP fetch. Then the same boot with no DHCP server: the program
# still runs, after keel's bounded wait says so. Needs root. Prints
# PASS/FAIL per case (plan 2); logs in build/net-tests/dns.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
logs=build/net-tests/dns
rm -rf "$logs"
mkdir -p "$logs"
prefix=net-
. tests/lib.sh
plan 2

keel=$PWD/build/keel
ns=keel-dns-$$
tap=ktapd0
w=$PWD/$logs
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	bash tests/net/netns.sh down "$ns"
}
trap cleanup EXIT

fail_all() {
	result dns-dhcp-fetch 0 "$1"
	result dhcp-none-bounded 0 "$1"
	exit 1
}

gcc -O1 -o "$w/resolve" tests/net/resolve.c && gcc -O1 -o "$w/patserve" tests/net/patserve.c ||
	fail_all "cannot compile tests/net/resolve.c or patserve.c"
[ -x /bin/busybox ] || fail_all "/bin/busybox (busybox-static, for udhcpd) is not installed: make deps"
bash tests/net/netns.sh up "$ns" "$tap" >"$w/netns.log" 2>&1 ||
	fail_all "cannot make the namespace (root and iproute2 needed): $(tail -1 "$w/netns.log")"

cat >"$w/udhcpd.conf" <<CONF
start 10.0.2.15
end 10.0.2.15
interface $tap
lease_file $w/leases
pidfile $w/udhcpd.pid
opt subnet 255.255.255.0
opt router 10.0.2.2
opt dns 10.0.2.2
opt lease 600
CONF
: >"$w/leases"
ip netns exec "$ns" timeout 200 /bin/busybox udhcpd -f "$w/udhcpd.conf" >"$w/udhcpd.log" 2>&1 &
dhcpd=$!
pids+=("$dhcpd")
ip netns exec "$ns" timeout 200 python3 tests/net/dnsd.py web.test 10.0.2.2 190 >"$w/dnsd.log" 2>&1 &
pids+=($!)
ip netns exec "$ns" timeout 200 "$w/patserve" 8080 1 >"$w/patserve.log" 2>&1 &
pids+=($!)
sleep 1

export XDG_CACHE_HOME=$w/cache
timeout 150 ip netns exec "$ns" "$keel" run -q --accel tcg -t 120 --net "tap:$tap" \
	-- "$w/resolve" web.test 8080 100000 >"$w/fetch.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "^resolve: web.test is 10.0.2.2" "$w/fetch.log" &&
	grep -q "^resolve: 100000 bytes as sent" "$w/fetch.log" &&
	grep -q "^dnsd: web.test type 1 -> 10.0.2.2" "$w/dnsd.log"; then
	result dns-dhcp-fetch 1
else
	result dns-dhcp-fetch 0 "status $rc: $(grep -v '^keel: syscall' "$w/fetch.log" | tail -2 | tr '\n' ' ')" \
		"(dnsd: $(tail -1 "$w/dnsd.log"))"
fi

# No DHCP server: keel waits a bounded time, says so, and runs the program.
kill "$dhcpd" 2>/dev/null
wait "$dhcpd" 2>/dev/null
timeout 150 ip netns exec "$ns" "$keel" run --verbose --accel tcg -t 120 --net "tap:$tap" \
	-- /bin/busybox echo ran >"$w/nodhcp.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "no DHCP answer in" "$w/nodhcp.log" && grep -q "^ran" "$w/nodhcp.log"; then
	result dhcp-none-bounded 1
else
	result dhcp-none-bounded 0 "status $rc, or no word of the missing DHCP answer: $(tail -2 "$w/nodhcp.log" | tr '\n' ' ')"
fi
echo "dns: $pass passed, $fail failed"
[ "$fail" = 0 ]
