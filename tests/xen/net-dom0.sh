#!/bin/sh
# net-dom0.sh - the dom0 side of tests/xen/net.sh (busybox sh in dom0, run.sh --dom0-script): the HTTP
# cases against the guest's server on xenbr0, each ending in a line "CASE <name> 1" or
# "CASE <name> 0 <why>" that net.sh turns into PASS/FAIL. Reads /guest/net.env: IP (the guest's
# address), URL_1K and URL_16M (paths), SHA_16M (sha256 of the 16 MiB file), UP_S (seconds to wait
# for the first answer), KEEPALIVE (0: skip keepalive-100), REQUESTS_LONG (a second, longer requests
# case); /guest/index.html is the 1 KiB file the guest must serve byte for byte.
# Clients: busybox wget (one connection per request) and busybox nc (100 pipelined requests on one
# keep-alive connection). Every loop is bounded in count and time.
. /guest/net.env
base=http://$IP
up() { cut -d' ' -f1 /proc/uptime; }
ms_since() { awk -v a="$1" -v b="$(up)" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# up: the first answer, polled every 0.2 s (each try bounded by 2 s), for at most UP_S seconds.
t0=$(up) n=0 ok=''
while [ $n -lt $((UP_S * 5)) ] && [ "$(ms_since "$t0")" -lt $((UP_S * 1000)) ]; do
	if timeout 2 wget -q -O /tmp/first "$base$URL_1K" 2>/dev/null; then
		ok=1
		break
	fi
	n=$((n + 1))
	usleep 200000
done
if [ -n "$ok" ]; then
	echo "first answer $(ms_since "$t0") ms after the script started (create_start $XENBED_CREATE_START, now $(up))"
	echo "CASE up 1"
else
	echo "CASE up 0 no HTTP answer from $IP in ${UP_S}s"
	exit 1
fi

# fetch-1k: byte for byte the file the guest serves.
if timeout 20 wget -q -O /tmp/1k "$base$URL_1K" && cmp /tmp/1k /guest/index.html; then
	echo "CASE fetch-1k 1"
else
	echo "CASE fetch-1k 0 $(wc -c </tmp/1k 2>/dev/null || echo no) bytes, not /guest/index.html"
fi

# fetch-16m: 16 MiB through sha256sum, with the time it took.
t=$(up)
got=$(timeout 120 wget -q -O - "$base$URL_16M" | sha256sum | cut -d' ' -f1)
ms=$(ms_since "$t")
if [ "$got" = "$SHA_16M" ]; then
	echo "16 MiB in $ms ms"
	echo "CASE fetch-16m 1"
else
	echo "CASE fetch-16m 0 sha256 $got, want $SHA_16M ($ms ms)"
fi

# requests N: N wget in a row, each a new connection, each byte for byte, each bounded by 10 s and
# all by 1 s per request on average (under load one took ~0.4 s): the case requests-N. requests-100
# always; requests-$REQUESTS_LONG too when net.env sets it (make test-xen's keel run: 600, where 2 of
# 600 connections once hung in SYN_SENT for a client port the server still held in TIME_WAIT).
requests() {
	local n=$1 t i=0 good=0
	t=$(up)
	while [ $i -lt "$n" ] && [ "$(ms_since "$t")" -lt $((n * 1000)) ]; do
		i=$((i + 1))
		rm -f /tmp/r
		timeout 10 wget -q -O /tmp/r "$base$URL_1K" 2>/dev/null && cmp -s /tmp/r /guest/index.html &&
			good=$((good + 1))
	done
	ms=$(ms_since "$t")
	if [ $good = "$n" ]; then
		echo "$n requests in $ms ms"
		echo "CASE requests-$n 1"
	else
		echo "CASE requests-$n 0 $good of $n answered right ($i tried in $ms ms)"
	fi
}
requests 100
[ -z "${REQUESTS_LONG:-}" ] || requests "$REQUESTS_LONG"

# keepalive-100: 100 pipelined requests on one connection (the last says Connection: close); not
# asked of a server that closes every connection (KEEPALIVE=0 in net.env: busybox httpd).
[ "${KEEPALIVE:-1}" = 1 ] || exit 0
t=$(up) i=0
: >/tmp/req
while [ $i -lt 99 ]; do
	printf 'GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' "$URL_1K" "$IP" >>/tmp/req
	i=$((i + 1))
done
printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$URL_1K" "$IP" >>/tmp/req
timeout 30 nc -w 10 "$IP" 80 </tmp/req >/tmp/resp 2>/dev/null
ms=$(ms_since "$t")
codes=$(grep -c '^HTTP/1.1 200 OK' /tmp/resp)
lines=$(grep -c '^keel xen bed, line' /tmp/resp)
if [ "$codes" = 100 ] && [ "$lines" = 1600 ]; then
	echo "100 pipelined requests on one connection in $ms ms"
	echo "CASE keepalive-100 1"
else
	echo "CASE keepalive-100 0 $codes 200-responses and $lines body lines of 100 and 1600 ($ms ms, $(wc -c </tmp/resp) bytes)"
fi
exit 0
