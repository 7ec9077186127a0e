#!/bin/bash
# servers.sh - unmodified servers in keel serve the host through "keel run
# -p HOST:GUEST" (QEMU user networking, restrict=on: virtio-net, lwIP and
# keel's sockets in between), checked by real clients on the host:
# tests/net/patserve.c (1 KiB and 4 MiB, and it exits 0), Debian's nginx
# with its stock config and Python's http.server (1 KiB and 64 MiB each),
# compared by sha256 with what curl fetched; Debian's redis-server
# answering redis-cli's SET, GET, INCR exactly and exiting 0 on SHUTDOWN;
# busybox httpd, which forks a child per connection; nginx with a master
# and two workers; redis's BGSAVE (a forked child writes the RDB file
# into a host directory, redis-check-rdb judges it); make run-httpd's
# script prints the welcome page and a request rate. Each
# case prints the seconds it took. Prints PASS/FAIL per case; work files in
# build/server-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
logs=build/server-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=server-
. tests/lib.sh
plan 16

[ -x "$keel" ] || { result built 0 "no $keel (run make)"; echo "servers: $pass passed, $fail failed"; exit 1; }
export XDG_CACHE_HOME=$PWD/$logs/cache
w=$PWD/$logs/work
mkdir -p "$w/www"
head -c 1024 /dev/urandom >"$w/www/small.bin"
head -c 67108864 /dev/urandom >"$w/www/big.bin"
# Host ports, one a server, picked from the shell's pid as tests/tool/run.sh
# picks its own.
port=$((20000 + $$ % 20000))

# serve NAME KEEL-RUN-ARGS...: boot a server in the background (at most
# 300 s), its console in $logs/NAME.log; sets srv_pid. up COMMAND...: wait
# until COMMAND succeeds, at most 90 s, or the server has ended.
serve() {
	local name=$1
	shift
	timeout 300 "$keel" run -q --accel tcg "$@" >"$logs/$name.log" 2>&1 &
	srv_pid=$!
	t0=$SECONDS
}
up() {
	for _ in $(seq 90); do
		"$@" >/dev/null 2>&1 && return
		kill -0 "$srv_pid" 2>/dev/null || return
		sleep 1
	done
}
# stop: end the server (keel run stops QEMU on SIGTERM) and say how long it ran.
stop() {
	kill "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	echo "  ($((SECONDS - t0)) s from boot to stop)"
}
# same_bytes URL SHA256 SECONDS: "ok" when the body URL answers within
# SECONDS hashes to SHA256 (sha256sum's line), else why not.
same_bytes() {
	local body=$w/fetched
	curl -sf -m "$3" -o "$body" "$1" || { echo "curl failed (status $?)"; return; }
	[ "$(sha256sum <"$body")" = "$2" ] && echo ok || echo "sha256 differs"
}
# fetch NAME URL FILE LOG: curl fetches URL (at most 120 s) and must get
# FILE's bytes; the case's time is printed.
fetch() {
	local t=$SECONDS why
	ln -sf "$(basename "$4")" "$logs/$1.log"
	why=$(same_bytes "$2" "$(sha256sum <"$3")" 120)
	echo "  $1: $(($(stat -c %s "$3") / 1024)) KiB in $((SECONDS - t)) s"
	if [ "$why" = ok ]; then
		result "$1" 1
	else
		result "$1" 0 "$why: $(grep -v '^keel:' "$4" | tail -1)"
	fi
}
# guest_said LOG: the guest's last line (keel's own lines dropped).
guest_said() { tr -d '\r' <"$1" | grep -v '^keel:' | tail -1; }

# tests/net/patserve.c, an ordinary glibc program: "GET /N" answers N bytes
# of a pattern the same program prints on the host; it exits 0 after its
# three connections.
gcc -O2 -o "$w/patserve" tests/net/patserve.c
serve http -p "$port:80" -- "$w/patserve" 80 3
up grep -q 'patserve: listening' "$logs/http.log"
for size in 1024 4194304; do
	"$w/patserve" --print "$size" >"$w/pattern"
	fetch "http-$size" "http://127.0.0.1:$port/$size" "$w/pattern" "$logs/http.log"
done
curl -sf -m 60 -o /dev/null "http://127.0.0.1:$port/1" || true
wait "$srv_pid"
rc=$?
ln -sf http.log "$logs/http-exit.log"
if [ "$rc" = 0 ]; then result http-exit 1; else result http-exit 0 "keel run status $rc: $(guest_said "$logs/http.log")"; fi

# web NAME PROGRAM WHY GUEST-PORT KEEL-RUN-ARGS...: a web server whose
# document root is $w/www serves small.bin and big.bin to curl (cases
# NAME-small and NAME-big); when PROGRAM is missing, both fail with WHY.
web() {
	local name=$1 prog=$2 why=$3 gport=$4 f
	shift 4
	port=$((port + 1))
	if [ ! -x "$prog" ]; then
		result "$name-small" 0 "$why"
		result "$name-big" 0 "$why"
		return
	fi
	serve "$name" -p "$port:$gport" "$@"
	up curl -sf -m 5 -o /dev/null "http://127.0.0.1:$port/small.bin"
	for f in small big; do
		fetch "$name-$f" "http://127.0.0.1:$port/$f.bin" "$w/www/$f.bin" "$logs/$name.log"
	done
	stop
}
# Debian's unmodified nginx (stock /etc/nginx: sendfile, tcp_nopush, that
# is TCP_CORK), in one process. keel packs what it needs unasked (its
# packages' files, the default site's link, base-passwd's www-data); -f
# gives it the test's document root.
web nginx /usr/sbin/nginx "/usr/sbin/nginx is not installed (make deps installs nginx-light)" 80 \
	-m 256M -f "$w/www:/var/www/html" \
	-- /usr/sbin/nginx -g 'daemon off; master_process off; error_log stderr;'
# The same nginx serving its site from an ext2 disk image (keel mkimage of
# the same files) mounted read-only at its document root.
"$keel" mkimage -q "$w/www" -o "$w/site.img" >"$logs/site-img.log" 2>&1
web nginx-disk /usr/sbin/nginx "/usr/sbin/nginx is not installed (make deps installs nginx-light)" 80 \
	-m 256M --disk "$w/site.img:/var/www/html:ro" \
	-- /usr/sbin/nginx -g 'daemon off; master_process off; error_log stderr;'
# nginx as it runs by default: a master process and its workers (two, as
# issue 15 asks), forked from the master over socketpair channels.
sed 's/^worker_processes .*/worker_processes 2;/' /etc/nginx/nginx.conf >"$w/workers.conf" 2>/dev/null || true
web nginx-workers /usr/sbin/nginx "/usr/sbin/nginx is not installed (make deps installs nginx-light)" 80 \
	-m 256M -f "$w/workers.conf:/etc/nginx/workers.conf" -f "$w/www:/var/www/html" \
	-- /usr/sbin/nginx -c /etc/nginx/workers.conf -g 'daemon off; master_process on; error_log stderr;'
# Python's http.server from Debian's python3.11: its standard library
# (/usr/lib/python3.11, with the extension modules of lib-dynload) is all
# it needs beside the interpreter's own libraries. It serves its working
# directory (ThreadingHTTPServer: a thread a connection).
py=/usr/bin/python3.11
web python "$py" "$py is not installed (make deps installs python3)" 8000 \
	-m 384M -f /usr/lib/python3.11 -f "$w/www:/srv" -C /srv -- "$py" -m http.server 8000

# Debian's redis-server, nothing written to disk. protected-mode off: the
# host's connections come from QEMU's gateway 10.0.2.2, not loopback. The
# answers must be exactly these (redis-cli prints a nil as an empty line),
# a 1 MiB binary value must come back whole, and SHUTDOWN must end the
# server with status 0.
port=$((port + 1))
if [ -x /usr/bin/redis-server ] && command -v redis-cli >/dev/null; then
	cli() { timeout 60 redis-cli -p "$port" "$@"; }
	mkdir -p "$w/rdb" && rm -f "$w/rdb/dump.rdb"
	serve redis -m 128M -p "$port:6379" -v "$w/rdb:/data" -- /usr/bin/redis-server --port 6379 \
		--save '' --appendonly no --protected-mode no --dir /data
	up sh -c "timeout 10 redis-cli -p $port PING | grep -qx PONG"
	t=$SECONDS
	got=$(printf '%s\n' 'SET greeting "hello, keel"' 'GET greeting' 'INCR hits' 'INCR hits' \
		'INCRBY hits 40' 'GET hits' 'GET missing' 'DEL greeting' 'EXISTS greeting' | cli 2>&1)
	want=$(printf '%s\n' OK 'hello, keel' 1 2 42 42 '' 1 0)
	head -c 1048576 /dev/urandom >"$w/blob"
	blob=$(cli -x SET blob <"$w/blob" 2>&1)
	cli --raw GET blob 2>/dev/null | head -c 1048576 >"$w/blob.got"
	echo "  redis: commands in $((SECONDS - t)) s"
	ln -sf redis.log "$logs/redis-exit.log"
	if [ "$got" != "$want" ]; then
		result redis 0 "answers $(printf %q "$got"), want $(printf %q "$want")"
	elif [ "$blob" != OK ] || ! cmp -s "$w/blob" "$w/blob.got"; then
		result redis 0 "a 1 MiB value: SET said '$blob', GET gave $(stat -c %s "$w/blob.got") bytes, not the same"
	else
		result redis 1
	fi
	# BGSAVE: a forked child writes /data/dump.rdb (the host's
	# $w/rdb over virtio-9p) while the parent serves.
	saved=$(cli BGSAVE 2>&1)
	for _ in $(seq 60); do
		cli INFO persistence 2>/dev/null | grep -q '^rdb_bgsave_in_progress:0' && break
		sleep 1
	done
	state=$(cli INFO persistence 2>/dev/null | tr -d '\r' | grep '^rdb_last_bgsave_status:')
	if [ "$saved" != "Background saving started" ] || [ "$state" != rdb_last_bgsave_status:ok ]; then
		result redis-bgsave 0 "BGSAVE said '$saved', then '$state'"
	elif ! check=$(redis-check-rdb "$w/rdb/dump.rdb" 2>&1) || ! grep -q '2 keys read' <<<"$check"; then
		result redis-bgsave 0 "redis-check-rdb: $(tail -2 <<<"$check" | tr '\n' ' ')"
	else
		result redis-bgsave 1
	fi
	cli SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$srv_pid"
	rc=$?
	echo "  ($((SECONDS - t0)) s from boot to exit)"
	if [ "$rc" = 0 ]; then
		result redis-exit 1
	else
		result redis-exit 0 "keel run status $rc after SHUTDOWN: $(guest_said "$logs/redis.log")"
	fi
else
	result redis 0 "redis-server or redis-cli is not installed (make deps installs redis-server, redis-tools)"
	result redis-exit 0 "redis-server or redis-cli is not installed (make deps installs redis-server, redis-tools)"
	result redis-bgsave 0 "redis-server or redis-cli is not installed (make deps installs redis-server, redis-tools)"
fi

# make run-httpd's script (scripts/run-httpd.sh): nginx's welcome page
# printed as fetched, a request rate from wrk, and the guest stopped.
t=$SECONDS
timeout 180 bash scripts/run-httpd.sh "$logs/run-httpd" >"$logs/run-httpd.log" 2>&1
rc=$?
echo "  run-httpd: $((SECONDS - t)) s, $(grep -m1 -oE '[0-9.]+ requests/s' "$logs/run-httpd.log")"
if [ "$rc" != 0 ]; then
	result run-httpd 0 "status $rc: $(grep 'FAILED' "$logs/run-httpd.log" | tail -1)"
elif ! grep -qx '  <title>Welcome to nginx!</title>' "$logs/run-httpd.log" ||
	! grep -qx '  <h1>Welcome to nginx!</h1>' "$logs/run-httpd.log"; then
	result run-httpd 0 "the page's first lines are not nginx's welcome page"
elif ! grep -qE '^  Requests/sec: +[0-9.]+$' "$logs/run-httpd.log" ||
	! grep -qE '^run-httpd: [0-9]+(\.[0-9]+)? requests/s \([1-9][0-9]* requests in 3 s' "$logs/run-httpd.log"; then
	result run-httpd 0 "no request rate line"
elif ! grep -q '^run-httpd: guest stopped' "$logs/run-httpd.log"; then
	result run-httpd 0 "no 'guest stopped' line"
else
	result run-httpd 1
fi

# busybox httpd forks a child for each connection (issue 15's fork): the
# child answers, and the parent goes on accepting.
port=$((port + 1))
bb=/bin/busybox
serve busybox-httpd -m 128M -p "$port:80" -f "$w/www/small.bin:/www/small.bin" -- "$bb" httpd -f -p 80 -h /www
why=
for _ in $(seq 90); do
	why=$(same_bytes "http://127.0.0.1:$port/small.bin" "$(sha256sum <"$w/www/small.bin")" 10)
	[ "$why" = ok ] && break
	kill -0 "$srv_pid" 2>/dev/null || break
	sleep 1
done
# A second connection: the first child is gone, the parent still serves.
[ "$why" != ok ] || why=$(same_bytes "http://127.0.0.1:$port/small.bin" "$(sha256sum <"$w/www/small.bin")" 30)
stop
if [ "$why" = ok ]; then
	result busybox-httpd 1
else
	result busybox-httpd 0 "$why: $(guest_said "$logs/busybox-httpd.log")"
fi

echo "servers: $pass passed, $fail failed"
[ "$fail" = 0 ]
