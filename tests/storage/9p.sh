#!/bin/bash
# 9p.sh - host directories in the guest over virtio-9p (9P2000.L): for each
# machine (pc and q35: virtio-9p-pci; microvm: virtio-9p-device on MMIO,
# with interrupts and, without ACPI, polled) a
# fresh temporary directory with known files (a random token, a random
# 300 KiB file, a subdirectory) is shared under two tags, host0 and hostro,
# and tests/guest/p9.c runs in the guest (keel run, QEMU TCG): it mounts
# host0, reads and lists, creates, renames, unlinks, makes directories and
# links, and mounts hostro read-only expecting EROFS; a third tag, hostx,
# shares another directory with security_model=mapped-xattr, where it
# makes and uses a FIFO. Then the host checks
# the directory itself: every change is there and nothing else, so the
# guest cannot pass by its own word. Then keel run's own -v HOSTDIR:/GUEST
# (read, and read-only), the root on 9p (root=TAG rootfstype=9p), and
# Debian's nginx serving a shared directory to curl.
# PASS/FAIL per machine and check; logs in build/9p-logs.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
keel=$PWD/build/keel
logs=build/9p-logs
bin=$PWD/build/9p-bin
rm -rf "$logs" "$bin"
mkdir -p "$logs" "$bin"
prefix=9p-
. tests/lib.sh
machines="pc q35 microvm microvm-polled"
plan 17
export XDG_CACHE_HOME=$PWD/$logs/cache

gcc -O1 -static -o "$bin/p9" tests/guest/p9.c || echo "9p: cannot compile tests/guest/p9.c"

# A QEMU for keel run that adds the shared directory ($share) under both
# tags: -virtfs on PCI machines, -fsdev and virtio-9p-device on microvm.
# With P9_NOACPI=1, microvm without ACPI: the transports come from the
# command line and are polled.
cat >"$bin/qemu" <<'QEMU'
#!/bin/bash
m=
prev=
args=()
for a in "$@"; do
	[ "$prev" = -M ] && m=$a
	[ "$prev" = -M ] && [ "${P9_NOACPI:-}" = 1 ] && a=$a,acpi=off
	args+=("$a")
	prev=$a
done
set -- "${args[@]}"
if [ "$m" = microvm ]; then
	exec qemu-system-x86_64 "$@" -global virtio-mmio.force-legacy=false \
		-fsdev local,id=f0,path="$P9_SHARE",security_model=none \
		-device virtio-9p-device,fsdev=f0,mount_tag=host0 \
		-fsdev local,id=f1,path="$P9_SHARE",security_model=none \
		-device virtio-9p-device,fsdev=f1,mount_tag=hostro \
		-fsdev local,id=f2,path="$P9_SHARE_X",security_model=mapped-xattr \
		-device virtio-9p-device,fsdev=f2,mount_tag=hostx
fi
exec qemu-system-x86_64 "$@" \
	-virtfs local,path="$P9_SHARE",mount_tag=host0,security_model=none \
	-virtfs local,path="$P9_SHARE",mount_tag=hostro,security_model=none \
	-virtfs local,path="$P9_SHARE_X",mount_tag=hostx,security_model=mapped-xattr
QEMU
chmod +x "$bin/qemu"

# listing DIR: its names with . and .., one a line, in byte order.
listing() {
	(cd "$1" && ls -a | LC_ALL=C sort)
}

# host_checks DIR NEWTOKEN GUEST-OUTPUT XDIR: what the guest changed, seen
# from the host; "ok" or why not.
host_checks() {
	local d=$1 tok=$2 out=$3 x=$4 want got
	[ -z "$(ls -A "$x")" ] || { echo "the mapped-xattr share is not empty: $(ls -A "$x" | tr '\n' ' ')"; return; }
	[ "$(cat "$d/renamed.txt" 2>&1)" = "$tok" ] || { echo "renamed.txt does not hold the new token"; return; }
	[ ! -e "$d/new.txt" ] || { echo "new.txt is still there"; return; }
	[ ! -e "$d/gone.txt" ] || { echo "gone.txt was not removed"; return; }
	[ ! -e "$d/emptydir" ] || { echo "emptydir was not removed"; return; }
	[ "$(cat "$d/newdir/inner.txt" 2>&1)" = inner ] || { echo "newdir/inner.txt is wrong"; return; }
	[ "$(readlink "$d/link")" = renamed.txt ] || { echo "link is not a symlink to renamed.txt"; return; }
	[ "$(stat -c %i "$d/hard.txt" 2>&1)" = "$(stat -c %i "$d/renamed.txt")" ] ||
		{ echo "hard.txt is not a hard link of renamed.txt"; return; }
	[ "$(stat -c %a "$d/renamed.txt")" = 600 ] || { echo "renamed.txt's mode is $(stat -c %a "$d/renamed.txt"), want 600"; return; }
	[ "$(stat -c %s "$d/trunc.bin")" = 1000 ] || { echo "trunc.bin's size is $(stat -c %s "$d/trunc.bin"), want 1000"; return; }
	[ ! -e "$d/rofile" ] && [ ! -e "$d/rodir" ] && [ -e "$d/hello.txt" ] ||
		{ echo "the read-only mount changed the directory"; return; }
	want="sum big.bin $("$bin/p9" sum "$d/big.bin")"
	grep -qxF "$want" <<<"$out" || { echo "the guest's big.bin sum is not the host's ($want)"; return; }
	want="sum pattern.bin $("$bin/p9" sum "$d/pattern.bin")"
	grep -qxF "$want" <<<"$out" || { echo "pattern.bin on the host is not what the guest wrote ($want)"; return; }
	got="list after: $(listing "$d" | grep -vx -e ro -e x | tr '\n' ' ' | sed 's/ $//')"
	grep -qxF "$got" <<<"$out" || { echo "the guest's listing after is not the host's ($got)"; return; }
	got="list sub: $(listing "$d/sub" | tr '\n' ' ' | sed 's/ $//')"
	grep -qxF "$got" <<<"$out" || { echo "the guest's listing of sub is not the host's ($got)"; return; }
	grep -qxF "$top" <<<"$out" || { echo "the guest's first listing is not the host's ($top)"; return; }
	echo ok
}

for m in $machines; do
	share=$(mktemp -d /tmp/keel-9p.XXXXXX)
	tok="token-$RANDOM-$RANDOM-$$"
	newtok="new-$RANDOM-$RANDOM"
	printf '%s' "$tok" >"$share/hello.txt"
	head -c 307200 /dev/urandom >"$share/big.bin"
	echo gone >"$share/gone.txt"
	head -c 5000 /dev/urandom >"$share/trunc.bin"
	mkdir "$share/emptydir" "$share/sub"
	touch "$share/sub/a" "$share/sub/b" "$share/sub/c"
	top="list top: $(listing "$share" | tr '\n' ' ' | sed 's/ $//')"
	# 1100 files (P9_MANY) where interrupts make it quick.
	noacpi=0 many=-eP9_MANY=1
	[ "$m" = microvm-polled ] && noacpi=1 many=-eP9_UNUSED=1
	xshare=$(mktemp -d /tmp/keel-9px.XXXXXX)
	P9_NOACPI=$noacpi P9_SHARE=$share P9_SHARE_X=$xshare KEEL_QEMU=$bin/qemu timeout -k 5 400 \
		"$keel" run --verbose --accel tcg --machine "${m%-polled}" -t 360 "$many" \
		-- "$bin/p9" host0 /mnt/host "$tok" "$newtok" hostro hostx >"$logs/$m.log" 2>"$logs/$m.err"
	rc=$?
	out=$(tr -d '\r' <"$logs/$m.log")
	if [ "$rc" = 0 ] && grep -qx "p9: 0 failed" <<<"$out"; then
		result "$m-guest" 1
	else
		result "$m-guest" 0 "status $rc: $(grep -aE '^FAIL|^p9:' <<<"$out" | head -6 | tr '\n' ' ') $(tail -2 "$logs/$m.err" | tr '\n' ' ')"
	fi
	why=$(host_checks "$share" "$newtok" "$out" "$xshare")
	if [ "$why" = ok ]; then result "$m-host" 1; else result "$m-host" 0 "$why"; fi
	# The kernel's line for the device (keel run --verbose shows the boot).
	case $m in
	pc | q35) line="virtio pci [0-9a-f:.]+: 9p tag host0, queue [0-9]+, interrupts" ;;
	microvm) line="virtio mmio 0x[0-9a-f]+: 9p tag host0, queue [0-9]+, interrupts" ;;
	*) line="virtio mmio 0x[0-9a-f]+: 9p tag host0, queue [0-9]+, polled" ;;
	esac
	# (with stdout redirected, keel run shows the console on stderr)
	if tr -d '\r' <"$logs/$m.err" | grep -qE "^$line$"; then
		result "$m-line" 1
	else
		result "$m-line" 0 "no boot line '$line': $(grep -a '9p' "$logs/$m.err" | head -2 | tr '\n' ' ')"
	fi
	rm -rf "$share" "$xshare"
done

# Without a device: mount says ENOENT (no channel has the tag).
share=$(mktemp -d /tmp/keel-9p.XXXXXX)
timeout -k 5 200 "$keel" run -q --accel tcg -t 150 -- "$bin/p9" host0 /mnt/host x y >"$logs/none.log" 2>"$logs/none.err"
out=$(tr -d '\r' <"$logs/none.log" | grep -avE '^(keel|strace:)')
if grep -q "^FAIL mount: got -2 (ENOENT), want 0$" <<<"$out"; then
	result none-enoent 1
else
	result none-enoent 0 "no ENOENT from mount without a device: $(grep -a mount <<<"$out" | head -3 | tr '\n' ' ')"
fi
rm -rf "$share"

# keel run -v HOSTDIR:/GUEST[:ro]: the tool's own sharing (keel.mount=9p),
# the directory mounted before the program starts; busybox reads the
# token, and touch on a read-only volume fails with EROFS.
share=$(mktemp -d /tmp/keel-9p.XXXXXX)
tok="token-$RANDOM-$RANDOM-$$"
printf '%s\n' "$tok" >"$share/hello.txt"
timeout -k 5 200 "$keel" run -q --accel tcg -t 150 -v "$share:/data" -- /bin/busybox cat /data/hello.txt \
	>"$logs/volume.log" 2>&1
if tr -d '\r' <"$logs/volume.log" | grep -qxF "$tok"; then
	result volume-read 1
else
	result volume-read 0 "busybox cat did not print the token: $(tail -2 "$logs/volume.log" | tr '\n' ' ')"
fi
timeout -k 5 200 "$keel" run -q --accel tcg -t 150 -v "$share:/data:ro" -- /bin/busybox touch /data/new \
	>"$logs/volume-ro.log" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "Read-only file system" "$logs/volume-ro.log" && [ ! -e "$share/new" ]; then
	result volume-ro 1
else
	result volume-ro 0 "status $rc, want EROFS from touch and no file: $(tail -2 "$logs/volume-ro.log" | tr '\n' ' ')"
fi
rm -rf "$share"

# The root itself on 9p (root=host0 rootfstype=9p): busybox is run from
# the share, reads a file of it and lists /, where keel made /dev, /proc
# and /sys on the share.
share=$(mktemp -d /tmp/keel-9p.XXXXXX)
xshare=$(mktemp -d /tmp/keel-9px.XXXXXX)
mkdir -p "$share/bin" "$share/tmp"
cp /bin/busybox "$share/bin/"
printf '%s\n' "$tok" >"$share/hello"
P9_SHARE=$share P9_SHARE_X=$xshare KEEL_QEMU=$bin/qemu timeout -k 5 200 "$keel" run -q --accel tcg -t 150 \
	-k root=host0 -k rootfstype=9p -- /bin/busybox cat /hello >"$logs/root.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && tr -d '\r' <"$logs/root.log" | grep -qxF "$tok" && [ -d "$share/proc" ]; then
	result root 1
else
	result root 0 "status $rc, want 0, the token and /proc made on the share: $(tail -2 "$logs/root.log" | tr '\n' ' ')"
fi
rm -rf "$share" "$xshare"

# Debian's nginx serving a shared directory (keel run -v): 1 KiB and
# 16 MiB of random bytes fetched byte-exact by curl; nginx's sendfile
# reads them through 9p. The server is stopped by its pid.
share=$(mktemp -d /tmp/keel-9p.XXXXXX)
head -c 1024 /dev/urandom >"$share/small.bin"
head -c 16777216 /dev/urandom >"$share/big.bin"
port=$((20000 + $$ % 20000))
if [ ! -x /usr/sbin/nginx ]; then
	result nginx 0 "/usr/sbin/nginx is not installed (make deps installs nginx-light)"
else
	timeout 300 "$keel" run -q --accel tcg -p "$port:80" -m 256M \
		-v "$share:/var/www/html:ro" \
		-- /usr/sbin/nginx -g 'daemon off; master_process off; error_log stderr;' \
		>"$logs/nginx.log" 2>&1 &
	srv=$!
	for _ in $(seq 90); do
		curl -sf -m 5 -o /dev/null "http://127.0.0.1:$port/small.bin" && break
		kill -0 "$srv" 2>/dev/null || break
		sleep 1
	done
	why=ok
	for f in small big; do
		curl -sf -m 120 -o "$logs/$f.fetched" "http://127.0.0.1:$port/$f.bin" ||
			{ why="curl of $f.bin failed"; break; }
		cmp -s "$logs/$f.fetched" "$share/$f.bin" || { why="$f.bin differs from the share's"; break; }
	done
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	if [ "$why" = ok ]; then result nginx 1; else result nginx 0 "$why: $(tail -2 "$logs/nginx.log" | tr '\n' ' ')"; fi
fi
rm -rf "$share"

echo "9p: $pass passed, $fail failed"
[ "$fail" = 0 ]
