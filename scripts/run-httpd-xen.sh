#!/bin/bash
# run-httpd-xen.sh - the seed's HTTP demo on Xen (make run-httpd-xen): Debian's nginx, unmodified,
# built into a Xen PVH guest by `keel xl --net bridge=xenbr0` and booted by `xl create` in the nested
# Xen test bed (tests/xen/run.sh: Xen 4.17 and a Debian dom0 under QEMU). The guest is on dom0's
# bridge xenbr0, which has no uplink, at the link-local 169.254.1.2 (dom0 is 169.254.1.1), driven by
# keel's netfront. dom0 (tests/xen/httpd-dom0.sh) waits for the first answer, fetches the page and
# prints its first lines (it must be the file, byte for byte), runs a bounded load (wrk -t 1 -c 4
# -d 3s, Debian's wrk given to dom0) and prints the request rate; then dom0 ends the guest with
# `xl shutdown`, which keel obeys. Exits 0 when every step worked, else 1 with the step that failed.
#
# usage: scripts/run-httpd-xen.sh [WORKDIR]  (default build/run-httpd-xen: the xl directory, the
# serial log, the dom0 script's output)
set -u
cd "$(dirname "$0")/.."
exec </dev/null
work=${1:-build/run-httpd-xen}
page=/usr/share/nginx/html/index.html
rm -rf "$work"
mkdir -p "$work/www" "$work/empty-log" "$work/empty-lib"
work=$(cd "$work" && pwd)

fail() {
	echo "run-httpd-xen: FAILED: $*" >&2
	[ -s "$work/run.out" ] && grep -a -E 'guest: |XENBED-' "$work/run.out" | tail -n 8 | sed 's/^/  /' >&2
	exit 1
}

[ -x build/keel ] && [ -f build/keel.elf ] || fail "no build/keel or build/keel.elf (run make)"
[ -x /usr/sbin/nginx ] || fail "/usr/sbin/nginx is not installed (make deps installs nginx-light)"
[ -f "$page" ] || fail "no $page (Debian's nginx-common has it)"
cp "$page" "$work/www/index.html"

echo "run-httpd-xen: building nginx into a Xen guest (keel xl --net bridge=xenbr0)"
build/keel xl -q -o "$work/xl" --guest-dir /guest -m 64 -n keel-httpd \
	--net bridge=xenbr0,mac=00:16:3e:6b:00:02 -k keel.ip=169.254.1.2/16 \
	-f /etc/nginx -f /usr/share/nginx \
	-f "$work/www:/var/www/html" -f /usr/lib/nginx \
	-f "$work/empty-lib:/var/lib/nginx" -f "$work/empty-log:/var/log/nginx" \
	-- /usr/sbin/nginx -g 'daemon off; master_process off;' >"$work/xl.log" 2>&1 ||
	fail "keel xl: $(tail -1 "$work/xl.log")"
grep '^vif' "$work/xl/keel.cfg" | sed 's/^/run-httpd-xen: keel.cfg: /'

echo "run-httpd-xen: booting Xen and dom0 under QEMU, then xl create (about a minute under TCG)"
bash tests/xen/run.sh --xl-dir "$work/xl" --dom0-wrk --timeout 180 \
	--dom0-script tests/xen/httpd-dom0.sh --dom0-file "$work/www/index.html" \
	--log "$work/serial.log" >"$work/run.out" 2>&1
rc=$?
grep -a '^dom0-script: ' "$work/run.out" | sed 's/^dom0-script: /  /'
grep -a -q '^XENBED-SCRIPT run=1 rc=0$' "$work/run.out" ||
	fail "the dom0 side failed ($(grep -a -m1 -E '^XENBED-SCRIPT|TEST BED' "$work/run.out"))"
grep -a -q 'XENBED-RESULT reason=poweroff status=0' "$work/run.out" ||
	fail "the guest did not end cleanly after xl shutdown (run.sh exit $rc: $(grep -a -m1 XENBED-RESULT "$work/run.out"))"
echo "run-httpd-xen: xl shutdown ended the guest cleanly (status 0)"
