#!/usr/bin/env bash
# bench/linux-vm.sh — build (once) the minimal Linux VM that keel's boot time is compared with:
# Debian 12's own kernel as a bare `vmlinux` (booted through PVH) and a static-busybox initramfs
# whose /init prints LINUX-USERSPACE-UP and powers QEMU off through isa-debug-exit.
# Output (cached, reused when present): build/bench/linux/{vmlinux,initramfs.cpio.gz,kernel-package}.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${LINUX_VM_DIR:-$ROOT/build/bench/linux}
MARKER=LINUX-USERSPACE-UP
mkdir -p "$OUT"
export DEBIAN_FRONTEND=noninteractive

die() { echo "linux-vm.sh: $*" >&2; exit 1; }
log() { echo "linux-vm.sh: $*" >&2; }

# --- host packages: install only what is missing ---------------------------------------------
apt_updated=0
apt_update_once() { [ "$apt_updated" = 1 ] || { log "apt-get update"; apt-get update -q >&2; apt_updated=1; }; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in qemu-system-x86 busybox-static cpio python3 xz-utils; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing missing host packages: ${missing[*]}"
  apt_update_once
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
[ -x /bin/busybox ] || die "/bin/busybox not found even though busybox-static is installed"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3

# --- kernel: the linux-image-*-amd64 that linux-image-amd64 depends on -----------------------
if [ ! -s "$OUT/vmlinux" ]; then
  kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
  KPKG=$(kpkg)
  if [ -z "$KPKG" ]; then apt_update_once; KPKG=$(kpkg); fi
  [ -n "$KPKG" ] || die "cannot tell which kernel package linux-image-amd64 depends on (apt-cache depends)"
  mkdir -p "$OUT/debs"
  first() { [ -e "$1" ] && echo "$1"; }   # first match of a glob, or nothing
  deb=$(first "$OUT"/debs/"${KPKG}"_*.deb || true)
  if [ -z "$deb" ]; then
    log "downloading $KPKG"
    # apt-get download as root warns that it cannot drop privileges to _apt; harmless.
    (cd "$OUT/debs" && apt-get download "$KPKG" >&2) || { apt_update_once; (cd "$OUT/debs" && apt-get download "$KPKG" >&2); }
    deb=$(first "$OUT"/debs/"${KPKG}"_*.deb) || die "apt-get download $KPKG left no .deb"
  fi
  # Unpack the package into the cache (never installed into the host). Only boot/ is needed.
  if ! first "$OUT"/root/boot/vmlinuz-* >/dev/null; then
    log "unpacking $(basename "$deb")"
    rm -rf "$OUT/root"; mkdir -p "$OUT/root"
    dpkg-deb -x "$deb" "$OUT/root"
  fi
  VMLINUZ=$(first "$OUT"/root/boot/vmlinuz-*) || die "no boot/vmlinuz-* in $(basename "$deb")"
  log "extracting the bare vmlinux from $(basename "$VMLINUZ")"
  # bzImage layout (Documentation/arch/x86/boot.rst): setup_sects at 0x1f1, "HdrS" at 0x202,
  # payload_offset/payload_length at 0x248/0x24c, relative to the protected-mode code, which
  # starts after (setup_sects + 1) * 512 bytes (setup_sects 0 means 4).
  "$PY" - "$VMLINUZ" "$OUT/vmlinux.tmp" <<'PY'
import lzma, struct, sys, zlib
src, dst = sys.argv[1], sys.argv[2]
d = open(src, 'rb').read()
if d[0x202:0x206] != b'HdrS':
    sys.exit(f'{src}: not a bzImage (no HdrS)')
setup_sects = d[0x1f1] or 4
pm = (setup_sects + 1) * 512
off, length = struct.unpack_from('<II', d, 0x248)
payload = d[pm + off: pm + off + length]
if payload.startswith(b'\xfd7zXZ\x00'):
    # The payload's last 4 bytes are the uncompressed size appended by the build; the xz
    # decoder stops at the end of the stream and leaves them in unused_data.
    out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
elif payload.startswith(b'\x1f\x8b'):
    out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(payload)
else:
    # Fall back to scanning for an xz stream, like scripts/extract-vmlinux does.
    i = d.find(b'\xfd7zXZ\x00')
    if i < 0:
        sys.exit(f'{src}: payload is neither xz nor gzip (magic {payload[:6].hex()})')
    out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:])
if out[:4] != b'\x7fELF':
    sys.exit(f'{src}: decompressed payload is not an ELF')
# A PVH boot needs the XEN_ELFNOTE_PHYS32_ENTRY (18) note; check it is there.
e_phoff, = struct.unpack_from('<Q', out, 0x20)
e_phentsize, e_phnum = struct.unpack_from('<HH', out, 0x36)
pvh = False
for k in range(e_phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', out, e_phoff + k * e_phentsize)
    if p_type != 4:  # PT_NOTE
        continue
    q, end = p_offset, p_offset + p_filesz
    while q + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from('<III', out, q)
        name = out[q + 12: q + 12 + namesz].rstrip(b'\0')
        if name == b'Xen' and ntype == 18:
            pvh = True
        q += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
if not pvh:
    sys.exit(f'{src}: vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY note; QEMU cannot boot it through PVH')
open(dst, 'wb').write(out)
print(f'vmlinux: {len(out)} bytes', file=sys.stderr)
PY
  mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
  rm -rf "$OUT/root/lib" "$OUT/root/usr"   # ~400 MB of modules the VM does not use; the .deb stays cached
  basename "$deb" .deb > "$OUT/kernel-package"
fi

# --- initramfs: static busybox, /init prints the marker and powers off -----------------------
INIT_TEXT=$(cat <<EOF
#!/bin/busybox sh
# /init of keel's boot-time baseline VM (bench/linux-vm.sh): reach userspace, say so, power off.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo $MARKER
# isa-debug-exit at 0xf4 (244): QEMU exits with status (0 << 1) | 1 = 1.
printf '\\000' | /bin/busybox dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
/bin/busybox poweroff -f
/bin/busybox reboot -f
EOF
)
if [ ! -s "$OUT/initramfs.cpio.gz" ] || [ "$(cat "$OUT/init" 2>/dev/null)" != "$INIT_TEXT" ] ||
   ! cmp -s /bin/busybox "$OUT/busybox"; then
  log "building initramfs"
  R=$OUT/initramfs-root
  rm -rf "$R"; mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp}
  cp /bin/busybox "$R/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
  # The kernel opens /dev/console for init's stdio before /init could mount devtmpfs.
  mknod -m 600 "$R/dev/console" c 5 1
  mknod -m 640 "$R/dev/port" c 1 4
  printf '%s\n' "$INIT_TEXT" > "$R/init"; chmod 755 "$R/init"
  (cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) > "$OUT/initramfs.cpio.gz.tmp"
  mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
  printf '%s\n' "$INIT_TEXT" > "$OUT/init"
  cp /bin/busybox "$OUT/busybox"
  rm -rf "$R"
fi

echo "kernel:    $OUT/vmlinux ($(cat "$OUT/kernel-package" 2>/dev/null || echo '?'))"
echo "initramfs: $OUT/initramfs.cpio.gz"
