#!/bin/bash
# run-httpd.sh - the HTTP demo (make run-httpd): Debian's nginx, unmodified,
# with its stock /etc/nginx, booted in keel under QEMU as a user types it:
# build/keel run -p PORT:80 -- /usr/sbin/nginx -g 'daemon off;' (QEMU user
# networking with restrict=on, the guest reaching nothing but its forward;
# KVM when keel's probe finds it works, else TCG). keel packs the rest: the
# files of nginx's packages, the default site's link, the welcome page
# nginx-common's postinst copies to /var/www/html, base-passwd's www-data
# for the workers (docs/keel.1, "WHAT KEEL PACKS"). Its master process and
# worker serve Debian's welcome page (/usr/share/nginx/html/index.html,
# byte for byte). The script waits until nginx answers, fetches the page
# with curl from the host over the forwarded port on 127.0.0.1 and prints
# its first lines (it must be that file, byte for byte), runs a bounded load
# (wrk -t 2 -c 4 -d 3s) and prints the request rate, then stops the guest:
# SIGTERM to keel run's process group (keel and QEMU), and waits until every
# process of it is gone. The host port is one the kernel reports free; if
# another program takes it before QEMU binds it, the boot is tried again on
# a new one (three times at most). Exits 0 when every step worked, else 1
# with the step that failed and the guest's last lines.
#
# usage: scripts/run-httpd.sh [WORKDIR]  (default build/run-httpd: the
# console log, the fetched page, wrk's output, keel run's image cache)
set -u
cd "$(dirname "$0")/.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
work=${1:-build/run-httpd}
page=/usr/share/nginx/html/index.html
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
log=$work/console.log
export XDG_CACHE_HOME=$work/cache
t0=$SECONDS
pid=

fail() {
	echo "run-httpd: FAILED: $*" >&2
	if [ -s "$log" ]; then
		echo "run-httpd: the guest's last lines ($log):" >&2
		tr -d '\r' <"$log" | tail -n 8 | sed 's/^/  /' >&2
	fi
	exit 1
}

# group_alive PGID: a process of the group is running (not a zombie, which
# kill -0 would count until it is waited for).
group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# stop: end keel run and QEMU (timeout(1) made them a process group of
# their own and passes SIGTERM on to all of it), at most 10 s, then make
# sure none of the group is left.
stop() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		group_alive "$pid" || break
		sleep 0.1
	done
	if group_alive "$pid"; then
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
		return 1
	fi
	wait "$pid" 2>/dev/null
	pid=
}
trap stop EXIT

for tool in curl wrk python3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (make deps installs it)"
done
[ -x "$keel" ] || fail "no $keel (run make)"
[ -x /usr/sbin/nginx ] || fail "/usr/sbin/nginx is not installed (make deps installs nginx-light)"
[ -f "$page" ] || fail "no $page (Debian's nginx-common has it)"

# A port the kernel reports free on 127.0.0.1 (bound to port 0, then closed).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Boot nginx as a user types it, and wait for an answer.
up=
for try in 1 2 3; do
	port=$(free_port) || fail "no free port on 127.0.0.1"
	tb=${EPOCHREALTIME/[^0-9]/}
	echo "run-httpd: booting nginx in keel, 127.0.0.1:$port -> guest port 80"
	timeout 600 "$keel" run -p "$port:80" -- /usr/sbin/nginx -g 'daemon off;' >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 240); do
		curl -sf -m 5 -o /dev/null "http://127.0.0.1:$port/" && { up=1; break; }
		group_alive "$pid" || break
		sleep 0.5
	done
	[ -n "$up" ] && break
	stop
	# QEMU says so when the host port was taken after all: try another.
	grep -qi 'host forwarding rule' "$log" || break
	echo "run-httpd: port $port was taken meanwhile; trying another"
done
[ -n "$up" ] || fail "nginx did not answer on 127.0.0.1:$port within 120 s"
echo "run-httpd: nginx answered $(((${EPOCHREALTIME/[^0-9]/} - tb) / 1000)) ms after its boot began;" \
	"$(tr -d '\r' <"$log" | grep -m1 '^keel: accelerator:' | sed 's/^keel: //')"

# The page, from the host over the forward.
curl -sS -f -m 30 -o "$work/page.html" "http://127.0.0.1:$port/" 2>"$work/curl.log" ||
	fail "curl http://127.0.0.1:$port/: $(cat "$work/curl.log")"
echo "run-httpd: curl http://127.0.0.1:$port/ ($(stat -c %s "$work/page.html") bytes), its first lines:"
head -n 12 "$work/page.html" | sed 's/^/  /'
cmp -s "$work/page.html" "$page" || fail "the page differs from $page"

# A short, bounded load: 4 connections for 3 s (timeout in case wrk hangs).
echo "run-httpd: wrk -t 2 -c 4 -d 3s http://127.0.0.1:$port/"
timeout 60 wrk -t 2 -c 4 -d 3s "http://127.0.0.1:$port/" >"$work/wrk.log" 2>&1 ||
	fail "wrk failed (status $?): $(tail -n 3 "$work/wrk.log")"
sed 's/^/  /' "$work/wrk.log"
rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)$/\1/p' "$work/wrk.log")
total=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk.log")
[ -n "$rate" ] && [ "${total:-0}" -gt 0 ] || fail "wrk made no requests: $(tail -n 3 "$work/wrk.log")"
! grep -q 'Non-2xx' "$work/wrk.log" || fail "nginx answered with errors: $(grep 'Non-2xx' "$work/wrk.log")"
! grep -q 'Socket errors' "$work/wrk.log" || fail "wrk saw socket errors: $(grep 'Socket errors' "$work/wrk.log")"
echo "run-httpd: $rate requests/s ($total requests in 3 s, 4 connections)"

# The guest must still be running (nothing crashed under the load) and
# stop when told.
group_alive "$pid" || fail "the guest ended by itself under the load"
stop || fail "keel run or QEMU did not stop within 10 s of SIGTERM (killed)"
echo "run-httpd: guest stopped; $((SECONDS - t0)) s in all"
