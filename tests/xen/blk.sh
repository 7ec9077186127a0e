#!/bin/bash
# blk.sh - keel's blkfront on the nested Xen bed (tests/xen/run.sh): the in-kernel self-test blk
# (kernel/selftests/blk.c, keel.test.blk=xvda) on a raw image attached with `keel xl --disk`, so
# that the image goes through keel xl's disk line, dom0's blkback over a loop device (the bed's
# block script, tests/xen/block-xenbed) and keel's blkfront. The host makes the image
# (tests/boot/blk-image.py: a signature and a pattern the guest must read) and what the guest
# must leave in it; dom0 compares the image byte for byte after the guest shut down
# (tests/xen/blk-dom0.sh), so a driver that only pretends cannot pass. Cases: blk (the self-test
# passed, the guest's status 0, its xvda line), blk-image (dom0's comparison), blk-ro (the same
# image attached read-only: writes refused with EROFS, dom0 finds it unchanged); ext2 and
# ext2-image (busybox in keel writes files on an ext2 image mounted with keel xl --disk
# IMAGE:/data, and exits; dom0's Debian e2fsck -fn finds it clean, debugfs reads the files back).
# Sourced by tests/xen/tests.sh (xen_blk_case, xen_ext2_case); `bash tests/xen/blk.sh` runs all.

# xen_blk_case name ro|rw
xen_blk_case() {
	local name=$1 mode=$2 dir=$logs/xl-$1 log=$logs/$1.log disk=$logs/$1-img/disk.img
	local want=$logs/$1-img/want.img spec=$disk why
	mkdir -p "$logs/$1-img"
	[ "$mode" = ro ] && spec=$disk:ro
	python3 tests/boot/blk-image.py make "$disk"
	if [ "$mode" = ro ]; then cp "$disk" "$want"; else python3 tests/boot/blk-image.py want "$want"; fi
	rm -rf "$dir"
	if ! build/keel xl -q -o "$dir" --guest-dir /guest -m 32 --disk "$spec" \
		-k keel.test=blk -k keel.test.blk=xvda -- /bin/true >"$log.out" 2>&1; then
		result "$name" 0 "keel xl failed: $(tail -1 "$log.out")"
		result "$name-image" 0 "not booted"
		return
	fi
	bash tests/xen/run.sh --xl-dir "$dir" --timeout 240 --log "$log" \
		--dom0-script tests/xen/blk-dom0.sh --dom0-file "$want" >>"$log.out" 2>&1
	rc=$?
	local line="guest: blkfront xvda \(202:0\): vbd 51712 on .*, 8192 sectors of 512 bytes \(4096 KiB\)"
	[ "$mode" = ro ] && line="$line, read-only"
	line="$line.*, indirect requests of 128 segments" # blkback offers 256
	if [ "$rc" != 0 ]; then
		why="run.sh exit $rc: $(grep -a XENBED-RESULT "$log" | head -1)"
		result "$name" 0 "$why; $(grep -aE 'guest: (  blk|blkfront|  check failed)' "$log" | sed 's/.*guest: //' | head -4 | tr '\n' ' ')"
	elif ! grep -aq "guest: selftest blk: ok" "$log"; then
		result "$name" 0 "blk did not pass: $(grep -aE 'guest: .*blk' "$log" | sed 's/.*guest: //' | head -4 | tr '\n' ' ')"
	elif ! grep -aqE "$line" "$log"; then
		result "$name" 0 "no line like '$line'"
	elif [ "$mode" = rw ] && ! grep -aq "guest: blkfront xvda: the first indirect request, 64 segments" "$log"; then
		result "$name" 0 "the self-test's 256 KiB request did not go as one indirect request"
	else
		result "$name" 1
	fi
	if grep -aq "dom0-script: CASE image 1" "$log" && grep -aq "XENBED-SCRIPT run=1 rc=0" "$log"; then
		result "$name-image" 1
	else
		result "$name-image" 0 "$(grep -a 'dom0-script: CASE image' "$log" | sed 's/.*CASE image 0 //' | head -1)"
	fi
	rm -f "$disk" "$want"
}

# The ext2 case: tests/xen/ext2-writer.c writes the files; want-NAME in dom0 is what /NAME must hold
# ("__" for "/").
xen_ext2_case() {
	local name=ext2 dir=$logs/xl-ext2 log=$logs/ext2.log w=$logs/ext2-img
	rm -rf "$w" "$dir"
	mkdir -p "$w/tree"
	echo "to be removed" >"$w/tree/lost"
	echo "hello from keel on xen" >"$w/want-a.txt"
	seq 1 20000 >"$w/want-d__nums"
	if ! gcc -O1 -static -o "$w/ext2-writer" tests/xen/ext2-writer.c >"$log.out" 2>&1 ||
		! build/keel mkimage "$w/tree" -o "$w/disk.img" --size 8M >>"$log.out" 2>&1 ||
		! build/keel xl -q -o "$dir" --guest-dir /guest -m 64 --disk "$w/disk.img:/data" \
			-- "$w/ext2-writer" >>"$log.out" 2>&1; then
		result "$name" 0 "gcc, keel mkimage or keel xl failed: $(tail -1 "$log.out")"
		result "$name-image" 0 "not booted"
		return
	fi
	bash tests/xen/run.sh --xl-dir "$dir" --timeout 240 --log "$log" --dom0-script tests/xen/blk-dom0.sh \
		--dom0-file "$w/want-a.txt" --dom0-file "$w/want-d__nums" >>"$log.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -aq "guest: ext2: files written" "$log" &&
		grep -aqE "guest: blkfront xvda \(202:0\): vbd 51712 .*, 16384 sectors of 512 bytes" "$log"; then
		result "$name" 1
	else
		result "$name" 0 "run.sh exit $rc: $(grep -a XENBED-RESULT "$log" | head -1); $(grep -aE 'guest: (blkfront|mount|keel: cannot|ext2)' "$log" | sed 's/.*guest: //' | head -4 | tr '\n' ' ')"
	fi
	if grep -aq "dom0-script: CASE image 1" "$log" && grep -aq "XENBED-SCRIPT run=1 rc=0" "$log"; then
		result "$name-image" 1
	else
		result "$name-image" 0 "$(grep -a 'dom0-script: \(CASE image\|e2fsck\)' "$log" | sed 's/.*dom0-script: //' | head -3 | tr '\n' ' ')"
	fi
}

xen_blk_cases() {
	xen_blk_case blk rw
	xen_blk_case blk-ro ro
	xen_ext2_case
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cd "$(dirname "$0")/../.."
	logs=build/xen-logs
	mkdir -p "$logs"
	prefix=xen-
	. tests/lib.sh
	plan 6
	xen_blk_cases
	echo "xen-blk: $pass passed, $fail failed"
	[ "$fail" = 0 ]
fi
