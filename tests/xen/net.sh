#!/bin/bash
# net.sh [GUEST] - the network of the nested Xen bed (tests/xen/run.sh): one bed boot with GUEST on
# xenbr0 serving HTTP on port 80, and dom0 as the client (tests/xen/net-dom0.sh, run.sh --dom0-script):
# up (first answer within UP_S s), fetch-1k (byte for byte, cmp), fetch-16m (sha256), requests-100
# (100 busybox wget in a row, a connection each), keepalive-100 (100 pipelined requests on one
# connection, busybox nc), and boot (the run itself: the script's status, the guest's end after
# dom0's xl shutdown). GUEST (default linux, or $XEN_NET_GUEST) picks a guest of net-guests.sh:
# linux is Debian's kernel + nginx (bench/xen-linux-nginx.sh, 169.254.1.3, Linux's xen-netfront);
# keel is keel's xl image of Debian's nginx (169.254.1.2, keel's netfront). Prints PLAN, then
# PASS/FAIL per case (tests/lib.sh) and "xen-net: N passed, N failed". make test-xen-net (root).
set -u
cd "$(dirname "$0")/../.."
guest=${1:-${XEN_NET_GUEST:-linux}}
logs=build/xen-logs/net-$guest
mkdir -p "$logs"
prefix=xen-net-$guest-
. tests/lib.sh
CASES="up fetch-1k fetch-16m requests-100 keepalive-100 boot"
plan 6
UP_S=${UP_S:-90}
. tests/xen/net-guests.sh

all_fail() { # why: every case fails with it
	local c
	for c in $CASES; do result "$c" 0 "$1"; done
	echo "xen-net: $pass passed, $fail failed"
	exit 1
}

net_guest "$guest" "$logs" >"$logs/guest.why" || all_fail "$(cat "$logs/guest.why")"
sha=$(sed -n 's/ *16m.bin$//p' "$NET_WWW/../SHA256SUMS")
printf '%s\n' "IP=$IP" "MAC=$MAC" URL_1K=/index.html URL_16M=/16m.bin "SHA_16M=$sha" "UP_S=$UP_S" >"$logs/net.env"

log=$logs/boot.log
bash tests/xen/run.sh "${ARGS[@]}" --timeout $((UP_S + 240)) --dom0-script tests/xen/net-dom0.sh \
	--dom0-file "$logs/net.env" --dom0-file "$NET_WWW/index.html" --log "$log" >"$log.out" 2>&1
rc=$?
for c in $CASES; do # the logs tests/lib.sh's FAIL lines name (boot.log is the serial log itself)
	[ "$c" = boot ] || ln -sf boot.log.out "$logs/$c.log"
done
for c in $CASES; do
	[ "$c" != boot ] || continue
	line=$(grep -m1 "^dom0-script: CASE $c " "$log.out" | sed 's/^dom0-script: CASE [^ ]* //')
	case $line in
	1) result "$c" 1 ;;
	0\ *) result "$c" 0 "${line#0 }" ;;
	*) result "$c" 0 "no verdict from dom0 (run.sh exit $rc: $(grep -m1 -E 'XENBED-RESULT|TEST BED' "$log.out"))" ;;
	esac
done
grep '^dom0-script: ' "$log.out" | grep -v '^dom0-script: CASE ' | sed 's/^dom0-script: /  /'
got=$(grep -m1 '^XENBED-RESULT' "$log.out")
if ! grep -q '^XENBED-SCRIPT run=1 rc=0$' "$log.out"; then
	result boot 0 "dom0 script: $(grep -m1 '^XENBED-SCRIPT' "$log.out" || echo 'no XENBED-SCRIPT line') (run.sh exit $rc)"
elif [[ "$got" != "XENBED-RESULT $WANT "* ]]; then
	result boot 0 "'$got', want $WANT after xl shutdown (run.sh exit $rc)"
else
	result boot 1
fi
echo "xen-net: $pass passed, $fail failed"
[ "$fail" = 0 ]
