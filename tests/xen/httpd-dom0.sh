#!/bin/sh
# httpd-dom0.sh - dom0's half of make run-httpd-xen (scripts/run-httpd-xen.sh; busybox sh in dom0,
# tests/xen/run.sh --dom0-script): wait for the guest's nginx at 169.254.1.2 (at most 60 s), fetch
# the page and print its first lines (it must be /guest/index.html byte for byte), run wrk for 3 s
# and print the request rate. Exits non-zero at the first step that fails. run.sh then ends the
# guest with xl shutdown.
url=http://169.254.1.2:80/
up() { cut -d' ' -f1 /proc/uptime; }
n=0
until timeout 2 wget -q -O /tmp/page "$url" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 300 ] || { echo "no answer from $url in 60 s"; exit 1; }
	usleep 200000
done
echo "first answer at dom0 uptime $(up) s (xl create began at $XENBED_CREATE_START s)"
cmp -s /tmp/page /guest/index.html || { echo "the page is not the file served"; exit 1; }
echo "GET $url:"
head -n 12 /tmp/page | sed 's/^/    /'
timeout 30 /usr/bin/wrk -t 1 -c 4 -d 3s "$url" >/tmp/wrk 2>&1 || { cat /tmp/wrk; echo "wrk failed"; exit 1; }
sed 's/^/    /' /tmp/wrk
rate=$(awk '/^Requests\/sec:/ { print $2 }' /tmp/wrk)
grep -q 'Non-2xx\|Socket errors' /tmp/wrk && { echo "wrk saw errors"; exit 1; }
[ -n "$rate" ] || { echo "no rate from wrk"; exit 1; }
echo "run-httpd-xen: $rate requests/s from dom0 (wrk -t 1 -c 4 -d 3s)"
