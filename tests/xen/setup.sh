#!/bin/bash
# setup.sh - build keel's nested Xen test bed (Xen 4.17 + a Debian 6.1 PV dom0, run under QEMU TCG)
# from Debian 12 packages only, cached under build/xen/ of the repo. Nothing is installed into the
# host's /boot: the .debs are fetched with `apt-get download` and unpacked with dpkg-deb. Idempotent:
# stamps record finished stages; rerun after editing this file or dom0-init and only that is redone.
# setup.sh [--quiet] [--wrk]: --wrk also builds build/xen/wrk.cpio.gz (Debian's wrk for dom0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${XENBED_DIR:-$root/build/xen}
export DEBIAN_FRONTEND=noninteractive

say() { echo "xen setup: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Packages unpacked into dom0's root: the hypervisor, the toolstack, every library it loads (glibc
# and libgcc_s included - glibc dlopens libgcc_s.so.1 for pthread_cancel and xl aborts without it),
# and static busybox for /init. The kernel package is the one linux-image-amd64 depends on.
PKGS=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
	libxenmisc4.17 libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4
	libxentoollog1 libxendevicemodel1 libxenhypfs1 libxentoolcore1 libyajl2
	liblzma5 libuuid1 libzstd1 zlib1g libc6 libgcc-s1 busybox-static
	e2fsprogs libext2fs2 libcom-err2 libblkid1 libss2)
# Kernel modules dom0 needs (in load order), then the backends for guests with devices and the
# bridge xenbr0 their vifs join (bridge needs llc and stp; dom0-init loads them in this order).
MODS=(drivers/xen/xen-evtchn.ko drivers/xen/xen-privcmd.ko drivers/xen/xenfs/xenfs.ko
	drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko
	drivers/net/xen-netback/xen-netback.ko drivers/block/loop.ko drivers/block/xen-blkback/xen-blkback.ko
	net/llc/llc.ko net/802/stp.ko net/bridge/bridge.ko)
# Modules of the same kernel for Linux guests (not put into dom0): kernel/lib/modules/VERSION/...
DOMU_MODS=(drivers/net/xen-netfront.ko)
# Xen programs dom0 runs (from /usr/lib/xen-4.17/bin) and xenstore tools (from /usr/bin).
XENBIN=(xl xenstored xenconsoled xen-init-dom0 libxl-save-helper xenconsole xen-hvmctx)
XSBIN=(xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-watch xenstore-rm xenstore-exists)
# Debian's e2fsprogs in dom0: the judge of what a guest wrote on an ext2 disk (tests/xen/blk.sh).
E2BIN=(e2fsck debugfs)

# ------------------------------------------------------------------ host ---
need_host() {
	local miss=()
	command -v qemu-system-x86_64 >/dev/null || miss+=(qemu-system-x86)
	dpkg -s busybox-static >/dev/null 2>&1 || miss+=(busybox-static)
	command -v cpio >/dev/null || miss+=(cpio)
	command -v xz >/dev/null || miss+=(xz-utils)
	command -v python3 >/dev/null || miss+=(python3)
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		die "this host has no apt-get/dpkg-deb: the test bed is built from Debian 12 packages"
	if [ ${#miss[@]} -gt 0 ]; then
		say "installing host packages: ${miss[*]}"
		[ "$(id -u)" = 0 ] || die "need root to install ${miss[*]}"
		apt-get update -q >&2 || die "apt-get update failed"
		# Debian 12's own QEMU 7.2, never backports: 10.0.2 breaks CR2 in nested SVM (TESTBEDS.md).
		apt-get install -y -q --no-install-recommends "${miss[@]}" >&2 || die "apt-get install ${miss[*]} failed"
	fi
	local v
	v=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p')
	[ "$v" = 7.2 ] || say "WARNING: QEMU $v, the test bed was measured with Debian 12's 7.2"
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# ----------------------------------------------- stage 1: fetch + unpack ---
fetch() {
	local want
	want=$(echo "${PKGS[*]} ${MODS[*]} ${DOMU_MODS[*]} ${XENBIN[*]} ${XSBIN[*]} ${E2BIN[*]}" | sha256sum | cut -c1-16)
	if [ -f "$B/fetch.stamp" ] && [ "$(cat "$B/fetch.stamp")" = "$want" ]; then
		return 0
	fi
	say "fetching Debian packages into $B/debs (once)"
	rm -rf "$B/debs" "$B/root" "$B/kernel" "$B/fetch.stamp"
	mkdir -p "$B/debs" "$B/root" "$B/kernel"
	apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update -q >&2
	local kpkg try
	for try in 1 2; do # a stale package list names versions the archive no longer has: update, retry
		kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
		[ -n "$kpkg" ] || die "cannot tell which kernel package linux-image-amd64 depends on"
		local ok=1
		(cd "$B/debs" && apt-get download "${PKGS[@]}" "$kpkg") >"$B/download.log" 2>&1 || ok=''
		grep -v unsandboxed "$B/download.log" >&2 || true
		[ -z "$ok" ] || break
		[ $try = 1 ] || die "apt-get download failed"
		say "apt-get download failed: apt-get update and retry"
		rm -f "$B"/debs/*
		apt-get update -q >&2 || die "apt-get update failed"
	done
	local d
	for d in "$B"/debs/*.deb; do
		case $(basename "$d") in
		linux-image-*) ;;
		*) dpkg-deb -x "$d" "$B/root" ;;
		esac
	done
	# Only the parts of the 70 MB kernel package that dom0 uses.
	dpkg-deb --fsys-tarfile "$B"/debs/linux-image-*.deb | tar -x -C "$B/kernel" --wildcards \
		'./boot/vmlinuz-*' $(printf "./lib/modules/*/kernel/%s " "${MODS[@]}" "${DOMU_MODS[@]}")
	ls "$B/kernel/lib/modules" > "$B/kernel-version"
	zcat "$B/root/boot/xen-4.17-amd64.gz" > "$B/xen.elf"
	# Xen spends seconds unpacking a compressed dom0 kernel under TCG: hand it the bare vmlinux.
	python3 - "$B"/kernel/boot/vmlinuz-* "$B/vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0: sys.exit("no xz stream in " + sys.argv[1])
out = lzma.LZMADecompressor().decompress(d[i:])
if out[:4] != b'\x7fELF': sys.exit("decompressed kernel is not an ELF")
open(sys.argv[2], 'wb').write(out)
PY
	for d in "$B"/debs/*.deb; do
		echo "$(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)"
	done > "$B/VERSIONS"
	rm -rf "$B/debs" # 77 MB, unpacked now
	echo "$want" > "$B/fetch.stamp"
}

# copy_libs DEST UNPACKED BIN...: every shared library BIN... load, resolved by the unpacked loader
# against the libraries unpacked under UNPACKED (and dom0's root) only, into DEST/lib/x86_64-linux-gnu.
copy_libs() {
	local dst=$1 X=$2 ld=$B/root/lib64/ld-linux-x86-64.so.2 libs b
	shift 2
	libs=$X/lib/x86_64-linux-gnu:$X/usr/lib/x86_64-linux-gnu:$B/root/lib/x86_64-linux-gnu:$B/root/usr/lib/x86_64-linux-gnu
	[ -x "$ld" ] || die "no loader in the unpacked libc6"
	mkdir -p "$dst/lib/x86_64-linux-gnu"
	for b in "$@"; do
		"$ld" --library-path "$libs" --list "$b" || die "cannot resolve the libraries of $b"
	done | awk '/=>/{print $1, $3}' | sort -u | while read -r name path; do
		case $name:$path in
		*/*:*) ;; # the loader itself
		*:"$X"/* | *:"$B/root"/*) cp -L "$path" "$dst/lib/x86_64-linux-gnu/$name" ;;
		*) die "$name resolves outside the unpacked packages ($path): add its package" ;;
		esac
	done
}

# ------------------------------------------- stage 2: dom0's initramfs ---
mkdom0() {
	local X=$B/root R=$B/dom0root kv
	kv=$(cat "$B/kernel-version")
	rm -rf "$R"
	mkdir -p "$R"/{bin,sbin,etc/xen,proc,sys,dev,run,tmp,root,lib64,lib/modules,guest,var/lib,var/log}
	mkdir -p "$R"/usr/lib/xen/bin "$R"/usr/lib/xen-4.17 "$R"/lib/x86_64-linux-gnu
	cp "$X/bin/busybox" "$R/bin/busybox"
	local a
	for a in $("$R/bin/busybox" --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
	local b f
	for b in "${XENBIN[@]}"; do
		cp "$X/usr/lib/xen-4.17/bin/$b" "$R/usr/lib/xen/bin/"
		ln -sf "/usr/lib/xen/bin/$b" "$R/sbin/$b"
	done
	ln -s /usr/lib/xen/bin "$R/usr/lib/xen-4.17/bin" # libxl's compiled-in helper path
	for b in "${XSBIN[@]}"; do
		f=$X/usr/bin/$b
		[ -e "$f" ] || die "$b not found in xenstore-utils"
		cp -P "$f" "$R/sbin/"
	done
	# xenstore-* are symlinks to one binary in some versions: copy what they point to as well.
	for f in "$R"/sbin/xenstore-*; do
		if [ -L "$f" ]; then cp -L "$f" "$f.tmp" && mv "$f.tmp" "$f"; fi
	done
	for b in "${E2BIN[@]}"; do cp "$X/sbin/$b" "$R/sbin/"; done
	copy_libs "$R" "$X" "$R"/usr/lib/xen/bin/* "$R"/sbin/xenstore-* "${E2BIN[@]/#/$R/sbin/}"
	cp -L "$X/lib/x86_64-linux-gnu/libgcc_s.so.1" "$R/lib/x86_64-linux-gnu/" # dlopened: ldd misses it
	cp -L "$X/lib64/ld-linux-x86-64.so.2" "$R/lib64/"
	local m
	for m in "${MODS[@]}"; do cp "$B/kernel/lib/modules/$kv/kernel/$m" "$R/lib/modules/"; done
	# Guests' vifs join xenbr0 through the bed's own hotplug script (tests/xen/vif-xenbed).
	mkdir -p "$R/etc/xen/scripts"
	cp "$here/vif-xenbed" "$R/etc/xen/scripts/vif-xenbed"
	chmod 755 "$R/etc/xen/scripts/vif-xenbed"
	# Guests' disks (raw files in /guest) go on loop devices through the bed's own block script.
	cp "$here/block-xenbed" "$R/etc/xen/scripts/block"
	chmod 755 "$R/etc/xen/scripts/block"
	printf '%s\n' 'autoballoon="off"' 'vif.default.script="vif-xenbed"' 'vif.default.bridge="xenbr0"' \
		> "$R/etc/xen/xl.conf"
	echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
	cp "$here/dom0-init" "$R/init"
	chmod 755 "$R/init"
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$B/dom0.cpio.gz.tmp"
	mv "$B/dom0.cpio.gz.tmp" "$B/dom0.cpio.gz"
}

# --------------------------------- optional: wrk for dom0 (setup.sh --wrk) ---
# Debian's wrk and the libraries it loads that dom0 lacks, as a cpio run.sh --dom0-wrk appends to
# dom0's initramfs (/usr/bin/wrk); the default bed stays without it. Cached; wrk.stamp.
WRK_PKGS=(wrk libluajit-5.1-2 libssl3)
mkwrk() {
	local want W=$B/wrk
	want=$(echo "${WRK_PKGS[*]} $(cat "$B/setup.stamp")" | sha256sum | cut -c1-16)
	if [ -f "$B/wrk.stamp" ] && [ "$(cat "$B/wrk.stamp")" = "$want" ] && [ -s "$B/wrk.cpio.gz" ]; then
		return 0
	fi
	say "fetching wrk for dom0 (once)"
	rm -rf "$W" "$B/wrk.stamp"
	mkdir -p "$W/debs" "$W/x" "$W/root/usr/bin"
	(cd "$W/debs" && apt-get download "${WRK_PKGS[@]}") >"$W/download.log" 2>&1 ||
		{ cat "$W/download.log" >&2; die "apt-get download ${WRK_PKGS[*]} failed"; }
	local d
	for d in "$W"/debs/*.deb; do dpkg-deb -x "$d" "$W/x"; done
	cp "$W/x/usr/bin/wrk" "$W/root/usr/bin/wrk"
	copy_libs "$W/root" "$W/x" "$W/root/usr/bin/wrk"
	# Only what dom0's initramfs does not already have (glibc, libgcc_s).
	for d in "$W"/root/lib/x86_64-linux-gnu/*; do
		[ ! -e "$B/dom0root/lib/x86_64-linux-gnu/$(basename "$d")" ] || rm "$d"
	done
	(cd "$W/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$B/wrk.cpio.gz"
	rm -rf "$W/debs" "$W/x"
	echo "$want" > "$B/wrk.stamp"
	say "ready: $B/wrk.cpio.gz ($(du -h "$B/wrk.cpio.gz" | cut -f1))"
}

main() {
	mkdir -p "$B"
	exec 9>"$B/.lock"
	flock 9 # one setup at a time; run.sh calls this before every run
	local opt wrk=''
	for opt in "$@"; do [ "$opt" != --wrk ] || wrk=1; done
	need_host "${1:-}"
	local want
	want=$(stamp_of "$here/setup.sh" "$here/dom0-init" "$here/vif-xenbed" "$here/block-xenbed")
	if [ -f "$B/setup.stamp" ] && [ "$(cat "$B/setup.stamp")" = "$want" ] &&
		[ -f "$B/dom0.cpio.gz" ] && [ -f "$B/xen.elf" ] && [ -f "$B/vmlinux" ]; then
		[ "${1:-}" = --quiet ] || say "up to date in $B"
		[ -z "$wrk" ] || mkwrk
		return 0
	fi
	rm -f "$B/setup.stamp"
	fetch
	mkdom0
	echo "$want" > "$B/setup.stamp"
	[ -z "$wrk" ] || mkwrk
	say "ready: $B (xen.elf, vmlinux $(cat "$B/kernel-version"), dom0.cpio.gz $(du -h "$B/dom0.cpio.gz" | cut -f1))"
}
main "$@"
