#!/bin/sh
# net-life-dom0.sh - dom0's half of tests/xen/net.sh's lifecycle cases against keel's nginx (busybox
# sh in dom0, run.sh --dom0-script), each ending in "CASE <name> 1" or "CASE <name> 0 <why>":
# reattach (xl network-detach while idle: the guest stops answering; xl network-attach of a new vif
# with the same MAC: it answers again, byte for byte) and shutdown-open (three connections held open
# and a 16 MiB download under way when xl shutdown asks the guest to stop: it must end by itself,
# which run.sh then reports as poweroff with status 0). Reads /guest/net.env (IP, URL_1K, URL_16M,
# UP_S, MAC) and /guest/index.html. Every wait is bounded in count and time.
. /guest/net.env
base=http://$IP
get() { timeout 3 wget -q -O /tmp/got "$base$URL_1K" 2>/dev/null && cmp -s /tmp/got /guest/index.html; }
# wait_for WANT TRIES: get succeeds (WANT=1) or fails (WANT=0), tried every 0.2 s
wait_for() {
	n=0
	while [ $n -lt "$2" ]; do
		if get; then [ "$1" = 1 ] && return 0; else [ "$1" = 0 ] && return 0; fi
		n=$((n + 1))
		usleep 200000
	done
	return 1
}
up() { cut -d' ' -f1 /proc/uptime; }

wait_for 1 $((UP_S * 5)) || { echo "CASE reattach 0 no answer from $IP in ${UP_S}s"; echo "CASE shutdown-open 0 not up"; exit 1; }

# reattach
why=''
xl network-list "$DOMID" | sed 's/^/before: /'
timeout 30 xl network-detach "$DOMID" 0 || why="xl network-detach failed"
[ -n "$why" ] || wait_for 0 50 || why="still answering 10 s after network-detach"
if [ -z "$why" ]; then
	t=$(up)
	timeout 30 xl network-attach "$DOMID" "mac=$MAC" bridge=xenbr0 || why="xl network-attach failed"
	xl network-list "$DOMID" | sed 's/^/after: /'
	[ -n "$why" ] || wait_for 1 150 || why="no answer within 30 s of network-attach"
	[ -n "$why" ] || echo "answering again $(awk -v a="$t" -v b="$(up)" 'BEGIN { printf "%d", (b - a) * 1000 }') ms after network-attach"
fi
if [ -z "$why" ]; then echo "CASE reattach 1"; else echo "CASE reattach 0 $why"; fi

# shutdown-open: three idle keep-alive connections and a download in flight, then xl shutdown.
pids=''
for i in 1 2 3; do
	# (nothing of it may hold the script's output open: dom0 prints that at its end)
	{ (printf 'GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' "$URL_1K" "$IP"; sleep 20) | timeout 25 nc "$IP" 80; } >/tmp/open$i 2>&1 </dev/null &
	pids="$pids $!"
done
{ timeout 25 wget -q -O - "$base$URL_16M" | wc -c; } >/tmp/big 2>/dev/null </dev/null &
pids="$pids $!"
usleep 300000
if grep -q '^HTTP/1.1 200' /tmp/open1 /tmp/open2 /tmp/open3 2>/dev/null; then
	t=$(up)
	if timeout 40 xl shutdown -w "$DOMID" >/tmp/sd 2>&1; then
		verdict="1"
		echo "xl shutdown -w returned $(awk -v a="$t" -v b="$(up)" 'BEGIN { printf "%d", (b - a) * 1000 }') ms later with connections open"
	else
		verdict="0 xl shutdown -w failed or took over 40 s: $(tail -1 /tmp/sd)"
	fi
else
	verdict="0 the held connections got no answer"
fi
# The clients end with the guest; none may outlive the script.
kill $pids 2>/dev/null
wait
echo "CASE shutdown-open $verdict"
