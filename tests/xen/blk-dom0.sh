#!/bin/sh
# blk-dom0.sh - the dom0 side of tests/xen/blk.sh (busybox sh in dom0, run.sh --dom0-script): wait
# until the guest has written its status and shut down (at most 240 s), then compare the disk image
# it wrote through blkfront, /guest/disk.img, byte for byte with /guest/want.img (what it must have
# written, made by the host). Ends with "CASE image 1" or "CASE image 0 <why>".
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
if cmp /guest/disk.img /guest/want.img; then
	echo "CASE image 1"
else
	echo "CASE image 0 $(cmp -l /guest/disk.img /guest/want.img 2>/dev/null | wc -l) bytes differ from what the guest must write"
	exit 1
fi
