#!/bin/sh
# net-client-dom0.sh - dom0's half of tests/xen/net.sh's client case (busybox sh in dom0, run.sh
# --dom0-script): a server in dom0 for a client in the guest. busybox httpd serves /guest/srv
# (index.html and 16m.bin) on 169.254.1.1:8080 on xenbr0; the guest (Debian's curl in keel, which
# retries until the server is there) fetches both and ends by itself. The script waits for that end
# (its status in xenstore, at most 120 s); net.sh judges what the guest printed.
mkdir -p /guest/srv
mv /guest/index.html /guest/16m.bin /guest/srv/ 2>/dev/null
httpd -p 169.254.1.1:8080 -h /guest/srv || { echo "busybox httpd did not start"; exit 1; }
echo "busybox httpd serves /guest/srv on 169.254.1.1:8080"
n=0
until xenstore-read "/local/domain/$DOMID/data/keel/status" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 600 ] || { echo "the guest did not end within 120 s"; exit 1; }
	usleep 200000
done
echo "the guest ended with status $(xenstore-read "/local/domain/$DOMID/data/keel/status")"
