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
cases="mount-tmpfs mount-bad-spec mount-unknown-type blk-node-read blk-node-write blk-node-ro"
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

if [ ! -x "$keel" ]; then
	for c in $cases; do result "$c" 0 "no $keel (run make first)"; done
else
	for c in $cases; do "case_$c"; done
fi
echo "storage: $pass passed, $fail failed"
[ "$fail" = 0 ]
