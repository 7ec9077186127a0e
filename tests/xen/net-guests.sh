# net-guests.sh - sourced by tests/xen/net.sh and bench/xen-net.sh: the guests that serve HTTP on the
# nested Xen bed's xenbr0. net_guest NAME WORKDIR sets
#   ARGS  tests/xen/run.sh's arguments for the guest (the ELF or --xl-dir, vif, memory, command line)
#   IP    its address; MAC: its vif's MAC (fixed, so dom0 can set an ARP entry before it boots)
#   WANT  the start of the XENBED-RESULT line it ends with after dom0's xl shutdown
# or prints why not and returns 1. Each serves /index.html (1 KiB) and /16m.bin of $NET_WWW.
# NET_1K=1: the guest serves /index.html alone (bench/xen-mem.sh: 16 MiB of payload in the ramdisk
# would set the floor of memory, not the server).
NET_WWW=build/bench/xen-linux-nginx/www # built by bench/xen-linux-nginx.sh

# linux: Debian's 6.1 kernel as PVH (the one dom0 runs) + bench/xen-linux-nginx.sh's ramdisk
# (xen-netfront, nginx, 169.254.1.3/16); dom0 needs 512 MiB to hold the 65 MB vmlinux.
# noxsave: in 2 of 10 creates in one bed boot the guest's static busybox /init died of SIGILL on an
# AVX2 instruction (glibc's string functions; "Attempted to kill init! exitcode=0x00000004"), a
# fault of the nested TCG bed, not of the guest; without XSAVE glibc takes its SSE2 paths.
net_guest_linux() {
	bash bench/xen-linux-nginx.sh >"$1/build.log" 2>&1 ||
		{ echo "bench/xen-linux-nginx.sh failed: $(tail -1 "$1/build.log")"; return 1; }
	local rd=build/bench/xen-linux-nginx/initramfs.cpio
	[ "${NET_1K:-0}" = 0 ] || rd=build/bench/xen-linux-nginx/initramfs-1k.cpio
	ARGS=("${LINUX_KERNEL:-build/xen/vmlinux}" --ramdisk "$rd"
		--mem 256 --cmdline "${LINUX_CMDLINE:-console=hvc0 quiet noxsave}" --xen-extra "dom0_mem=512M,max:512M"
		--cfg-extra 'vif = ["mac=00:16:3e:6b:00:03"]')
	IP=169.254.1.3 MAC=00:16:3e:6b:00:03
	WANT="reason=poweroff status=none" # Linux powers off without writing data/keel/status
}

# keel_guest WORKDIR NAME MEM KEEL-XL-ARGS...: a keel xl image in WORKDIR/NAME-xl on xenbr0 at
# 169.254.1.2/16 (keel.ip=, the vif line from --net bridge=xenbr0,mac=...), driven by keel's netfront
# (drivers/xen/netfront.c), serving $NET_WWW as /var/www/html; MEM unless KEEL_MEM is set.
keel_guest() {
	local w=$1 dir=$1/$2-xl mem=${KEEL_MEM:-$3} site=$NET_WWW:/var/www/html
	shift 3
	[ "${NET_1K:-0}" = 0 ] || site=$NET_WWW/index.html:/var/www/html/index.html
	bash bench/xen-linux-nginx.sh >"$w/build.log" 2>&1 ||
		{ echo "bench/xen-linux-nginx.sh failed: $(tail -1 "$w/build.log")"; return 1; }
	rm -rf "$dir"
	IP=169.254.1.2 MAC=00:16:3e:6b:00:02
	build/keel xl -q -o "$dir" --guest-dir /guest -m "$mem" -k keel.ip=$IP/16 \
		--net bridge=xenbr0,mac=$MAC -f "$site" "$@" >"$w/keel-xl.log" 2>&1 ||
		{ echo "keel xl failed: $(tail -1 "$w/keel-xl.log")"; return 1; }
	ARGS=(--xl-dir "$dir")
	WANT="reason=poweroff status=0"
}

# keel: Debian's nginx with its stock config, as bench/net.sh runs it.
net_guest_keel() {
	keel_guest "$1" keel 128 -f /etc/nginx -f /usr/share/nginx \
		-f /usr/lib/nginx -f /var/lib/nginx -f /var/log/nginx \
		-- /usr/sbin/nginx -g 'daemon off; master_process off;'
}

# busybox: busybox httpd in keel, which forks a child for each connection (issue 15's fork); it
# closes every connection (no keep-alive).
net_guest_busybox() {
	keel_guest "$1" busybox 64 -- /bin/busybox httpd -f -p 80 -h /var/www/html
}

net_guest() { # NAME WORKDIR
	declare -F "net_guest_$1" >/dev/null || { echo "no guest '$1' (linux, keel, busybox)"; return 1; }
	"net_guest_$1" "$2"
}
