#!/bin/bash
# run.sh SECONDS - run each libFuzzer target (ELF, cpio, lwIP frames, socket
# calls, ext2 images, 9P replies, PVH start info, ACPI tables, terminal,
# /proc/sys writes, xenstore replies) (build/fuzz/fuzz_*, built by
# make fuzz-build) for SECONDS, prints one "PASS name: ..." or "FAIL name"
# line for each. A crash or sanitizer report is a FAIL; the input that
# caused it is kept as build/fuzz/crash-NAME-DATE-TIME and its path
# printed (reproduce with: build/fuzz/fuzz_NAME build/fuzz/crash-NAME-...).
# The corpus grows across runs in build/fuzz/corpus/NAME; the seeds are
# made afresh each run in build/fuzz/seed/NAME from files of this host
# (no binary files live in the repository).
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${1:-150}
out=build/fuzz
mkdir -p "$out"

seed_elf() {
	local d=$out/seed/elf tmp
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/elf"
	for f in /bin/true /usr/bin/env build/unit/elf-rpath \
		build/unit/elf-runpath build/unit/elf-lib.so; do
		[ -f "$f" ] && cp "$f" "$d/$(basename "$f")"
	done
	# Two tiny ones (a few KiB), quicker to mutate than real programs.
	tmp=$(mktemp -d)
	printf 'void _start(void) { for (;;); }\n' > "$tmp/s.c"
	printf 'int puts(const char *);\nvoid _start(void) { puts("x"); }\n' > "$tmp/d.c"
	gcc -nostdlib -static -s -Wl,--build-id=none -Wl,-z,noseparate-code \
		-o "$d/tiny-static" "$tmp/s.c" 2>/dev/null
	gcc -nostdlib -fPIE -pie -s -Wl,--build-id=none -Wl,-z,noseparate-code \
		-Wl,-rpath,/opt/keel -Wl,-soname,libtiny.so.1 \
		-o "$d/tiny-dyn" "$tmp/d.c" -lc 2>/dev/null
	rm -rf "$tmp"
}

seed_cpio() {
	local d=$out/seed/cpio tmp
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/cpio"
	tmp=$(mktemp -d)
	(
		cd "$tmp" && mkdir -p a/b && printf 'hello' > a/f && : > e &&
			printf 'abcd' > a/b/g && ln -s a/f l &&
			find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet
	) > "$d/tree.cpio" 2>/dev/null
	(cd "$tmp" && echo e | cpio -o -H newc --quiet) > "$d/one.cpio" 2>/dev/null
	rm -rf "$tmp"
}

# Frames for fuzz_lwip (two bytes of length, then the frame): an ARP
# request for 10.0.0.2, then a TCP SYN to its port 80 and a UDP datagram
# to its port 53, with correct checksums, so lwIP answers from the start.
seed_lwip() {
	local d=$out/seed/lwip
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/lwip"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
us, them = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])
src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload
def l4(proto, seg):
    pseudo = src + dst + struct.pack('!BBH', 0, proto, len(seg))
    off = 16 if proto == 6 else 6
    return seg[:off] + struct.pack('!H', csum(pseudo + seg)) + seg[off + 2:]
eth = lambda t, p: them + us + struct.pack('!H', t) + p
arp = eth(0x806, struct.pack('!HHBBH6s4s6s4s', 1, 0x800, 6, 4, 1, us, src, b'\0' * 6, dst))
syn = eth(0x800, ip(6, l4(6, struct.pack('!HHIIBBHHH', 40000, 80, 1000, 0, 5 << 4, 2, 8192, 0, 0))))
udp = eth(0x800, ip(17, l4(17, struct.pack('!HHHH', 40001, 53, 12, 0) + b'ping')))
frame = lambda f: struct.pack('!H', len(f)) + f
# Two fragments of one datagram, the later one first: lwIP keeps them
# chained by a pointer inside the first one's IP header (see run below).
def frag(off, mf, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 7, (mf << 13) | off, 64, 17, 0, src, dst)
    return eth(0x800, h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload)
open(d + '/frags', 'wb').write(frame(frag(400, 1, b'b' * 16)) + frame(frag(1, 0, b'a' * 8)))
open(d + '/arp-syn', 'wb').write(frame(arp) + frame(syn))
open(d + '/arp-udp', 'wb').write(frame(arp) + frame(udp))
PY
}

# Programs for fuzz_sockcall (its call encoding: tests/fuzz/fuzz_sockcall.c):
# TCP over 127.0.0.1 (socket, bind, listen, connect, accept4, sendmsg,
# recvmsg with room for a name and control messages), UDP over ::1 to
# itself, an AF_UNIX pair passing a descriptor (SCM_RIGHTS), a netlink
# RTM_GETLINK dump, and SOL_SOCKET and TCP options.
seed_sockcall() {
	local d=$out/seed/sockcall
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/sockcall"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
B = lambda *v: bytes(v)
def blob(b): return B(len(b)) + b
def sock(fam, typ, proto=0): return B(0, fam, typ, proto)  # indexes into its tables
def addr_call(op, fd, a): return B(op, fd) + blob(a) + B(0, 0)  # family kept, true length
def send(fd, data, name=b'', ctl=b''):
    r = B(8, fd, 1, 1 if name else 0)
    if name: r += blob(name) + B(0)
    r += B(1 if ctl else 0) + (blob(ctl) if ctl else b'') + blob(data)
    r += B(0) + (B(0) if ctl else b'')  # true name and control lengths
    return r + B(0, 0, 0, 0)
def recv(fd): return B(9, fd, 1, 128, 1, 64, 0, 0, 0, 0, 0, 0)
v4 = struct.pack('<H', 2) + struct.pack('!H4s', 8080, bytes([127, 0, 0, 1])) + bytes(8)
v6 = struct.pack('<H', 10) + struct.pack('!HI', 53, 0) + bytes(15) + B(1) + bytes(4)
tcp = (sock(0, 0) + addr_call(2, 0, v4) + B(4, 0, 0, 0, 0, 16) + sock(0, 0) +
       addr_call(3, 1, v4) + B(5, 0, 128, 1, 0) + send(1, b'hello') + recv(2) +
       B(10, 2, 1) + recv(1) + B(11, 2, 128, 1, 13))
udp = sock(1, 1) + addr_call(2, 0, v6) + send(0, b'ping', name=v6) + recv(0)
rights = struct.pack('<QiiI', 20, 1, 1, 0)  # SOL_SOCKET, SCM_RIGHTS, fd 0
unix = B(1, 2, 0) + send(0, b'x', ctl=rights) + recv(1)
getlink = struct.pack('<IHHII', 32, 18, 0x301, 1, 0) + bytes(16)
netlink = sock(3, 2) + send(0, getlink) + recv(0) + recv(0)
opts = (sock(0, 0) + B(6, 0, 0, 13) + blob(struct.pack('<ii', 1, 5)) + B(0) +
        B(6, 0, 0, 20) + blob(struct.pack('<qq', 0, 1000)) + B(0) +
        B(6, 0, 3, 1) + blob(struct.pack('<i', 1)) + B(0) +
        B(7, 0, 0, 13, 1, 8) + B(7, 0, 3, 2, 0))
for name, prog in [('tcp', tcp), ('udp6', udp), ('unix-rights', unix), ('netlink', netlink), ('options', opts)]:
    open(d + '/' + name, 'wb').write(prog)
# Found by CI's run: a raw ICMPv6 socket sending fewer bytes than its checksum's offset + 2 hit
# lwIP's assertion (a panic); EINVAL now, as Linux.
open(d + '/raw6-short', 'wb').write(bytes.fromhex('00010204dbdbdbdbdbdbdbdb04dbdbdbdbdbdbdb0001010002001c000000350000000000000000005e00000000000000000001000000000000080001011c0a000035dbdb737973dbdbdbdb0000000000010000015bff0000000000000000000000bf00'))
PY
}

# Images for fuzz_ext2 (64 KiB at most: the target pads with zeros):
# ext2 at 1 KiB blocks with files, a hard link, symlinks fast and slow,
# 256-byte inodes, and ext4 (extents) without a journal; the trailing
# zeros are cut (the target puts them back).
seed_ext2() {
	local d=$out/seed/ext2 tmp t
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/ext2"
	tmp=$(mktemp -d)
	mkdir -p "$tmp/t/sub" && printf 'hello\n' > "$tmp/t/a" &&
		printf 'x%.0s' $(seq 3000) > "$tmp/t/sub/b" &&
		ln "$tmp/t/a" "$tmp/t/sub/hard" && ln -s a "$tmp/t/l" &&
		ln -s "$(printf 'y%.0s' $(seq 80))" "$tmp/t/slow"
	for t in "ext2 -I 128" "ext2 -I 256" "ext4 -O ^has_journal"; do
		truncate -s 64k "$tmp/img"
		# shellcheck disable=SC2086 # $t is the type and its options
		mke2fs -q -F -t $t -b 1024 -N 16 -m 0 -d "$tmp/t" "$tmp/img" \
			> /dev/null 2>&1 &&
			python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
open(sys.argv[2], "wb").write(d.rstrip(b"\0"))' "$tmp/img" \
				"$d/$(echo "$t" | tr -d ' ^')"
		rm -f "$tmp/img"
	done
	rm -rf "$tmp"
}

# Replies for fuzz_9p (byte 0 the message, byte 1 the reply's type, 0:
# the right answer; then the body): Rversion, Rwalk of one qid, Rgetattr,
# Rread, Rreaddir of two entries, Rreadlink, Rstatfs, and an Rlerror.
seed_9p() {
	local d=$out/seed/9p
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/9p"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
qid = lambda t, p: struct.pack('<BIQ', t, 1, p)
s = lambda b: struct.pack('<H', len(b)) + b
ent = lambda p, off, name: qid(0, p) + struct.pack('<QB', off, 8) + s(name)
ents = ent(5, 1, b'a') + ent(6, 2, b'bb')
seeds = {
	'version': bytes([0, 0]) + struct.pack('<I', 8192) + s(b'9P2000.L'),
	'walk': bytes([2, 0]) + struct.pack('<H', 1) + qid(0, 7),
	'getattr': bytes([4, 0]) + struct.pack('<Q', 0x7ff) + qid(0, 9) +
		struct.pack('<IIIQQQQQ', 0o100644, 0, 0, 1, 0, 5, 4096, 8) + bytes(80),
	'read': bytes([8, 0]) + struct.pack('<I', 5) + b'hello',
	'readdir': bytes([10, 0]) + struct.pack('<I', len(ents)) + ents,
	'readlink': bytes([16, 0]) + s(b'target'),
	'statfs': bytes([18, 0]) + struct.pack('<IIQQQQQQI', 0x01021997, 4096, 9, 8, 7, 6, 5, 4, 255),
	'lerror': bytes([12, 1]) + struct.pack('<I', 2),
}
for name, b in seeds.items():
	open(d + '/' + name, 'wb').write(b)
PY
}

# Start infos for fuzz_pvh (physical memory from 0, the start info at 0):
# version 1 with two modules, a command line and a memory map of RAM,
# reserved and ACPI regions; version 0 (no map); and the regression of a
# map whose RAM regions overlap.
seed_pvh() {
	local d=$out/seed/pvh
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/pvh"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
def info(version, mods, cmd, regions):
    mem = bytearray(0x600)
    struct.pack_into('<IIIIQQQQII', mem, 0, 0x336ec578, version, 0, len(mods),
                     0x100, 0x200, 0xf0000, 0x300, len(regions), 0)
    for i, (pa, size) in enumerate(mods):
        struct.pack_into('<QQQQ', mem, 0x100 + 32 * i, pa, size, 0, 0)
    mem[0x200:0x200 + len(cmd)] = cmd
    for i, (pa, size, typ) in enumerate(regions):
        struct.pack_into('<QQII', mem, 0x300 + 24 * i, pa, size, typ, 0)
    return bytes(mem)
ram = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2),
       (0x100000, 0x7f00000, 1), (0xfeffc000, 0x4000, 2), (0x8000000, 0x20000, 3)]
open(d + '/v1', 'wb').write(info(1, [(0x1000000, 0x2000), (0x1002000, 64)],
                                 b'console=ttyS0 keel.test=all -- /bin/sh\0', ram))
open(d + '/v0', 'wb').write(info(0, [], b'quiet\0', []))
open(d + '/overlap', 'wb').write(info(1, [], b'\0', [(0x100000, 0x100000, 1),
                                                   (0x180000, 0x1000, 1)]))
PY
}

# Tables for fuzz_acpi (physical memory from 0, the RSDP at 0): RSDP 2.0,
# XSDT, FADT 6 naming the DSDT both ways, MADT with an IOAPIC and two
# overrides, a DSDT with \_S5 and a virtio-mmio device (LNRO0005 with its
# Memory32Fixed and Interrupt descriptors); the same through an RSDT
# (ACPI 1.0); and the regression of a \_S5 package whose BytePrefix is
# the DSDT's last byte (its value was read one byte past the table).
seed_acpi() {
	local d=$out/seed/acpi
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/acpi"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
def sdt(sig, body, rev=1):
    t = sig + struct.pack('<IBB6s8sIII', 36 + len(body), rev, 0, b'KEEL  ', b'FUZZ    ', 1, 1, 1) + body
    return t[:9] + bytes([(-sum(t)) & 0xff]) + t[10:]
def tables(s5, rsdt=False):
    dsdt = sdt(b'DSDT', b'\x10\x00' + s5 + b'_HID\x0dLNRO0005\x00_CRS\x11\x20' +
               b'\x86\x09\x00\x01' + struct.pack('<II', 0xfeb00000, 0x200) +
               b'\x89\x06\x00\x01\x01' + struct.pack('<I', 5) + b'\x79\x00' + s5[-0:0], 2)
    fadt = bytearray(276 - 36)
    struct.pack_into('<I', fadt, 4, 1024)
    struct.pack_into('<I', fadt, 28, 0x604)
    struct.pack_into('<Q', fadt, 104, 1024)
    madt = sdt(b'APIC', struct.pack('<II', 0xfee00000, 1) + bytes([0, 8, 0, 0, 1, 0, 0, 0]) +
               bytes([1, 12, 0, 0]) + struct.pack('<II', 0xfec00000, 0) +
               bytes([2, 10, 0, 0]) + struct.pack('<IH', 2, 0) +
               bytes([2, 10, 0, 9]) + struct.pack('<IH', 9, 13), 3)
    root = sdt(b'RSDT', struct.pack('<II', 128, 512)) if rsdt else \
        sdt(b'XSDT', struct.pack('<QQ', 128, 512))
    rsdp = b'RSD PTR \0KEEL  ' + (bytes([0]) + struct.pack('<I', 64) if rsdt else
                                  bytes([2]) + struct.pack('<IIQ', 0, 36, 64) + bytes(4))
    mem = bytearray(1024)
    for at, t in [(0, rsdp), (64, root), (128, sdt(b'FACP', bytes(fadt), 6)), (512, madt)]:
        mem[at:at + len(t)] = t
    return bytes(mem) + dsdt
open(d + '/xsdt', 'wb').write(tables(b'_S5_\x12\x06\x04\x0a\x05\x0a\x05\x00\x00'))
open(d + '/rsdt', 'wb').write(tables(b'_S5_\x12\x06\x04\x00\x00\x00\x00', True))
mem = bytearray(tables(b''))
dsdt = sdt(b'DSDT', b'\x10\x00_S5_\x12\xc3\x00\x00\x00\x04\x0a', 2)
open(d + '/s5-last-byte', 'wb').write(bytes(mem[:1024]) + dsdt)
PY
}

# Programs for fuzz_tty (op, count, bytes; tests/fuzz/fuzz_tty.c): a
# canonical line typed with erases, a kill and a word erase, ^C, ^D, and
# read; raw mode (VMIN 5) with output processing; ^S and ^Q.
seed_tty() {
	local d=$out/seed/tty
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/tty"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
def op(o, b=b'', n=None): return bytes([o, len(b) if n is None else n]) + b
cc = bytes([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0])
def termios(i, o, c, l, cc=cc): return struct.pack('<IIIIB19sII', i, o, c, l, 0, cc, 38400, 38400)
canon = (op(0x82, b'hello\x7f\x7fp wor\x17world\r') + op(3, n=64) +
         op(0x82, b'gone\x15kept\x04') + op(3, n=64) + op(0x82, b'x\x03') +
         op(0x82, b'\x04') + op(3, n=8) + op(2, b'out\tput\n') + op(0x83, n=64))
raw = (op(0, termios(0, 0o5, 0o277, 0, cc[:6] + bytes([5]) + cc[7:])) +
       op(0x82, b'\x00\xff\r\nabc') + op(3, n=3) + op(3, n=9) +
       op(0, termios(0o2000, 0o14007, 0o277, 0o107073)) + op(2, b'\tA\tB\r\n') + op(0x83, n=64))
flow = op(0x82, b'a\x13b') + op(2, b'held') + op(0x83, n=16) + op(0x82, b'\x11') + op(0x83, n=16) + op(6, n=1) + op(6, n=0)
for name, prog in [('canon', canon), ('raw', raw), ('flow', flow)]:
    open(d + '/' + name, 'wb').write(prog)
PY
}

# Writes for fuzz_procfs (control byte: 0x80 for user nobody, the file in
# bits 4-6, the offset in 0-3; length; the bytes): values in decimal, hex
# and octal with blanks, one out of range, garbage, one at an offset, one
# by nobody, for nr_open (0x0_), min_free_kbytes (0x1_), max_map_count
# (0x2_), pid_max (0x3_), somaxconn (0x4_), threads-max (0x5_) and THP's
# enabled (0x6_).
seed_procfs() {
	local d=$out/seed/procfs
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/procfs"
	printf '\000\0052048\n\000\0040x40\000\010 010000 \000\00263' > "$d/values"
	printf '\000\003abc\001\0044096\200\0042048\000\0072048 xy' > "$d/refused"
	printf '\020\0054096\n\020\0020\040\003100\040\0012\060\003400\100\003128' > "$d/vm"
	printf '\020\002-1\040\0122147483648\060\003300\220\0011\140\006never\n\140\006always\120\00219\120\00240' > "$d/vm-refused"
}

# Peers for fuzz_xenstore (command bytes, tests/fuzz/fuzz_xenstore.c):
# honest answers to each call (a value, a directory of two, a transaction
# id, OK twice), then a watch event and a stale reply before the answer,
# then response and request indices that jump.
seed_xenstore() {
	local d=$out/seed/xenstore
	rm -rf "$d" && mkdir -p "$d" "$out/corpus/xenstore"
	python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
def ans(t, body): return bytes([0x40 | len(body), t]) + body
def raw(b): return bytes([len(b)]) + b
honest = (ans(2, b'4\0') + ans(1, b'a\0bb\0') + ans(6, b'7\0') +
          ans(11, b'OK\0') + ans(4, b'OK\0'))
event = struct.pack('<IIII', 15, 0, 0, 7) + b'p\0' + b'abcd\0'
stale = struct.pack('<IIII', 2, 12345, 0, 2) + b'x\0'
mixed = raw(event) + raw(stale) + honest
jumps = bytes([0x80]) + struct.pack('<i', 5000) + bytes([0x81]) + struct.pack('<i', -3) + honest
for name, b in [('honest', honest), ('mixed', mixed), ('jumps', jumps)]:
    open(d + '/' + name, 'wb').write(b)
PY
}

run() {
	local name=$1 bin=$out/fuzz_$1 log=$out/fuzz_$1.log rc execs crash
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz_$name: $bin is missing (make fuzz-build; needs clang, libclang-rt-14-dev)"
		return
	fi
	crash=$out/crash-$name-$(date +%Y%m%d-%H%M%S)
	# lwIP's IPv4 reassembly links queued fragments through a packed
	# struct laid over each one's IP header, 14 bytes into its frame, so
	# the link is an unaligned pointer that LeakSanitizer does not follow
	# by default: queued fragments would be reported as leaks.
	LSAN_OPTIONS=use_unaligned=1${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
		"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/" -exact_artifact_path="$crash" \
		"$out/corpus/$name" "$out/seed/$name" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" = 0 ]; then
		echo "PASS fuzz_$name: ${execs:-?} executions in ${secs}s," \
			"corpus $(find "$out/corpus/$name" -type f | wc -l) inputs"
	else
		grep -E 'ERROR: |runtime error|SUMMARY|^    #[0-3] ' "$log" | head -8
		if [ -f "$crash" ]; then
			echo "FAIL fuzz_$name: crashing input saved in $crash" \
				"(log $log; reproduce: $bin $crash)"
		else
			echo "FAIL fuzz_$name: exit $rc (log $log)"
		fi
	fi
}

echo "PLAN 11" # the eleven runs below (tests/run.sh checks the count)
seed_elf
seed_cpio
seed_lwip
seed_sockcall
seed_ext2
seed_9p
seed_pvh
seed_acpi
seed_tty
seed_procfs
seed_xenstore
run elf
run cpio
run lwip
run sockcall
run ext2
run 9p
run pvh
run acpi
run tty
run procfs
run xenstore
