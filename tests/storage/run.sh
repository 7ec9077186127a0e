#!/bin/bash
# run.sh [full|fast] - storage in keel guests booted by keel run under QEMU
# TCG (make test-storage: full; make test: fast): the command line's
# mounts (keel.mount=, docs/boot.md "Storage"), judged by what the guest
# shows in /proc/self/mounts and by keel run's status and message when a
# mount cannot be made; disks (keel run --disk) read and written through
# their nodes in /dev, judged by the image's bytes on the host. Prints PASS/FAIL per case; logs in
# build/storage-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
mode=${1:-full}
logs=build/storage-tests
[ "$mode" = fast ] && logs=build/storage-tests-fast
rm -rf "$logs"
mkdir -p "$logs"
prefix=storage-
. tests/lib.sh
cases="mount-tmpfs mount-bad-spec mount-unknown-type blk-node-read blk-node-write blk-node-ro
	ext2-calls ext2-kept ext2-tree ext4-readonly root-disk sqlite power-cut"
plan $(echo $cases | wc -w)

keel=$PWD/build/keel
bb=/bin/busybox

# guest NAME ARGS... -- PROGRAM...: keel run, its output in the case's log;
# the status is keel run's (the program's, 126 when it could not start).
guest() {
	local name=$1
	shift
	timeout 300 "$keel" run -q --accel tcg -t 240 "$@" >"$logs/$name.log" 2>&1
}

# has NAME TEXT: the case's log has the line TEXT (carriage returns cut).
has() {
	tr -d '\r' <"$logs/$1.log" | grep -qxF -- "$2"
}

case_mount-tmpfs() {
	guest mount-tmpfs --verbose -k keel.mount=tmpfs:tmpfs:/data/x:size=1m,noexec \
		-- $bb cat /proc/self/mounts
	local rc=$?
	if [ $rc != 0 ]; then
		result mount-tmpfs 0 "status $rc, want 0"
	elif ! has mount-tmpfs "tmpfs /data/x tmpfs rw,noexec,relatime,size=1024k 0 0"; then
		result mount-tmpfs 0 "no 'tmpfs /data/x' line with noexec and size=1024k in /proc/self/mounts"
	elif ! has mount-tmpfs "mount: tmpfs tmpfs on /data/x"; then
		result mount-tmpfs 0 "the boot did not say 'mount: tmpfs tmpfs on /data/x'"
	else
		result mount-tmpfs 1
	fi
}

# A mount that cannot be made stops the boot (status 126) with a line
# saying why; the program never runs.
refused() { # name want-line keel-args...
	local name=$1 want=$2 rc
	shift 2
	guest "$name" --verbose "$@" -- $bb echo ran
	rc=$?
	if [ $rc != 126 ]; then
		result "$name" 0 "status $rc, want 126"
	elif has "$name" ran; then
		result "$name" 0 "the program ran"
	elif ! has "$name" "$want"; then
		result "$name" 0 "no line '$want'"
	else
		result "$name" 1
	fi
}

case_mount-bad-spec() {
	refused mount-bad-spec \
		"keel: keel.mount=tmpfs:/x: not TYPE:SOURCE:/TARGET[:OPTIONS]" \
		-k keel.mount=tmpfs:/x
}

case_mount-unknown-type() {
	refused mount-unknown-type \
		"keel: cannot mount nosuchfs src on /a: unknown file system type (error -19)" \
		-k keel.mount=nosuchfs:src:/a
}

# The disks' nodes (/dev/vda ...): what the guest reads is the image's
# bytes; what dd writes through them (1000-byte blocks: partial sectors)
# is on the image afterwards, around it nothing changed; a read-only
# disk refuses to open for writing.
w=$logs/img
mkdir -p "$w"
head -c 3000000 /dev/urandom >"$w/r.img"
truncate -s 4M "$w/r.img"

case_blk-node-read() {
	local want got rc
	want=$(sha256sum <"$w/r.img" | cut -c1-64)
	guest blk-node-read --disk "$w/r.img:ro" -- $bb sha256sum /dev/vda
	rc=$?
	got=$(tr -d '\r' <"$logs/blk-node-read.log" | sed -n 's|^\([0-9a-f]\{64\}\)  /dev/vda$|\1|p')
	if [ $rc != 0 ]; then
		result blk-node-read 0 "status $rc: $(tail -1 "$logs/blk-node-read.log")"
	elif [ "$got" != "$want" ]; then
		result blk-node-read 0 "sha256 of /dev/vda '$got', the image's $want"
	else
		result blk-node-read 1
	fi
}

case_blk-node-write() {
	local rc
	head -c 4194304 /dev/urandom >"$w/w.img"
	cp "$w/w.img" "$w/w.before"
	guest blk-node-write --disk "$w/r.img:ro" --disk "$w/w.img" -- \
		$bb dd if=/dev/vda of=/dev/vdb bs=1000 count=3001 seek=1
	rc=$?
	if [ $rc != 0 ]; then
		result blk-node-write 0 "status $rc: $(tail -1 "$logs/blk-node-write.log")"
	elif ! cmp -s -n 3001000 "$w/r.img" <(tail -c +1001 "$w/w.img"); then
		result blk-node-write 0 "bytes 1000..3002000 of the image are not what dd copied"
	elif ! cmp -s -n 1000 "$w/w.img" "$w/w.before" ||
		! cmp -s <(tail -c +3002001 "$w/w.img") <(tail -c +3002001 "$w/w.before"); then
		result blk-node-write 0 "bytes outside what dd wrote changed"
	else
		result blk-node-write 1
	fi
}

case_blk-node-ro() {
	local rc
	cp "$w/r.img" "$w/ro.img"
	guest blk-node-ro --disk "$w/ro.img:ro" -- $bb dd if=/dev/zero of=/dev/vda bs=512 count=1
	rc=$?
	if [ $rc = 0 ]; then
		result blk-node-ro 0 "dd wrote to a read-only disk"
	elif ! grep -q "can't open '/dev/vda': Read-only file system" "$logs/blk-node-ro.log"; then
		result blk-node-ro 0 "no EROFS from open: $(tail -1 "$logs/blk-node-ro.log")"
	elif ! cmp -s "$w/r.img" "$w/ro.img"; then
		result blk-node-ro 0 "the read-only image changed"
	else
		result blk-node-ro 1
	fi
}

# ---- ext2 on a disk (fs/ext2), judged by Debian's e2fsck and debugfs ----
bin=$PWD/$logs/bin
mkdir -p "$bin"
for t in t_fsdisk t_append; do
	gcc -O1 -static -o "$bin/$t" tests/guest/$t.c || echo "storage tests: cannot compile $t.c"
done

# clean IMAGE: e2fsck -fn finds nothing (its report in the log otherwise).
clean() {
	e2fsck -fn "$1" >"$1.fsck" 2>&1
}

# The file-system calls (tests/guest/t_fsdisk.c) on an empty ext2 disk, the
# output against the host's own run (on Linux's ext2 through a loop device
# when this host can mount one, else in a temporary directory), then the
# image clean; the next boot finds what the first left (ext2-kept).
case_ext2-calls() {
	local img=$w/calls.img ref=$w/calls.ref mnt rc
	rm -f "$img" "$img.lt"
	truncate -s 256M "$img" && mke2fs -q -F -t ext2 -b 4096 "$img"
	cp --sparse=always "$img" "$img.lt"
	mnt=$(mktemp -d)
	if mount -o loop "$img.lt" "$mnt" 2>/dev/null; then
		(cd / && timeout 120 "$bin/t_fsdisk" "$mnt") >"$ref" 2>&1
		umount "$mnt"
	else
		(cd / && timeout 120 "$bin/t_fsdisk" "$mnt") >"$ref" 2>&1
		echo "(note: the host's reference ran on $(stat -f -c %T "$mnt"), not ext2: no loop device)" >>"$logs/ext2-calls.log.note"
	fi
	rm -rf "$mnt" "$img.lt"
	guest ext2-calls --disk "$img:/data" -- "$bin/t_fsdisk" /data
	rc=$?
	if ! grep -qx "t_fsdisk: 0 failed" "$ref"; then
		result ext2-calls 0 "the host's own run failed: $(grep -v '^ok' "$ref" | head -3 | tr '\n' ' ')"
	elif [ $rc != 0 ]; then
		result ext2-calls 0 "status $rc: $(tr -d '\r' <"$logs/ext2-calls.log" | grep -v '^ok' | tail -4 | tr '\n' ' ')"
	elif ! diff <(cat "$ref") <(tr -d '\r' <"$logs/ext2-calls.log" | grep -avE '^(keel|mount:)') >"$logs/ext2-calls.diff"; then
		result ext2-calls 0 "output differs from the host's: $(grep '^[<>]' "$logs/ext2-calls.diff" | head -4 | tr '\n' ' ')"
	elif ! clean "$img"; then
		result ext2-calls 0 "e2fsck -fn: $(grep -v '^Pass\|^e2fsck' "$img.fsck" | head -3 | tr '\n' ' ')"
	else
		result ext2-calls 1
	fi
}

case_ext2-kept() {
	local img=$w/calls.img rc
	guest ext2-kept --disk "$img:/data" -- "$bin/t_fsdisk" /data verify
	rc=$?
	if [ $rc != 0 ]; then
		result ext2-kept 0 "status $rc: $(tr -d '\r' <"$logs/ext2-kept.log" | grep -v '^ok' | tail -4 | tr '\n' ' ')"
	elif ! clean "$img"; then
		result ext2-kept 0 "e2fsck -fn after the second boot: $(grep -v '^Pass\|^e2fsck' "$img.fsck" | head -3 | tr '\n' ' ')"
	elif [ "$(debugfs -R 'cat /d2/f' "$img" 2>/dev/null)" != f ]; then
		result ext2-kept 0 "debugfs does not read /d2/f as the guest wrote it"
	else
		result ext2-kept 1
	fi
}

# A tree made by mke2fs -d (keel mkimage) read in the guest: every file's
# sha256 as the host computes it, symlinks and a hard link.
case_ext2-tree() {
	local tree=$w/tree img=$w/tree.img rc want
	rm -rf "$tree" && mkdir -p "$tree/a/b/c"
	head -c 10485760 /dev/urandom >"$tree/a/big"
	head -c 5000 /dev/urandom >"$tree/a/b/c/small"
	: >"$tree/empty"
	ln -s a/b/c/small "$tree/fast"
	ln -s "$(printf './%.0s' $(seq 35))a/b/c/small" "$tree/slow"
	ln "$tree/a/big" "$tree/hard"
	"$keel" mkimage -q "$tree" -o "$img" >"$logs/ext2-tree.mk" 2>&1
	want=$(cd "$tree" && sha256sum a/big a/b/c/small empty fast slow hard)
	guest ext2-tree --disk "$img:/t:ro" -C /t -- $bb sha256sum a/big a/b/c/small empty fast slow hard
	rc=$?
	if [ $rc != 0 ]; then
		result ext2-tree 0 "status $rc: $(tail -2 "$logs/ext2-tree.log" | tr '\n' ' ')"
	elif [ "$(tr -d '\r' <"$logs/ext2-tree.log" | grep -avE '^(keel|mount:)')" != "$want" ]; then
		result ext2-tree 0 "sha256sums differ from the host's"
	else
		result ext2-tree 1
	fi
}

# Debian's mke2fs makes ext4 by default: keel reads it (extents) and
# mounts it read-only, naming why; a write fails and the image is unchanged.
case_ext4-readonly() {
	local tree=$w/tree4 img=$w/ext4.img rc
	rm -rf "$tree" && mkdir -p "$tree/d"
	head -c 300000 /dev/urandom >"$tree/d/f"
	rm -f "$img" && truncate -s 64M "$img"
	mke2fs -q -F -t ext4 -d "$tree" "$img"
	cp "$img" "$img.before"
	guest ext4-readonly --verbose --disk "$img:/x" -- $bb sha256sum /x/d/f
	rc=$?
	guest ext4-write --disk "$img:/x" -- $bb touch /x/new
	if [ $rc != 0 ]; then
		result ext4-readonly 0 "status $rc: $(tail -2 "$logs/ext4-readonly.log" | tr '\n' ' ')"
	elif ! tr -d '\r' <"$logs/ext4-readonly.log" | grep -q "^$(sha256sum <"$tree/d/f" | cut -c1-64)  /x/d/f$"; then
		result ext4-readonly 0 "the file's sha256 is not the host's"
	elif ! tr -d '\r' <"$logs/ext4-readonly.log" | grep -qx "mount: ext2 /dev/vda on /x (read-only)"; then
		result ext4-readonly 0 "the boot did not say 'mount: ext2 /dev/vda on /x (read-only)'"
	elif ! grep -q "Read-only file system" "$logs/ext4-write.log"; then
		result ext4-readonly 0 "touch on the ext4 disk did not fail with EROFS: $(tail -1 "$logs/ext4-write.log")"
	elif ! cmp -s "$img" "$img.before"; then
		result ext4-readonly 0 "the ext4 image changed"
	else
		result ext4-readonly 1
	fi
}

# The whole root on a disk (keel run --root disk): busybox runs from it,
# writes a file there that is on the image afterwards, /tmp is a tmpfs.
case_root-disk() {
	local out=$w/rootdisk rc
	rm -rf "$out"
	guest root-disk --root disk -o "$out" -- $bb cp /proc/self/mounts /written
	rc=$?
	if [ $rc != 0 ]; then
		result root-disk 0 "status $rc: $(tail -2 "$logs/root-disk.log" | tr '\n' ' ')"
	elif ! clean "$out/root.img"; then
		result root-disk 0 "e2fsck -fn: $(grep -v '^Pass\|^e2fsck' "$out/root.img.fsck" | head -3 | tr '\n' ' ')"
	elif ! debugfs -R 'cat /written' "$out/root.img" 2>/dev/null | grep -q '^/dev/vda / ext2 rw'; then
		result root-disk 0 "the root is not ext2 /dev/vda in /written: $(debugfs -R 'cat /written' "$out/root.img" 2>/dev/null | head -3 | tr '\n' ' ')"
	elif ! debugfs -R 'cat /written' "$out/root.img" 2>/dev/null | grep -q '^tmpfs /tmp tmpfs'; then
		result root-disk 0 "no tmpfs on /tmp"
	else
		result root-disk 1
	fi
}

# Debian's sqlite3 makes a 100,000-row table on a disk in one boot; the
# next boot's integrity check and totals agree, and so does the host's
# sqlite3 on the file debugfs takes off the image.
case_sqlite() {
	local img=$w/sqlite.img sq=/usr/bin/sqlite3 want="ok
100000|49950000|3200000" got host
	if [ ! -x $sq ]; then
		result sqlite 0 "$sq is not installed (make deps installs sqlite3)"
		return
	fi
	rm -f "$img" && truncate -s 64M "$img" && mke2fs -q -F -t ext2 -b 4096 "$img"
	guest sqlite-make --disk "$img:/data" -- $sq /data/t.db \
		"CREATE TABLE t(k INTEGER PRIMARY KEY, v INTEGER, s TEXT);
		WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
		INSERT INTO t SELECT x, x * 7 % 1000, hex(randomblob(16)) FROM c;"
	local rc=$?
	guest sqlite --disk "$img:/data:ro" -- $sq -readonly /data/t.db \
		"PRAGMA integrity_check; SELECT count(*), sum(v), sum(length(s)) FROM t;"
	got=$(tr -d '\r' <"$logs/sqlite.log" | grep -avE '^(keel|mount:)')
	rm -f "$w/host.db"
	debugfs -R "dump /t.db $w/host.db" "$img" >/dev/null 2>&1
	host=$($sq -readonly "$w/host.db" "PRAGMA integrity_check; SELECT count(*), sum(v), sum(length(s)) FROM t;" 2>&1)
	if [ $rc != 0 ]; then
		result sqlite 0 "the first boot's status $rc: $(tail -2 "$logs/sqlite-make.log" | tr '\n' ' ')"
	elif [ "$got" != "$want" ]; then
		result sqlite 0 "the second boot said '$(echo $got)', want '$(echo $want)'"
	elif [ "$host" != "$want" ]; then
		result sqlite 0 "the host's sqlite3 on the image's file said '$(echo $host)'"
	elif ! clean "$img"; then
		result sqlite 0 "e2fsck -fn: $(grep -v '^Pass\|^e2fsck' "$img.fsck" | head -3 | tr '\n' ' ')"
	else
		result sqlite 1
	fi
}

# Power cuts: QEMU killed at a random moment while t_append fsyncs record
# after record onto an ext2 disk; e2fsck -fy repairs the image, and every
# record whose "synced N" line came out before the cut is there, intact,
# as are the records of earlier runs' files. fast: 3 runs, full: 100.
case_power-cut() {
	local img=$w/cut.img runs=3 lost=0 ok=0 i pidf=$w/qemu.pid synced t
	[ "$mode" = full ] && runs=100
	rm -f "$img" && truncate -s 64M "$img" && mke2fs -q -F -t ext2 -b 4096 "$img"
	printf '#!/bin/sh\necho $$ >"%s"\nexec qemu-system-x86_64 "$@"\n' "$pidf" >"$w/qemu-pid"
	chmod +x "$w/qemu-pid"
	: >"$logs/power-cut.log"
	for i in $(seq "$runs"); do
		rm -f "$pidf"
		KEEL_QEMU=$w/qemu-pid timeout 300 "$keel" run -q --accel tcg -t 240 --disk "$img:/d" -- \
			"$bin/t_append" "/d/run$i" 100000 >"$w/cut.out" 2>&1 &
		local kp=$!
		t=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() * 2.5 }')
		sleep "$t"
		[ -f "$pidf" ] && kill -9 "$(cat "$pidf")" 2>/dev/null
		wait "$kp" 2>/dev/null
		synced=$(tr -d '\r' <"$w/cut.out" | sed -n 's/^synced \([0-9]*\)$/\1/p' | tail -1)
		e2fsck -fy "$img" >"$w/cut.fsck" 2>&1
		local fsck=$?
		echo "run $i: cut after ${t}s, ${synced:-0} synced, e2fsck -fy status $fsck" >>"$logs/power-cut.log"
		if [ $fsck -ge 4 ]; then
			lost=$((lost + 1))
			echo "  e2fsck could not repair: $(tail -3 "$w/cut.fsck" | tr '\n' ' ')" >>"$logs/power-cut.log"
			continue
		fi
		echo "$i ${synced:-0}" >>"$w/cut.runs"
		local bad=0
		while read -r r n; do
			[ "$n" = 0 ] && continue
			debugfs -R "cat /run$r" "$img" 2>/dev/null | head -c $((n * 64)) >"$w/cut.got"
			python3 -c '
import sys
n = int(sys.argv[2]); d = open(sys.argv[1], "rb").read()
for k in range(1, n + 1):
    r = b"%08d " % k + bytes(ord("a") + (k * 7 + i * 13) % 26 for i in range(9, 63)) + b"\n"
    if d[(k - 1) * 64:k * 64] != r: sys.exit("record %d of %d" % (k, n))
' "$w/cut.got" "$n" 2>>"$logs/power-cut.log" || bad=1
		done <"$w/cut.runs"
		if [ $bad = 0 ]; then ok=$((ok + 1)); else lost=$((lost + 1)); fi
	done
	echo "power cuts: $ok of $runs runs lost nothing" | tee -a "$logs/power-cut.log"
	if [ $ok = "$runs" ]; then
		result power-cut 1
	else
		result power-cut 0 "$lost of $runs runs lost fsync'd records or could not be repaired (see the log)"
	fi
}

if [ ! -x "$keel" ]; then
	for c in $cases; do result "$c" 0 "no $keel (run make first)"; done
else
	for c in $cases; do "case_$c"; done
fi
echo "storage: $pass passed, $fail failed"
[ "$fail" = 0 ]
