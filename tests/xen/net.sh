#!/bin/bash
# net.sh [GUEST] - the network of the nested Xen bed (tests/xen/run.sh): one bed boot with GUEST on
# xenbr0 serving HTTP on port 80, and dom0 as the client (tests/xen/net-dom0.sh, run.sh --dom0-script):
# up (first answer within UP_S s), fetch-1k (byte for byte, cmp), fetch-16m (sha256), requests-100
# (100 busybox wget in a row, a connection each), keepalive-100 (100 pipelined requests on one
# connection, busybox nc), and boot (the run itself: the script's status, the guest's end after
# dom0's xl shutdown). GUEST (default linux, or $XEN_NET_GUEST) picks a guest of net-guests.sh:
# linux is Debian's kernel + nginx (bench/xen-linux-nginx.sh, 169.254.1.3, Linux's xen-netfront);
# keel is keel's xl image of Debian's nginx (169.254.1.2, keel's netfront). For keel, unless MODE
# (the second argument) is fast, two more bed boots: reattach (xl network-detach while idle, then
# network-attach: it answers again) and shutdown-open (xl shutdown -w with connections held open and
# a download under way: it ends by itself, status 0), tests/xen/net-life-dom0.sh; requests-600 (600
# wget in a row in the first boot: a client port the server still holds in TIME_WAIT comes back
# within 600, which once hung 2 of them in SYN_SENT); client-1k and
# client-16m (Debian's curl in keel fetches from busybox httpd in dom0, tests/xen/net-client-dom0.sh:
# the 1 KiB file printed byte for byte on its console, 16 MiB counted, status 0); busybox-up,
# busybox-fetch-1k, busybox-fetch-16m and busybox-requests-100 (busybox httpd in keel, which forks
# a child per connection, and the same dom0 script without keepalive-100). Prints PLAN, then
# PASS/FAIL per case (tests/lib.sh) and "xen-net: N passed, N failed". make test-xen-net (root);
# make test runs `net.sh keel fast`, make test-xen `net.sh keel`.
set -u
cd "$(dirname "$0")/../.."
guest=${1:-${XEN_NET_GUEST:-linux}}
mode=${2:-full}
logs=build/xen-logs/net-$guest
mkdir -p "$logs"
prefix=xen-net-$guest-
. tests/lib.sh
CASES="up fetch-1k fetch-16m requests-100 keepalive-100 boot"
MORE=''
BB="busybox-up busybox-fetch-1k busybox-fetch-16m busybox-requests-100"
LONG=''
if [ "$guest" = keel ] && [ "$mode" != fast ]; then
	MORE="reattach shutdown-open client-1k client-16m $BB"
	LONG=600
	CASES="$CASES requests-$LONG"
fi
plan $(echo $CASES $MORE | wc -w)
UP_S=${UP_S:-90}
. tests/xen/net-guests.sh

all_fail() { # why: every case fails with it
	local c
	for c in $CASES $MORE; do result "$c" 0 "$1"; done
	echo "xen-net: $pass passed, $fail failed"
	exit 1
}

net_guest "$guest" "$logs" >"$logs/guest.why" || all_fail "$(cat "$logs/guest.why")"
sha=$(sed -n 's/ *16m.bin$//p' "$NET_WWW/../SHA256SUMS")
printf '%s\n' "IP=$IP" "MAC=$MAC" URL_1K=/index.html URL_16M=/16m.bin "SHA_16M=$sha" "UP_S=$UP_S" \
	${LONG:+"REQUESTS_LONG=$LONG"} >"$logs/net.env"

log=$logs/boot.log
bash tests/xen/run.sh "${ARGS[@]}" --timeout $((UP_S + 240 + ${LONG:-0})) --dom0-script tests/xen/net-dom0.sh \
	--dom0-file "$logs/net.env" --dom0-file "$NET_WWW/index.html" --log "$log" >"$log.out" 2>&1
rc=$?
for c in $CASES; do # the logs tests/lib.sh's FAIL lines name (boot.log is the serial log itself)
	[ "$c" = boot ] || ln -sf boot.log.out "$logs/$c.log"
done
verdicts() { # cases...: each from dom0's "CASE name 1|0 why" line in $log.out; $vp before each name
	local c line
	for c in "$@"; do
		line=$(grep -m1 "^dom0-script: CASE $c " "$log.out" | sed 's/^dom0-script: CASE [^ ]* //')
		case $line in
		1) result "${vp:-}$c" 1 ;;
		0\ *) result "${vp:-}$c" 0 "${line#0 }" ;;
		*) result "${vp:-}$c" 0 "no verdict from dom0 (run.sh exit $rc: $(grep -m1 -E 'XENBED-RESULT|TEST BED' "$log.out"))" ;;
		esac
	done
}
verdicts up fetch-1k fetch-16m requests-100 keepalive-100 ${LONG:+requests-$LONG}
grep '^dom0-script: ' "$log.out" | grep -v '^dom0-script: CASE ' | sed 's/^dom0-script: /  /'
got=$(grep -m1 '^XENBED-RESULT' "$log.out")
if ! grep -q '^XENBED-SCRIPT run=1 rc=0$' "$log.out"; then
	result boot 0 "dom0 script: $(grep -m1 '^XENBED-SCRIPT' "$log.out" || echo 'no XENBED-SCRIPT line') (run.sh exit $rc)"
elif [[ "$got" != "XENBED-RESULT $WANT "* ]]; then
	result boot 0 "'$got', want $WANT after xl shutdown (run.sh exit $rc)"
else
	result boot 1
fi

if [ -n "$MORE" ]; then
	log=$logs/life.log
	bash tests/xen/run.sh "${ARGS[@]}" --timeout $((UP_S + 240)) --dom0-script tests/xen/net-life-dom0.sh \
		--dom0-file "$logs/net.env" --dom0-file "$NET_WWW/index.html" --log "$log" >"$log.out" 2>&1
	rc=$?
	ln -sf life.log.out "$logs/reattach.log"
	ln -sf life.log.out "$logs/shutdown-open.log"
	grep '^dom0-script: ' "$log.out" | grep -v '^dom0-script: CASE ' | sed 's/^dom0-script: /  /'
	verdicts reattach
	# shutdown-open also needs the guest to have ended by itself, cleanly.
	if grep -q '^XENBED-RESULT reason=poweroff status=0 ' "$log.out"; then
		verdicts shutdown-open
	else
		result shutdown-open 0 "'$(grep -m1 '^XENBED-RESULT' "$log.out")', want poweroff status 0 (run.sh exit $rc)"
	fi

	# The guest as the client: curl fetches 16 MiB (counted) and then the 1 KiB file (printed).
	dir=$logs/client-xl log=$logs/client.log
	rm -rf "$dir"
	if build/keel xl -q -o "$dir" --guest-dir /guest -m 64 -k keel.ip=$IP/16 --net bridge=xenbr0,mac=$MAC \
		-- /usr/bin/curl -sS --retry 30 --retry-connrefused --retry-delay 1 --max-time 60 \
		-w 'client: %{http_code} %{size_download}\n' \
		-o /dev/null http://169.254.1.1:8080/16m.bin -o - http://169.254.1.1:8080/index.html \
		>"$logs/client-xl.log" 2>&1; then
		bash tests/xen/run.sh --xl-dir "$dir" --timeout $((UP_S + 120)) \
			--dom0-script tests/xen/net-client-dom0.sh --dom0-file "$NET_WWW/index.html" \
			--dom0-file "$NET_WWW/16m.bin" --log "$log" >"$log.out" 2>&1
		rc=$?
	else
		rc="keel xl failed: $(tail -1 "$logs/client-xl.log")"
	fi
	ln -sf client.log "$logs/client-1k.log"
	ln -sf client.log "$logs/client-16m.log"
	sed -n 's/^\[[^]]*\] guest: //p' "$log" 2>/dev/null | tr -d '\r' >"$logs/client.console"
	end="run.sh: $rc, $(grep -m1 '^XENBED-RESULT' "$log.out" 2>/dev/null)"
	lines=$(grep -cxF -f "$NET_WWW/index.html" "$logs/client.console")
	want=$(wc -l <"$NET_WWW/index.html")
	if grep -qx 'client: 200 1024' "$logs/client.console" && [ "$lines" = "$want" ] && [ "$rc" = 0 ]; then
		result client-1k 1
	else
		result client-1k 0 "$lines of $want lines of the file on the guest's console, want all and 'client: 200 1024' ($end)"
	fi
	if grep -qx 'client: 200 16777216' "$logs/client.console" && [ "$rc" = 0 ]; then
		result client-16m 1
	else
		result client-16m 0 "want 'client: 200 16777216' on the guest's console and status 0: $(grep -m1 '^client: ' "$logs/client.console") ($end)"
	fi

	# busybox httpd in keel (a child forked per connection) serves the same files to the same client.
	log=$logs/busybox.log
	if net_guest busybox "$logs" >"$logs/busybox.why"; then
		printf '%s\n' "IP=$IP" "MAC=$MAC" URL_1K=/index.html URL_16M=/16m.bin "SHA_16M=$sha" "UP_S=$UP_S" \
			KEEPALIVE=0 >"$logs/busybox.env"
		bash tests/xen/run.sh "${ARGS[@]}" --timeout $((UP_S + 240)) --dom0-script tests/xen/net-dom0.sh \
			--dom0-file "$logs/busybox.env:net.env" --dom0-file "$NET_WWW/index.html" --log "$log" >"$log.out" 2>&1
		rc=$?
	else
		rc="not built: $(cat "$logs/busybox.why")"
		: >"$log.out"
	fi
	for c in $BB; do ln -sf busybox.log.out "$logs/$c.log"; done
	grep '^dom0-script: ' "$log.out" | grep -v '^dom0-script: CASE ' | sed 's/^dom0-script: /  busybox: /'
	vp=busybox- verdicts up fetch-1k fetch-16m requests-100
fi
echo "xen-net: $pass passed, $fail failed"
[ "$fail" = 0 ]
