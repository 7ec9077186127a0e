#!/bin/bash
# net.sh [GUEST] - the network of the nested Xen bed (tests/xen/run.sh): one bed boot with GUEST on
# xenbr0 serving HTTP on port 80, and dom0 as the client (tests/xen/net-dom0.sh, run.sh --dom0-script):
# up (first answer within UP_S s), fetch-1k (byte for byte, cmp), fetch-16m (sha256), requests-100
# (100 busybox wget in a row, a connection each), keepalive-100 (100 pipelined requests on one
# connection, busybox nc), and boot (the run itself: the script's status, the guest's end after
# dom0's xl shutdown). GUEST (default linux, or $XEN_NET_GUEST) picks a guest_GUEST function below:
# linux is Debian's kernel + nginx (bench/xen-linux-nginx.sh, 169.254.1.3, Linux's xen-netfront);
# keel is keel's xl image of Debian's nginx (169.254.1.2, keel's netfront). Prints PLAN, then
# PASS/FAIL per case (tests/lib.sh) and "xen-net: N passed, N failed". make test-xen-net (root).
set -u
cd "$(dirname "$0")/../.."
guest=${1:-${XEN_NET_GUEST:-linux}}
logs=build/xen-logs/net-$guest
mkdir -p "$logs"
prefix=xen-net-$guest-
. tests/lib.sh
CASES="up fetch-1k fetch-16m requests-100 keepalive-100 boot"
plan 6
UP_S=${UP_S:-90}
WWW=build/bench/xen-linux-nginx/www # the files every guest serves: index.html, 16m.bin

all_fail() { # why: every case fails with it
	local c
	for c in $CASES; do result "$c" 0 "$1"; done
	echo "xen-net: $pass passed, $fail failed"
	exit 1
}

# A guest_NAME function sets: ARGS (run.sh's arguments: the guest, its vif, memory, timeout), IP,
# and WANT (the XENBED-RESULT reason/status it ends with after dom0's xl shutdown).
guest_linux() {
	local kernel=${LINUX_KERNEL:-build/xen/vmlinux}
	ARGS=("$kernel" --ramdisk build/bench/xen-linux-nginx/initramfs.cpio --mem 256
		--cmdline "console=hvc0 quiet" --xen-extra "dom0_mem=512M,max:512M"
		--cfg-extra 'vif = ["mac=00:16:3e:6b:00:03"]')
	IP=169.254.1.3
	WANT="reason=poweroff status=none" # Linux powers off without writing data/keel/status
}

# keel: Debian's nginx (stock config, as bench/net.sh runs it) serving $WWW as /var/www/html, built
# with keel xl; its address from keel.ip=. Needs keel's Xen netfront (drivers/xen/netfront.c).
guest_keel() {
	local dir=$logs/keel-xl
	rm -rf "$dir"
	build/keel xl -q -o "$dir" --guest-dir /guest -m "${KEEL_MEM:-64}" -k keel.ip=169.254.1.2/16 \
		-f /etc/nginx -f /etc/passwd -f /etc/group -f "$WWW:/var/www/html" -f /usr/share/nginx \
		-f /usr/lib/nginx -f /var/lib/nginx -f /var/log/nginx \
		-- /usr/sbin/nginx -g 'daemon off; master_process off;' >"$logs/keel-xl.log" 2>&1 ||
		all_fail "keel xl failed: $(tail -1 "$logs/keel-xl.log")"
	grep -qE '^[[:space:]]*vif[[:space:]]*=' "$dir/keel.cfg" ||
		echo 'vif = ["mac=00:16:3e:6b:00:02"]' >>"$dir/keel.cfg"
	ARGS=(--xl-dir "$dir")
	IP=169.254.1.2
	WANT="reason=poweroff status=0"
}

bash bench/xen-linux-nginx.sh >"$logs/build.log" 2>&1 ||
	all_fail "bench/xen-linux-nginx.sh failed: $(tail -1 "$logs/build.log")"
declare -F "guest_$guest" >/dev/null || all_fail "no guest '$guest' (linux, keel)"
"guest_$guest"
sha=$(sed -n 's/ *16m.bin$//p' "$WWW/../SHA256SUMS")
printf '%s\n' "IP=$IP" URL_1K=/index.html URL_16M=/16m.bin "SHA_16M=$sha" "UP_S=$UP_S" >"$logs/net.env"

log=$logs/boot.log
bash tests/xen/run.sh "${ARGS[@]}" --timeout $((UP_S + 240)) --dom0-script tests/xen/net-dom0.sh \
	--dom0-file "$logs/net.env" --dom0-file "$WWW/index.html" --log "$log" >"$log.out" 2>&1
rc=$?
for c in $CASES; do
	[ "$c" != boot ] || continue
	line=$(grep -m1 "^dom0-script: CASE $c " "$log.out" | sed 's/^dom0-script: CASE [^ ]* //')
	case $line in
	1) result "$c" 1 ;;
	0\ *) result "$c" 0 "${line#0 }" ;;
	*) result "$c" 0 "no verdict from dom0 (run.sh exit $rc: $(grep -m1 -E 'XENBED-RESULT|TEST BED' "$log.out"))" ;;
	esac
done
grep '^dom0-script: ' "$log.out" | grep -v '^dom0-script: CASE ' | sed 's/^dom0-script: /  /'
got=$(grep -m1 '^XENBED-RESULT' "$log.out")
if ! grep -q '^XENBED-SCRIPT run=1 rc=0$' "$log.out"; then
	result boot 0 "dom0 script: $(grep -m1 '^XENBED-SCRIPT' "$log.out" || echo 'no XENBED-SCRIPT line') (run.sh exit $rc)"
elif [[ "$got" != "XENBED-RESULT $WANT "* ]]; then
	result boot 0 "'$got', want $WANT after xl shutdown (run.sh exit $rc)"
else
	result boot 1
fi
echo "xen-net: $pass passed, $fail failed"
[ "$fail" = 0 ]
