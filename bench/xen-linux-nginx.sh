#!/usr/bin/env bash
# bench/xen-linux-nginx.sh [OUT_DIR] - build (cached) the Linux reference guest for the nested Xen bed's
# network (tests/xen/net.sh, bench/xen-net.sh): Debian's own kernel (build/xen/vmlinux, the one dom0
# runs, booted as PVH) with a ramdisk of static busybox, xen-netfront.ko from the same kernel package,
# and Debian's nginx (the host's /usr/sbin/nginx from nginx-light + every library ldd finds for it).
# Its /init loads xen-netfront, gives eth0 169.254.1.3/16 (fd00:6b65:656c::3/64; `xenbed.ip=A/N` on
# the kernel command line for another), starts nginx on port 80 serving /www and waits; `xl shutdown`
# runs /sbin/poweroff, which powers the domain off (reason=poweroff, no status).
# Files served: /index.html (1 KiB, lines of a fixed text) and /16m.bin (16 MiB, SHA-256 of a counter,
# the same bytes on every build). OUT_DIR (default build/bench/xen-linux-nginx) gets:
#   initramfs.cpio   the guest's ramdisk (uncompressed)      www/   the files it serves
#   initramfs-1k.cpio the same without /16m.bin (bench/xen-mem.sh: the floor of nginx, not of the file)
#   SHA256SUMS       sha256sum of www/*                        init   the /init put in it
# and the last line printed is OUT_DIR. The guest needs a vif on xenbr0, e.g.
#   tests/xen/run.sh build/xen/vmlinux --ramdisk OUT/initramfs.cpio --mem 256 --cmdline "console=hvc0" \
#     --xen-extra "dom0_mem=512M,max:512M" --cfg-extra 'vif = ["mac=00:16:3e:6b:00:03"]' --dom0-script S
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-build/bench/xen-linux-nginx}
XB=${XENBED_DIR:-build/xen}
die() { echo "xen-linux-nginx.sh: $*" >&2; exit 1; }

bash tests/xen/setup.sh --quiet || die "tests/xen/setup.sh failed"
[ -x /usr/sbin/nginx ] || sh scripts/deps.sh || die "cannot install nginx-light (scripts/deps.sh)"
[ -x /usr/sbin/nginx ] || die "no /usr/sbin/nginx"
kv=$(cat "$XB/kernel-version")
NETFRONT=$XB/kernel/lib/modules/$kv/kernel/drivers/net/xen-netfront.ko
[ -f "$NETFRONT" ] || die "$NETFRONT missing (tests/xen/setup.sh extracts it)"

INIT='#!/bin/busybox sh
# /init of the Linux nginx guest (bench/xen-linux-nginx.sh): netfront, a static address, nginx.
export PATH=/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run /var/log/nginx /var/lib/nginx
ip=169.254.1.3/16 ip6=fd00:6b65:656c::3/64
for a in $(cat /proc/cmdline); do
	case $a in xenbed.ip=*) ip=${a#*=} ;; esac
done
insmod /lib/modules/xen-netfront.ko
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 1000 ]; do
	usleep 10000
	i=$((i + 1))
done
ip link set lo up
if ip addr add "$ip" dev eth0 && ip link set eth0 up; then
	ip -6 addr add "$ip6" dev eth0
	echo "linux-nginx: eth0 $(cat /sys/class/net/eth0/address) $ip"
else
	echo "linux-nginx: no eth0 (xen-netfront)"
fi
if nginx -c /etc/nginx/nginx.conf; then echo "linux-nginx: nginx up"; else echo "linux-nginx: nginx failed"; fi
while :; do sleep 3600; done'
CONF='user nobody nogroup;
worker_processes 1;
pid /run/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	server {
		listen 80 default_server;
		listen [::]:80 default_server;
		root /www;
	}
}'
want=$({ echo "$INIT$CONF"; cat "${BASH_SOURCE[0]}" /usr/sbin/nginx "$XB/root/bin/busybox" "$NETFRONT"; } | sha256sum | cut -c1-16)
if [ -s "$OUT/initramfs.cpio" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$want" ]; then
	echo "$OUT"
	exit 0
fi
echo "xen-linux-nginx.sh: building $OUT/initramfs.cpio" >&2
rm -rf "$OUT"
mkdir -p "$OUT/www"
# The payloads: 1 KiB of 16 numbered 64-byte lines, and 16 MiB of SHA-256(counter) blocks.
python3 - "$OUT/www" <<'PY'
import hashlib, sys
d = sys.argv[1]
with open(d + '/index.html', 'wb') as f:
    for i in range(16):
        f.write(('keel xen bed, line %02d: the quick brown fox jumps over the dog' % i)[:63].ljust(63).encode() + b'\n')
with open(d + '/16m.bin', 'wb') as f:
    f.write(b''.join(hashlib.sha256(b'keel %d' % i).digest() for i in range(16 << 15)))
PY
[ "$(stat -c %s "$OUT/www/index.html")" = 1024 ] && [ "$(stat -c %s "$OUT/www/16m.bin")" = 16777216 ] ||
	die "payload sizes are wrong"
(cd "$OUT/www" && sha256sum index.html 16m.bin) > "$OUT/SHA256SUMS"

R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
chmod 755 "$R" # mktemp made it 0700: nginx's workers (nobody) must reach /www
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,run,etc/nginx,lib/modules,lib64,lib/x86_64-linux-gnu,usr/sbin,var/log/nginx,var/lib/nginx}
cp "$XB/root/bin/busybox" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
rm "$R/bin/poweroff"
# xl shutdown: the kernel runs /sbin/poweroff; busybox's would signal init, so power off at once.
printf '#!/bin/busybox sh\nexec /bin/busybox poweroff -f\n' > "$R/sbin/poweroff"
chmod 755 "$R/sbin/poweroff"
cp "$NETFRONT" "$R/lib/modules/"
cp /usr/sbin/nginx "$R/usr/sbin/nginx"
ldd /usr/sbin/nginx | awk '/=> \//{print $3}' | while read -r l; do cp -L "$l" "$R/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$R/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$R/etc/group"
printf '%s\n' "$CONF" > "$R/etc/nginx/nginx.conf"
cp -r "$OUT/www" "$R/www"
mknod -m 600 "$R/dev/console" c 5 1
printf '%s\n' "$INIT" > "$R/init"
chmod 755 "$R/init"
cp "$R/init" "$OUT/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$OUT/initramfs.cpio"
rm "$R/www/16m.bin"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$OUT/initramfs-1k.cpio"
echo "$want" > "$OUT/stamp"
echo "$OUT"
