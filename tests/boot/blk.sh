# blk.sh - the virtio-blk boot tests (docs/drivers.md): the self-test blk
# (kernel/selftests/blk.c) on a scratch raw image the host makes
# (tests/boot/blk-image.py): it reads the host's signature and pattern,
# writes its own from four threads and in one large request, flushes and
# reads back; after QEMU exits the host compares every byte of the image
# with what the guest must have written. PCI on pc and q35 (q35 with a
# queue of 8 entries, so requests wait in the driver), polled without
# MSI-X, MMIO on microvm (found in the DSDT) and polled without ACPI
# (virtio_mmio.device=), two disks (vda 254:0 and vdb 254:16), a
# read-only drive (writes refused, the image untouched), and without a
# disk (skipped, with its reason).
# Sourced by tests/boot/run.sh (BLK_CASES cases); `bash tests/boot/run.sh
# blk` runs just these.
BLK_CASES=8

# blkcase name machine how(interrupts|polled) ro|rw device-args...
# ($blk_also: a further line the log must have.)
blk_also=
blkcase() {
	local name="blk-$1" m=$2 how=$3 mode=$4 log="$logs/blk-$1.log" img="$logs/blk-$1.img" rc why line
	shift 4
	python3 $here/blk-image.py make "$img"
	local ro=
	[ "$mode" = ro ] && ro=,readonly=on
	rc=$(bash $here/qemu-boot.sh "$m" 64 "keel.test=blk" "$log" "${EXIT_DEV[@]}" \
		-drive "file=$img,if=none,id=d0,format=raw,cache=none$ro" "$@")
	line="^virtio .*: blk vda \(254:0\), 8192 sectors of 512 bytes \(4096 KiB\), queue [0-9]+, .*flush.*$how"
	[ "$mode" = ro ] && line="^virtio .*: blk vda \(254:0\), 8192 sectors .*, read-only, $how"
	if [ "$rc" != 1 ]; then
		result "$name" 0 "QEMU exit $rc, want 1 (guest status 0): $(grep -a '  blk\|blk vda\|check failed' "$log" | tr -d '\r' | tr '\n' ' ')"
	elif ! grep -q "^selftest blk: ok" "$log"; then
		result "$name" 0 "blk did not pass: $(grep -a 'blk\|virtio' "$log" | tr -d '\r' | tr '\n' ' ')"
	elif ! grep -qE "$line" "$log"; then
		result "$name" 0 "no line like '$line'"
	elif [ -n "$blk_also" ] && ! grep -qE "$blk_also" "$log"; then
		result "$name" 0 "no line like '$blk_also'"
	elif ! why=$(python3 $here/blk-image.py check "$img" "$mode"); then
		result "$name" 0 "the image after the guest: $why"
	else
		result "$name" 1
	fi
	rm -f "$img"
}

blk_tests() {
	blkcase pc pc interrupts rw -device virtio-blk-pci,drive=d0
	blkcase q35-queue8 q35 interrupts rw -device virtio-blk-pci,drive=d0,queue-size=8
	blkcase pc-polled pc polled rw -device virtio-blk-pci,drive=d0,vectors=0
	blkcase microvm microvm interrupts rw -global virtio-mmio.force-legacy=false -device virtio-blk-device,drive=d0
	blkcase microvm-noacpi microvm,acpi=off polled rw -global virtio-mmio.force-legacy=false \
		-device virtio-blk-device,drive=d0
	local second="$logs/blk-second.img"
	truncate -s 1M "$second"
	blk_also="^virtio .*: blk vdb \(254:16\), 2048 sectors of 512 bytes"
	blkcase two q35 interrupts rw -device virtio-blk-pci,drive=d0 \
		-drive "file=$second,if=none,id=d1,format=raw,cache=none" -device virtio-blk-pci,drive=d1
	blk_also=
	rm -f "$second"
	blkcase ro pc interrupts ro -device virtio-blk-pci,drive=d0
	local log="$logs/blk-none.log" rc
	rc=$(bash $here/qemu-boot.sh pc 64 "keel.test=blk" "$log" "${EXIT_DEV[@]}")
	if [ "$rc" = 1 ] && grep -q "^selftest blk: skipped" "$log" &&
		grep -q "blk: no block device vda" "$log"; then
		result blk-none 1
	else
		result blk-none 0 "QEMU exit $rc (want 1), or no 'skipped' with its reason"
	fi
}
