#!/bin/sh
# xen-net-dom0.sh - dom0's side of bench/xen-net.sh (busybox sh, run.sh --dom0-script, once per
# xl create): the time from `xl create` to the guest's first answered HTTP request, then nginx's
# requests/s for the 1 KiB file with Debian's wrk (run.sh --dom0-wrk). Reads /guest/net.env: IP, MAC,
# URL (the 1 KiB file's path), UP_S (at most this long for the first answer), WRK_ARGS.
# /guest/xen-httpwait: bench/xen-httpwait.c, static (run.sh --dom0-file).
# Prints "BENCH first_answer=S rps=R" (S: seconds after xl create started, dom0's clock).
# First answer: /guest/xen-httpwait (bench/xen-httpwait.c) starts a new GET every 10 ms, each on a
# fresh connection, until one is answered whole, and prints dom0's uptime then. A permanent ARP entry
# for the guest (its MAC is fixed in the vif line) keeps ARP resolution out of the measure.
. /guest/net.env
arp -i xenbr0 -s "$IP" "$MAC" || echo "cannot set the ARP entry for $IP"
set -- $(/guest/xen-httpwait "$IP" "$URL" 10 "$UP_S")
first=$1 tries=$2
if [ "$first" = none ] || [ -z "$first" ]; then
	echo "no answer from $IP in ${UP_S}s (${tries:-?} tries)"
	echo "BENCH first_answer=none rps=none"
	exit 1
fi
fa=$(awk -v a="$first" -v b="$XENBED_CREATE_START" 'BEGIN { printf "%.2f", a - b }')
echo "first answer at uptime $first, $fa s after xl create started ($tries tries)"
# wrk: bounded by its -d and by timeout.
rps=none
if [ -x /usr/bin/wrk ]; then
	# A port number in the URL: dom0 has no /etc/services to look "http" up in.
	timeout 60 /usr/bin/wrk $WRK_ARGS "http://$IP:80$URL" >/tmp/wrk.out 2>&1
	cat /tmp/wrk.out
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' /tmp/wrk.out)
	grep -q 'Non-2xx\|Socket errors' /tmp/wrk.out && echo "wrk saw errors" && rps=none
else
	echo "no wrk in dom0 (run.sh --dom0-wrk)"
fi
echo "BENCH first_answer=$fa rps=${rps:-none}"
