#!/bin/sh
# blk-dom0.sh - the dom0 side of tests/xen/blk.sh (busybox sh in dom0, run.sh --dom0-script): wait
# until the guest has written its status and shut down (at most 240 s), then judge the disk image it
# wrote through blkfront, /guest/disk.img. With /guest/want.img (the blk self-test): byte for byte
# the same. With /guest/want-* (the ext2 case): Debian's e2fsck -fn finds the file system clean, and
# debugfs reads each /guest/want-NAME back from the image's /NAME (a "__" in NAME is a "/").
# Ends with "CASE image 1" or "CASE image 0 <why>".
n=0
while [ $n -lt 1200 ] && ! xenstore-read "/local/domain/$DOMID/data/keel/status" >/dev/null 2>&1; do
	usleep 200000
	n=$((n + 1))
done
status=$(xenstore-read "/local/domain/$DOMID/data/keel/status" 2>/dev/null) || {
	echo "CASE image 0 the guest wrote no status in 240 s"
	exit 1
}
# Shut down (xl list's state has an s): blkback has answered every request by then.
n=0
while [ $n -lt 100 ] && ! xl list "$DOMID" 2>/dev/null | awk 'NR == 2 { exit $5 ~ /s/ ? 0 : 1 }'; do
	usleep 100000
	n=$((n + 1))
done
echo "guest status $status; xl list: $(xl list "$DOMID" 2>/dev/null | tail -1)"
if [ ! -f /guest/want.img ]; then
	if ! e2fsck -fn /guest/disk.img >/tmp/e2fsck.out 2>&1; then
		sed 's/^/e2fsck: /' /tmp/e2fsck.out | head -20
		echo "CASE image 0 e2fsck -fn found the file system not clean"
		exit 1
	fi
	tail -1 /tmp/e2fsck.out
	for f in /guest/want-*; do
		p=$(basename "$f")
		p=/$(echo "${p#want-}" | sed 's|__|/|g')
		if ! debugfs -R "cat $p" /guest/disk.img 2>/dev/null | cmp - "$f"; then
			echo "CASE image 0 $p on the image is not what the guest wrote"
			exit 1
		fi
		echo "$p: $(wc -c <"$f") bytes as written"
	done
	echo "CASE image 1"
elif cmp /guest/disk.img /guest/want.img; then
	echo "CASE image 1"
else
	echo "CASE image 0 $(cmp -l /guest/disk.img /guest/want.img 2>/dev/null | wc -l) bytes differ from what the guest must write"
	exit 1
fi
