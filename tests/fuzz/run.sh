#!/bin/bash
# run.sh SECONDS - run each libFuzzer target (ELF, cpio, lwIP frames, socket calls, ext2 images) (build/fuzz/fuzz_*, built by
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

echo "PLAN 5" # the five runs below (tests/run.sh checks the count)
seed_elf
seed_cpio
seed_lwip
seed_sockcall
seed_ext2
run elf
run cpio
run lwip
run sockcall
run ext2
