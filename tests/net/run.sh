#!/bin/bash
# run.sh [full|fast] - keel's network against Linux's own stack as the
# peer (make test-net: full; make test: fast). Every case boots keel with
# --net tap:ktap0 inside a network namespace this script makes
# (tests/net/netns.sh: the host side is 10.0.2.2/24 and fd00:6b::2/64,
# keel is 10.0.2.15 and fd00:6b::15) and deletes on exit, so no frame goes
# anywhere but that namespace. The programs at both ends are ordinary
# glibc ones built here: tests/net/netclient.c (fetch, send, sink, UDP
# echo) and tests/net/patserve.c (the HTTP server), checking every byte
# against the pattern of tests/net/pattern.h; a guest's exit status is
# keel run's, and a case passes only when it is 0.
#
# fast: the driver's raw ARP answered by the namespace's kernel, the TAP's
# counters both ways, a 4 MiB HTTP fetch over IPv4 from the namespace's
# patserve by netclient in keel, ping from the namespace to keel while a
# program runs in it, and a UDP echo round-trip (keel echoes, the host
# sends and checks). full adds the fetch over IPv6 (16 MiB), ping -6 and
# UDP over IPv6, and 100 MB each way (host to keel: an HTTP fetch; keel
# to host: netclient put into a sink on the host) through an impaired
# link: 5% loss, 25% reordered, 20 ms delay, by tc netem on the TAP when
# the host kernel has it, else by tests/net/impair.py, the same in user
# space, both ways (the log says which). Without root or namespaces every
# case fails with the reason. Prints PASS/FAIL per case and the times of
# the transfers; logs in build/net-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
mode=${1:-full}
logs=build/net-tests
[ "$mode" = fast ] && logs=build/net-tests-fast
rm -rf "$logs"
mkdir -p "$logs"
prefix=net-
. tests/lib.sh
cases="arp-tap tap-counters get-v4 ping-v4 udp-v4"
[ "$mode" = full ] && cases="$cases get-v6 ping-v6 udp-v6 bulk-in bulk-out"
plan $(echo $cases | wc -w)

keel=$PWD/build/keel
ns=keel-net-$$
tap=ktap0
ip4=10.0.2.15 host4=10.0.2.2 ip6=fd00:6b::15 host6=fd00:6b::2
bg=() # processes this script started, stopped on exit
cleanup() {
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
	bash tests/net/netns.sh down "$ns"
}
trap cleanup EXIT

# fail_all WHY: every case fails with the same reason (no test bed).
fail_all() {
	for c in $cases; do result "$c" 0 "$1"; done
	echo "net: $pass passed, $fail failed"
	exit 1
}

[ -x "$keel" ] || fail_all "no $keel (run make first)"
[ "$(id -u)" = 0 ] || fail_all "not root: the namespace and its TAP need root (sudo make test-net)"
if ! bash tests/net/netns.sh up "$ns" "$tap" >"$logs/netns.log" 2>&1; then
	fail_all "cannot make the namespace (root and iproute2 needed): $(tail -1 "$logs/netns.log")"
fi
w=$logs/bin
mkdir -p "$w"
if ! gcc -O2 -Wall -o "$w/netclient" tests/net/netclient.c >"$logs/build.log" 2>&1 ||
	! gcc -O2 -Wall -o "$w/patserve" tests/net/patserve.c >>"$logs/build.log" 2>&1; then
	fail_all "cannot build tests/net/netclient.c or patserve.c: $(tail -1 "$logs/build.log")"
fi
nc=$PWD/$w/netclient ps=$PWD/$w/patserve
export XDG_CACHE_HOME=$PWD/$logs/cache
inns() { ip netns exec "$ns" "$@"; }

# guest_cmd SECONDS PROGRAM ARGS...: in gcmd, keel run in the namespace on
# the TAP with the test's addresses, bounded twice (keel's -t, then
# timeout, which passes a kill on to keel).
guest_cmd() {
	local t=$1
	shift
	gcmd=(timeout -k 10 $((t + 60)) ip netns exec "$ns" "$keel" run -q --accel tcg
		--net "tap:$tap" -k "keel.ip=$ip4/24,gw=$host4" -k "keel.ip6=$ip6/64"
		-t "$t" -- "$@")
}

# guest LOG SECONDS PROGRAM ARGS...: run it, its status is keel run's.
guest() {
	local log=$1
	shift
	guest_cmd "$@"
	"${gcmd[@]}" >"$log" 2>&1
}

# host_bg LOG SECONDS PROGRAM ARGS...: a program in the namespace, in the
# background (its pid in $!, which a kill reaches through timeout).
host_bg() {
	local log=$1 t=$2
	shift 2
	timeout -k 5 "$t" ip netns exec "$ns" "$@" >"$log" 2>&1 &
}

# wait_for LOG TEXT SECONDS PID: 0 once LOG has TEXT, 1 if PID ends or
# the time runs out first.
wait_for() {
	for _ in $(seq "$3"); do
		grep -aq "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}

# stop_after PID SECONDS: give a host program SECONDS to end on its own
# (its status then says whether all went well), then stop it.
stop_after() {
	timeout "$2" tail --pid="$1" -f /dev/null
	kill "$1" 2>/dev/null
}

# why_of LOG: the line of a failed run that says most (netclient's or
# keel's own), for the FAIL line.
why_of() {
	grep -a -m1 -E '^netclient: [a-z ]*(:|differs|no echo|said|bad|want|more)|panic|keel: (stopping|timeout)' "$1" ||
		tail -1 "$1"
}

# ARP through the TAP: Linux in the namespace answers for 10.0.2.2.
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

# get NAME ADDR BYTES SECONDS: netclient in keel fetches BYTES from the
# namespace's patserve (listening on :: for both families) and checks
# them; the guest's status must be 0 and patserve's too.
get() {
	local name=$1 addr=$2 n=$3 t=$4 spid rc src
	host_bg "$logs/$name-server.log" $((t + 120)) "$ps" 8080 1 6
	spid=$!
	bg+=("$spid")
	if ! wait_for "$logs/$name-server.log" "patserve: listening" 10 "$spid"; then
		result "$name" 0 "patserve did not start: $(tail -1 "$logs/$name-server.log")"
		return
	fi
	guest "$logs/$name.log" "$t" "$nc" get "$addr" 8080 "$n"
	rc=$?
	stop_after "$spid" 10
	wait "$spid"
	src=$?
	if [ "$rc" = 0 ] && [ "$src" = 0 ]; then
		echo "  $name: $(grep -a '^netclient: got' "$logs/$name.log")"
		result "$name" 1
	else
		result "$name" 0 "keel run status $rc, patserve status $src: $(why_of "$logs/$name.log")"
	fi
}

get get-v4 "$host4" 4194304 120
[ "$mode" = full ] && get get-v6 "$host6" 16777216 180

# ping and UDP echo: keel runs netclient udpecho (until a "quit"
# datagram, then exit 0); while it waits, the namespace pings it (Linux's
# ping, answered by lwIP), then netclient udpping sends datagrams of 5 to
# 1404 bytes and checks each echo byte for byte (one is sent again after
# 2 s without its echo, at most twice: UDP may lose one).
udp_count=20
fams=4
[ "$mode" = full ] && fams="4 6"
gpid=
guest_cmd 240 "$nc" udpecho 7
"${gcmd[@]}" >"$logs/udp.log" 2>&1 &
gpid=$!
bg+=("$gpid")
if ! wait_for "$logs/udp.log" "netclient: udp echo on" 120 "$gpid"; then
	for f in $fams; do
		result "ping-v$f" 0 "the guest's echo server did not start: $(why_of "$logs/udp.log")"
	done
else
	for f in $fams; do
		a=$ip4
		[ "$f" = 6 ] && a=$ip6
		if inns timeout 30 ping "-$f" -c 3 -W 2 "$a" >"$logs/ping-v$f.log" 2>&1; then
			echo "  ping-v$f: $(grep -a 'packets transmitted' "$logs/ping-v$f.log")"
			result "ping-v$f" 1
		else
			result "ping-v$f" 0 "$(grep -a 'packets transmitted' "$logs/ping-v$f.log" || tail -1 "$logs/ping-v$f.log")"
		fi
	done
fi
for f in $fams; do
	a=$ip4
	[ "$f" = 6 ] && a=$ip6
	inns timeout 120 "$nc" udpping "$a" 7 "$udp_count" >"$logs/udp-v$f.log" 2>&1
	ucode[$f]=$?
done
inns timeout 10 "$nc" udpquit "$ip4" 7 >"$logs/udp-quit.log" 2>&1
wait "$gpid"
rc=$?
for f in $fams; do
	if [ "${ucode[$f]}" = 0 ] && [ "$rc" = 0 ]; then
		echo "  udp-v$f: $(grep -a '^netclient:' "$logs/udp-v$f.log")"
		result "udp-v$f" 1
	else
		result "udp-v$f" 0 "udpping status ${ucode[$f]}, keel run status $rc: $(why_of "$logs/udp-v$f.log")"
	fi
done

if [ "$mode" != full ]; then
	echo "net: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

# 100 MB each way through an impaired link. tc netem on the TAP where the
# kernel has it (the frames the namespace sends to keel: lost, reordered,
# delayed; keel's own frames pass). Where it has not (CONFIG_NET_SCH_NETEM
# off, as on the development machines), tests/net/impair.py does the same
# in user space between the TAP QEMU holds, left without addresses or
# ARP, and a second TAP with the host's addresses. Bounded by keel's -t
# and timeout: host to keel took ~4 minutes under TCG, keel to host ~5 s.
bulk=100000000
netem="loss 5% reorder 25% delay 20ms"
if tc -n "$ns" qdisc add dev "$tap" root netem $netem >"$logs/impair.log" 2>&1; then
	echo "  impaired link: tc netem $netem on $tap"
else
	echo "  impaired link: tests/net/impair.py (no netem here: $(head -1 "$logs/impair.log"))"
	{
		ip -n "$ns" addr flush dev "$tap" &&
			inns sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" &&
			ip -n "$ns" link set "$tap" arp off &&
			ip -n "$ns" tuntap add dev ktap1 mode tap &&
			ip -n "$ns" addr add "$host4/24" dev ktap1 &&
			ip -n "$ns" -6 addr add "$host6/64" dev ktap1 nodad &&
			ip -n "$ns" link set ktap1 up
	} >>"$logs/impair.log" 2>&1
	timeout -k 5 2700 ip netns exec "$ns" python3 tests/net/impair.py "$tap" ktap1 2400 \
		>>"$logs/impair.log" 2>&1 &
	bg+=("$!")
	wait_for "$logs/impair.log" "^impair: $tap" 10 "$!"
fi
t0=$SECONDS
get bulk-in "$host4" "$bulk" 1500
echo "  bulk-in: $((SECONDS - t0)) s in all"
t0=$SECONDS
host_bg "$logs/bulk-out-sink.log" 1020 "$nc" sink 9000 1
spid=$!
bg+=("$spid")
if wait_for "$logs/bulk-out-sink.log" "netclient: sink on" 10 "$spid"; then
	guest "$logs/bulk-out.log" 900 "$nc" put "$host4" 9000 "$bulk"
	rc=$?
	stop_after "$spid" 10
	wait "$spid"
	src=$?
	echo "  bulk-out: $((SECONDS - t0)) s in all"
	if [ "$rc" = 0 ] && [ "$src" = 0 ]; then
		echo "  bulk-out: $(grep -a '^netclient: received' "$logs/bulk-out-sink.log")"
		result bulk-out 1
	else
		result bulk-out 0 "keel run status $rc, sink status $src: $(why_of "$logs/bulk-out.log") / $(why_of "$logs/bulk-out-sink.log")"
	fi
else
	result bulk-out 0 "the sink did not start: $(tail -1 "$logs/bulk-out-sink.log")"
fi
for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
sleep 1
grep -a "^impair: [0-9]" "$logs/impair.log" | sed 's/^/  /'
echo "net: $pass passed, $fail failed"
[ "$fail" = 0 ]
