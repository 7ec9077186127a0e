#!/bin/bash
# run.sh - tests of the host tool (build/keel): "keel ldd" and "keel build"
# find exactly what ldd(1) finds for Debian's luajit, nginx and busybox; the
# initrd holds them at their paths with the host's bytes; each kind of bad
# input gets its message, status 125 and no output; "keel run" passes the
# guest's status through (self-tests, panic, timeout, "cannot run yet");
# --single boots as one file; from a terminal the guest's console is one
# (echo, line editing, EOF); "keel xl" writes a config, with a vif line
# per --net bridge=NAME[,mac=MAC] and refuses bad bridge names and MACs
# (and keel run's --net kinds) with status 2. Prints PASS/FAIL
# per case; work files in build/tool-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
logs=build/tool-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=tool-
. tests/lib.sh
plan 90

[ -x "$keel" ] || { result built 0 "no $keel (run make)"; echo "tool: $pass passed, $fail failed"; exit 1; }

# ldd's paths (the interpreter and every "=> path"), sorted.
ldd_paths() {
	ldd "$1" 2>/dev/null | sed -nE 's/.*=> (\/[^ ]*) .*/\1/p; t; s/^\s*(\/[^ ]*) \(0x.*/\1/p' | sort
}
keel_paths() {
	"$keel" ldd "$1" | sed -nE 's/.*=> (\/.*)$/\1/p; t; s/^\s*(\/[^ ]*)$/\1/p' | sort
}

for prog in /usr/bin/luajit /usr/sbin/nginx /bin/busybox /bin/true; do
	name=ldd-$(basename "$prog")
	if [ ! -x "$prog" ]; then
		result "$name" 0 "$prog is not installed (make deps installs luajit, nginx-light, busybox-static)"
		continue
	fi
	want=$(ldd_paths "$prog")
	got=$(keel_paths "$prog" 2>"$logs/$name.log")
	if [ "$want" = "$got" ]; then
		result "$name" 1
	else
		echo "ldd: $want" >>"$logs/$name.log"
		echo "keel: $got" >>"$logs/$name.log"
		result "$name" 0 "keel ldd differs from ldd: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
	fi
done

# The initrd: every object ldd names (and the program) at its path, with
# the host's contents, and the run file with argv, env and cwd.
for prog in /usr/bin/luajit /usr/sbin/nginx /bin/busybox; do
	name=initrd-$(basename "$prog")
	out=$logs/$name
	[ -x "$prog" ] || { result "$name" 0 "$prog is not installed"; continue; }
	if ! "$keel" build -q -o "$out" -e GREETING=hello -C /tmp -- "$prog" -v 'two words' >"$out.log" 2>&1; then
		result "$name" 0 "keel build failed: $(tail -1 "$out.log")"
		continue
	fi
	# Each path resolves inside the archive (its own symlinks, such as
	# Debian's /lib -> usr/lib) to an entry cpio -t lists, holding the
	# host's bytes.
	why=
	listing=$(cpio -t --quiet <"$out/initrd.cpio")
	for p in $prog $(ldd_paths "$prog"); do
		read -r _ entry sum < <(python3 tests/tools/cpio-resolve.py "$out/initrd.cpio" "$p")
		if [ "$sum" = unresolved ] || [ -z "$entry" ]; then
			why="$why $p does not resolve in the archive;"
		elif ! grep -qxF "$entry" <<<"$listing"; then
			why="$why $p ($entry) not listed by cpio -t;"
		elif [ "$sum" != "$(sha256sum <"$p" | cut -d' ' -f1)" ]; then
			why="$why $p differs from the host's;"
		fi
	done
	mkdir -p "$out/x"
	(cd "$out/x" && cpio -id --quiet .keel/run <../initrd.cpio) 2>>"$out.log"
	run=$(cat "$out/x/.keel/run" 2>/dev/null)
	for l in "arg $prog" "arg -v" "arg two words" "env GREETING=hello" "cwd /tmp" "env HOME=/"; do
		grep -qxF "$l" <<<"$run" || why="$why .keel/run lacks '$l';"
	done
	if [ -z "$why" ]; then result "$name" 1; else result "$name" 0 "$why"; fi
done

# Bad input: message, status 125, nothing written.
bad_case() { # name want-regex keel-args...
	local name=$1 want=$2 out=$logs/bad-$1
	shift 2
	"$keel" build -q -o "$out" "$@" >"$logs/bad-$name.log" 2>&1
	local rc=$?
	if [ "$rc" != 125 ]; then
		result "bad-$name" 0 "status $rc, want 125: $(tail -1 "$logs/bad-$name.log")"
	elif ! grep -qE -- "$want" "$logs/bad-$name.log"; then
		result "bad-$name" 0 "message '$(tail -1 "$logs/bad-$name.log")' does not match /$want/"
	elif [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
		result "bad-$name" 0 "left output behind: $(ls "$out" | tr '\n' ' ')"
	else
		result "bad-$name" 1
	fi
}
w=$PWD/$logs/inputs
mkdir -p "$w"
# Crafted headers: an i386 and an aarch64 executable, a truncated ELF,
# program headers past the end, a segment past the end.
python3 - "$w" <<'EOF'
import struct, sys, shutil
w = sys.argv[1]
def ident(cls): return b"\x7fELF" + bytes([cls, 1, 1, 0]) + bytes(8)
# ELF32 i386: ident, e_type EXEC, e_machine 3, version 1, then zeros
open(w + "/i386", "wb").write(ident(1) + struct.pack("<HHI", 2, 3, 1) + bytes(64))
open(w + "/aarch64", "wb").write(ident(2) + struct.pack("<HHI", 2, 183, 1) + bytes(100))
true = open("/bin/true", "rb").read()
open(w + "/truncated", "wb").write(true[:40])
b = bytearray(true); struct.pack_into("<Q", b, 32, len(true) + 4096)  # e_phoff
open(w + "/phoff", "wb").write(b)
b = bytearray(true)
phoff, = struct.unpack_from("<Q", b, 32)
phnum, = struct.unpack_from("<H", b, 56)
for i in range(phnum):  # the first PT_LOAD's offset past the end
    at = phoff + 56 * i
    if struct.unpack_from("<I", b, at)[0] == 1:
        struct.pack_into("<Q", b, at + 8, len(true) * 4)
        break
open(w + "/segment", "wb").write(b)
EOF
chmod +x "$w"/*
# A program whose library is missing, and one whose library is a symlink loop.
echo 'int keel_lib(void) { return 7; }' >"$w/lib.c"
echo 'int keel_lib(void); int main(void) { return keel_lib(); }' >"$w/main.c"
mkdir -p "$w/libs" "$w/loop"
gcc -shared -fPIC -o "$w/libs/libkeeltest.so" "$w/lib.c" &&
	gcc -o "$w/needs-missing" "$w/main.c" -L"$w/libs" -lkeeltest -Wl,-rpath,/nonexistent-keel-dir &&
	gcc -o "$w/needs-loop" "$w/main.c" -L"$w/libs" -lkeeltest -Wl,-rpath,"$w/loop" ||
	echo "tool tests: could not compile the test programs"
ln -sf libkeeltest.so.b "$w/loop/libkeeltest.so"
ln -sf libkeeltest.so "$w/loop/libkeeltest.so.b"
ln -sf self "$w/self"

bad_case not-found 'program not found: keel-no-such-program is not in PATH' -- keel-no-such-program
bad_case not-elf 'not an ELF file' -- /etc/passwd
bad_case i386 'wrong architecture: a 32-bit i386' -- "$w/i386"
bad_case aarch64 'wrong architecture: an aarch64' -- "$w/aarch64"
bad_case truncated 'truncated ELF header' -- "$w/truncated"
bad_case phoff-past-end 'program headers lie outside the file' -- "$w/phoff"
bad_case segment-past-end 'a segment lies outside the file' -- "$w/segment"
bad_case missing-library "library libkeeltest.so not found \(needed by $w/needs-missing\)" -- "$w/needs-missing"
bad_case library-loop "library libkeeltest.so not found .*$w/loop/libkeeltest.so: a symlink loop" -- "$w/needs-loop"
bad_case program-loop "$w/self: Too many levels of symbolic links" -- "$w/self"
bad_case missing-file "cannot read $w/nothing-here: No such file" --file "$w/nothing-here" -- /bin/true
bad_case file-loop "Too many levels of symbolic links" --file "$w/self:/x" -- /bin/true
bad_case bad-env "--env NOEQUALS: want NAME=VALUE" --env NOEQUALS -- /bin/true
# Unreadable for an ordinary user (root reads everything). The user is
# nobody, who may not reach into the checkout (a clone inside a mode-700
# mktemp -d directory): keel, the kernel and the secret go to a scratch
# directory of their own that nobody can enter, where only the secret is
# unreadable.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	u=$(mktemp -d /tmp/keel-tool-unreadable.XXXXXX)
	cp "$keel" "$u/keel" && cp build/keel.elf "$u/keel.elf"
	echo secret >"$u/secret" && chmod 600 "$u/secret"
	mkdir "$u/out" && chown nobody "$u/out"
	chmod 755 "$u" && chmod 644 "$u/keel.elf"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$u/keel" build -q --kernel "$u/keel.elf" -o "$u/out" --file "$u/secret" -- /bin/true >"$logs/bad-unreadable.log" 2>&1
	rc=$?
	if [ "$rc" = 125 ] && grep -q "cannot read $u/secret: Permission denied" "$logs/bad-unreadable.log" && [ -z "$(ls -A "$u/out" 2>/dev/null)" ]; then
		result bad-unreadable 1
	else
		result bad-unreadable 0 "status $rc: $(tail -1 "$logs/bad-unreadable.log")"
	fi
	rm -rf "$u"
else
	result bad-unreadable 0 "cannot test: no user nobody or no setpriv"
fi

# keel run: the guest's status comes back; panic, timeout and "cannot run".
run_case() { # name want-status want-regex keel-run-args...
	local name=$1 want=$2 re=$3
	shift 3
	timeout 120 "$keel" run -q --accel tcg "$@" >"$logs/run-$name.log" 2>&1
	local rc=$?
	if [ "$rc" != "$want" ]; then
		result "run-$name" 0 "status $rc, want $want: $(tail -1 "$logs/run-$name.log")"
	elif ! grep -qE -- "$re" "$logs/run-$name.log"; then
		result "run-$name" 0 "no line matching /$re/"
	else
		result "run-$name" 1
	fi
}
export XDG_CACHE_HOME=$PWD/$logs/cache
run_case selftests 0 'selftests: [0-9]+ passed, 0 failed' -k keel.test=all -- /bin/true
run_case failing-test 1 'no test matches keel.test=no-such-test' -k keel.test=no-such-test -- /bin/true
run_case panic 127 'the guest kernel panicked' -k keel.test=fault-null -- /bin/true
run_case timeout 124 'did not finish within 3 s' -t 3 -k keel.test=idle -- /bin/true
# A program that does not read its stdin: 8 MB wait in the pipe to QEMU
# when -t stops it, and keel's next write meets EPIPE; still 124 (keel
# died of SIGPIPE, 141, before it blocked the signal for those writes).
head -c 8000000 /dev/zero >"$w/zeros"
run_case timeout-unread-stdin 124 'did not finish within 2 s' -t 2 -- /bin/busybox sleep 30 <"$w/zeros"
# Exit statuses pass through, all 8 bits (QEMU's own code keeps only 7).
for st in 42 200; do
	printf 'void _start(void){ __asm__ volatile("syscall" :: "a"(231), "D"(%d)); for (;;) ; }\n' "$st" >"$w/exit$st.c"
	gcc -O1 -static -nostdlib -o "$w/exit$st" "$w/exit$st.c"
	run_case "status-$st" "$st" 'keel: shutdown status' -- "$w/exit$st"
done
run_case cannot-run 126 'keel: cannot run /no/such/program: no such file in the guest' \
	-k -- -k /no/such/program -- /bin/true
run_case single 0 'initrd: .*\(embedded\)' --single -k keel.test=initrd -- /bin/true
# The network (--net, -p, --machine): the driver answers ARP from QEMU's
# user network on microvm (MMIO) and pc (PCI); bad values are refused
# before anything is built.
run_case net-microvm 0 'selftest netdev-arp: ok' -p 18080:80 -k keel.test=netdev-arp -- /bin/true
run_case net-pc 0 'selftest netdev-arp: ok' --machine pc --net user -k keel.test=netdev-arp -- /bin/true
run_case net-none 0 'netdev-arp: no network device.*skipped' -k keel.test=netdev-arp -- /bin/true
# TCP end to end, servers in keel answering clients on the host through -p:
# tests/tool/servers.sh.
run_case bad-port 2 "-p 80: want HOST:GUEST" -p 80 -k keel.test=none -- /bin/true
run_case bad-port-range 2 "-p 70000:80: want HOST:GUEST TCP ports" -p 70000:80 -- /bin/true
run_case bad-port-twice 2 "-p 8080:81: host port given twice" -p 8080:80 -p 8080:81 -- /bin/true
run_case bad-port-no-user 2 "-p forwards through QEMU user networking: it needs --net user, not --net none" -p 8080:80 --net none -- /bin/true
run_case bad-net 2 "--net bridge: want none, user or tap:IFNAME" --net bridge -- /bin/true
run_case bad-net-tap 2 "--net tap:: want none, user or tap:IFNAME" --net tap: -- /bin/true
run_case bad-machine 2 "--machine virt: want microvm, pc or q35" --machine virt -- /bin/true
# The QEMU command lines themselves, from a stand-in QEMU that writes its
# arguments down (one a line) and fails.
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done >"$KEEL_ARGS_OUT"\nexit 1\n' >"$w/args-qemu"
chmod +x "$w/args-qemu"
qemu_args() { # name keel-run-args... -> the arguments in $logs/args-NAME
	local name=$1
	shift
	KEEL_QEMU=$w/args-qemu KEEL_ARGS_OUT=$logs/args-$name timeout 60 \
		"$keel" run -q --accel tcg "$@" -- /bin/true >"$logs/args-$name.log" 2>&1
}
has_args() { # name args... : these arguments, one after another
	local name=$1 got want
	shift
	got=$'\001'$(tr '\n' '\001' <"$logs/args-$name")
	want=$'\001'$(printf '%s\001' "$@")
	[[ $got == *"$want"* ]]
}
qemu_args ports -p 8080:80 -p 127:443
if has_args ports -M microvm && has_args ports -global virtio-mmio.force-legacy=false &&
	has_args ports -netdev \
	user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:127-:443 \
	-device virtio-net-device,netdev=net0; then
	result args-ports 1
else
	result args-ports 0 "QEMU was given: $(tr '\n' ' ' <"$logs/args-ports")"
fi
qemu_args q35 --machine q35 -p 8080:80
if has_args q35 -M q35 && has_args q35 -netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80 \
	-device virtio-net-pci,netdev=net0,romfile= && ! grep -q virtio-mmio "$logs/args-q35"; then
	result args-q35 1
else
	result args-q35 0 "QEMU was given: $(tr '\n' ' ' <"$logs/args-q35")"
fi
qemu_args tap --net tap:keeltap0
if has_args tap -netdev tap,id=net0,ifname=keeltap0,script=no,downscript=no \
	-device virtio-net-device,netdev=net0; then
	result args-tap 1
else
	result args-tap 0 "QEMU was given: $(tr '\n' ' ' <"$logs/args-tap")"
fi
qemu_args none
if [ -s "$logs/args-none" ] && ! grep -qE -- '^-netdev|virtio-net' "$logs/args-none"; then
	result args-none 1
else
	result args-none 0 "a network without -p or --net: $(tr '\n' ' ' <"$logs/args-none")"
fi
timeout 60 "$keel" run -k keel.test=none -- /bin/true >"$logs/run-auto.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -qE '^keel: accelerator: (kvm|tcg) \(KVM: ' "$logs/run-auto.log"; then
	grep '^keel: accelerator' "$logs/run-auto.log" | sed 's/^/  /'
	result run-accel-auto 1
else
	result run-accel-auto 0 "status $rc, or no accelerator line"
fi

# From a terminal, in a background process group (keel run &, or under
# timeout(1) as these tests run it): QEMU's stdio console must not stop on
# SIGTTOU, so keel gives it /dev/null as input there.
if command -v script >/dev/null; then
	script -qec "timeout 60 '$keel' run -q --accel tcg -k keel.test=none -- /bin/true; exit \$?" /dev/null \
		>"$logs/run-tty.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		result run-background-tty 1
	else
		result run-background-tty 0 "status $rc (124: QEMU stopped on the terminal): $(tail -1 "$logs/run-tty.log")"
	fi
else
	result run-background-tty 0 "script (bsdutils) is missing"
fi

# Started with no stdin at all (as some CI runners start jobs): the guest
# still runs and its status comes back.
timeout 60 "$keel" run -q --accel tcg -k keel.test=none -- /bin/true <&- >"$logs/run-no-stdin.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q 'selftests: 0 passed' "$logs/run-no-stdin.log"; then
	result run-no-stdin 1
else
	result run-no-stdin 0 "status $rc: $(tail -1 "$logs/run-no-stdin.log")"
fi
# keel's standard input reaches the program's (docs/boot.md, "Standard
# input"): a pipe, binary data with every byte value (0xff is keel's
# escape), /dev/null; the end of the input is the program's EOF, and its
# stdin is not a terminal then.
bb=/bin/busybox
# stdin_case NAME WANT KEEL-RUN-ARGS... (stdin: the input): the program's
# output (keel's own lines and CRs dropped) must be WANT, its status 0.
stdin_case() {
	local name=$1 want=$2 rc got
	shift 2
	timeout 120 "$keel" run -q --accel tcg "$@" >"$logs/$name.log" 2>&1
	rc=$?
	got=$(tr -d '\r' <"$logs/$name.log" | grep -v '^keel')
	if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
		result "$name" 1
	else
		result "$name" 0 "status $rc, output '$got', want '$want'"
	fi
}
stdin_case stdin-pipe "$(printf 'hello\nworld')" -- "$bb" cat < <(printf 'hello\nworld\n')
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 24 + b"\xff\xff")' >"$w/bytes"
stdin_case stdin-binary "$(sha256sum <"$w/bytes")" -- "$bb" sha256sum <"$w/bytes"
stdin_case stdin-null "$(printf 'end, read 1\nnot a terminal')" \
	-- "$bb" sh -c 'read x || echo "end, read $?"; test -t 0 || echo "not a terminal"' </dev/null

# Bulk standard streams (the virtio-serial port, docs/boot.md): 8 MiB
# through the program each way within 20 s (about 1 s here alone; the
# 16550 moved about 0.2 MB/s in, 0.4 MB/s out: 44 s and 26 s), the bytes
# checked by sha256 on the host; keel's console lines go to stderr then,
# so stdout holds only the program's output.
head -c $((8 << 20)) /dev/urandom >"$w/8m"
want=$(sha256sum <"$w/8m" | cut -d' ' -f1)
start=$SECONDS
timeout 30 "$keel" run -q --accel tcg -t 20 -- "$bb" sha256sum <"$w/8m" >"$logs/stdin-8m.log" 2>"$logs/stdin-8m.err"
rc=$?
got=$(tr -d '\r' <"$logs/stdin-8m.log" | grep -v '^keel')
if [ "$rc" = 0 ] && [ "$got" = "$want  -" ]; then
	result stdin-8m 1
else
	result stdin-8m 0 "status $rc after $((SECONDS - start)) s, output '$got', want '$want  -'"
fi
start=$SECONDS
timeout 30 "$keel" run -q --accel tcg -t 20 -m 128M -f "$w/8m:/data/8m" -- "$bb" cat /data/8m \
	</dev/null >"$logs/stdout-8m.out" 2>"$logs/stdout-8m.err"
rc=$?
got=$(sha256sum <"$logs/stdout-8m.out" | cut -d' ' -f1)
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
	result stdout-8m 1
else
	result stdout-8m 0 "status $rc after $((SECONDS - start)) s, $(stat -c %s "$logs/stdout-8m.out") bytes out of $((8 << 20)), sha256 $got"
fi
# When keel's stdout loses its reader (keel run -- yes | head), keel stops
# QEMU rather than leave it running unseen, and dies of SIGPIPE.
printf '#!/bin/sh\necho $$ >"%s"\nexec qemu-system-x86_64 "$@"\n' "$w/qemu.pid" >"$w/qemu-pid"
chmod +x "$w/qemu-pid"
rm -f "$w/qemu.pid"
got=$(KEEL_QEMU=$w/qemu-pid timeout 60 "$keel" run -q --accel tcg -t 50 -- "$bb" yes </dev/null 2>"$logs/stdout-epipe.err" | head -c 2)
qpid=$(cat "$w/qemu.pid" 2>/dev/null)
sleep 1
if [ "$got" = y ] && [ -n "$qpid" ] && ! kill -0 "$qpid" 2>/dev/null; then
	result stdout-epipe 1
else
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null
	result stdout-epipe 0 "output '$got' (want y), QEMU ${qpid:-(no pid)} $([ -n "$qpid" ] && echo 'still ran after keel had gone')"
fi
# The program's stdout (and stderr) is a terminal only when keel's is:
# redirected, isatty says no (jq, ls --color=auto print no colours then).
"$keel" run -q --accel tcg -t 60 -- "$bb" sh -c 'test -t 1 && echo tty || echo notty; test -t 2 && echo tty2 || echo notty2' \
	</dev/null >"$logs/stdout-notty.log" 2>"$logs/stdout-notty.err"
rc=$?
got=$(tr -d '\r' <"$logs/stdout-notty.log" | grep -v '^keel')
if [ "$rc" = 0 ] && [ "$got" = "$(printf 'notty\nnotty2')" ]; then
	result stdout-notty 1
else
	result stdout-notty 0 "status $rc, output '$got', want notty and notty2"
fi
# ... and it is one when keel's stdout is a terminal, even with a piped
# stdin (whose bytes take the port while the console shows the output).
if command -v script >/dev/null; then
	script -qec "echo hi | '$keel' run -q --accel tcg -t 60 -- $bb sh -c 'read x; test -t 1 && echo tty:\$x || echo notty:\$x'" \
		/dev/null </dev/null >"$logs/stdout-tty.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && tr -d '\r' <"$logs/stdout-tty.log" | grep -qx 'tty:hi'; then
		result stdout-tty 1
	else
		result stdout-tty 0 "status $rc, output $(tr -d '\r' <"$logs/stdout-tty.log" | grep -v '^keel' | tr '\n' ' '), want tty:hi"
	fi
else
	result stdout-tty 0 "script (bsdutils) is missing"
fi
# What a user sees of it: Debian's jq colours its output only on a
# terminal, so into a file it writes the host's plain bytes, and under
# script(1) (a pty) its colour codes.
if [ -x /usr/bin/jq ]; then
	"$keel" run -q --accel tcg -t 60 -- /usr/bin/jq -n '{"a":[1,"x"]}' \
		</dev/null >"$logs/jq-file.log" 2>"$logs/jq-file.err"
	rc=$?
	if [ "$rc" = 0 ] && cmp -s "$logs/jq-file.log" <(/usr/bin/jq -n '{"a":[1,"x"]}'); then
		result jq-file-plain 1
	else
		result jq-file-plain 0 "status $rc, output $(od -c "$logs/jq-file.log" | head -3 | tr '\n' ' '), want the host's plain bytes"
	fi
	script -qec "'$keel' run -q --accel tcg -t 60 -- /usr/bin/jq -n '{\"a\":1}'" /dev/null \
		</dev/null >"$logs/jq-tty.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q $'\033\\[' "$logs/jq-tty.log" && tr -d '\r' <"$logs/jq-tty.log" | grep -q '"a"'; then
		result jq-tty-colour 1
	else
		result jq-tty-colour 0 "status $rc, output $(od -c "$logs/jq-tty.log" | head -3 | tr '\n' ' '), want colour codes"
	fi
else
	result jq-file-plain 0 "/usr/bin/jq is missing (apt-get install jq)"
	result jq-tty-colour 0 "/usr/bin/jq is missing (apt-get install jq)"
fi

# keel run in a terminal: script(1) makes one and runs keel in its
# foreground, so QEMU gets it (in raw mode) and the guest's console is a
# terminal with Linux's line discipline (docs/boot.md, "Standard input"):
# the guest echoes, edits lines (DEL erases: "\b \b"), turns the Enter
# key's CR into NL, and reads ^D on an empty line as EOF. Typed input
# waits in QEMU and the kernel until the program reads it: the first
# case types while the program is busy. tty_run NAME COMMAND STEPS...:
# "wait TEXT" until the output shows TEXT (at most 60 s), "send FORMAT"
# types printf FORMAT; sets rc and got (the output without CRs).
tty_run() {
	local name=$1 cmd=$2 out=$logs/$1.log step i
	shift 2
	rm -f "$out.in" && mkfifo "$out.in"
	timeout 150 script -qec "$cmd" /dev/null <"$out.in" >"$out" 2>&1 &
	local pid=$!
	exec 3>"$out.in"
	for step; do
		case $step in
		wait\ *)
			for i in $(seq 600); do
				grep -qaF -- "${step#wait }" "$out" && break
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done ;;
		send\ *) (trap '' PIPE; printf "${step#send }" >&3) 2>/dev/null ;;
		esac
	done
	wait "$pid"
	rc=$?
	exec 3>&-
	rm -f "$out.in"
	got=$(tr -d '\r' <"$out")
}
if command -v script >/dev/null; then
	tty_run tty-line "'$keel' run -q --accel tcg -t 60 -- $bb sh -c 'echo ready; i=0; while [ \$i -lt 100000 ]; do i=\$((i+1)); done; read x; echo got:\$x; read y; echo eof:\$?'" \
		'wait ready' 'send hellp\177o\r' 'wait got:' 'send \004' 'wait eof:'
	if [ "$rc" = 0 ] && [[ $got == *$'hellp\b \bo\ngot:hello\neof:1'* ]]; then
		result tty-line 1
	else
		result tty-line 0 "status $rc, output $(printf %q "$got")"
	fi
	tty_run tty-luajit "'$keel' run -q --accel tcg -t 60 -- /usr/bin/luajit" \
		'wait > ' 'send print(6*8\177\177*7)\r' 'wait 42' 'send \004'
	if [ "$rc" = 0 ] && [[ $got == *$'> print(6*8\b \b\b \b*7)\n42\n> '* ]]; then
		result tty-luajit 1
	else
		result tty-luajit 0 "status $rc, output $(printf %q "$got")"
	fi
else
	result tty-line 0 "script (bsdutils) is missing"
fi

# A QEMU that fails on its own (exit 1, as a guest's status 0 would look)
# is keel's failure (125), not the guest's success.
printf '#!/bin/sh\necho "qemu: cannot start" >&2\nexit 1\n' >"$w/bad-qemu"
chmod +x "$w/bad-qemu"
KEEL_QEMU=$w/bad-qemu timeout 60 "$keel" run -q --accel tcg -- /bin/true >"$logs/run-bad-qemu.log" 2>&1
rc=$?
if [ "$rc" = 125 ] && grep -q 'QEMU failed' "$logs/run-bad-qemu.log"; then
	result run-qemu-fails 1
else
	result run-qemu-fails 0 "status $rc (want 125): $(tail -1 "$logs/run-bad-qemu.log")"
fi

# keel xl: the config (booted on nested Xen by tests/xen/tests.sh full).
out=$logs/xl
if "$keel" xl -q -o "$out" -m 32 -k keel.test=all -- /bin/true >"$logs/xl.log" 2>&1 &&
	grep -qx 'type = "pvh"' "$out/keel.cfg" &&
	grep -qx "kernel = \"$PWD/$out/keel.elf\"" "$out/keel.cfg" &&
	grep -qx "ramdisk = \"$PWD/$out/initrd.cpio\"" "$out/keel.cfg" &&
	grep -qx 'memory = 32' "$out/keel.cfg" &&
	grep -qx 'cmdline = "keel.test=all"' "$out/keel.cfg" &&
	grep -qx 'name = "keel-true"' "$out/keel.cfg"; then
	result xl-config 1
else
	result xl-config 0 "unexpected keel.cfg: $(tr '\n' ';' <"$out/keel.cfg" 2>/dev/null)"
fi

# keel xl --net: a vif line per --net (bridge first, the MAC in lower
# case), the -k words on the cmdline as given, and a comment saying where
# the address comes from (keel.ip= when given, else DHCP).
out=$logs/xl-net
cfg=$out/keel.cfg
if "$keel" xl -q -o "$out" --net bridge=xenbr0,mac=00:16:3E:0A:bB:01 --net mac=02:00:00:00:00:2a,bridge=br-test.1 \
	-k keel.ip=169.254.1.2/16 -k keel.strace -- /bin/true >"$logs/xl-net.log" 2>&1 &&
	grep -qx "vif = \[ 'bridge=xenbr0,mac=00:16:3e:0a:bb:01', 'bridge=br-test.1,mac=02:00:00:00:00:2a' \]" "$cfg" &&
	grep -qx 'cmdline = "keel.ip=169.254.1.2/16 keel.strace"' "$cfg" &&
	grep -q '^# address: keel.ip=169.254.1.2/16, from the cmdline' "$cfg" && [ "$(grep -c '^vif' "$cfg")" = 1 ]; then
	result xl-net 1
else
	result xl-net 0 "unexpected keel.cfg: $(tr '\n' ';' <"$cfg" 2>/dev/null)"
fi
out=$logs/xl-net-dhcp
cfg=$out/keel.cfg
if "$keel" xl -q -o "$out" --net bridge=xenbr0 -- /bin/true >"$logs/xl-net-dhcp.log" 2>&1 &&
	grep -qx "vif = \[ 'bridge=xenbr0' \]" "$cfg" && grep -qx 'cmdline = ""' "$cfg" &&
	grep -q '^# address: by DHCP' "$cfg" && grep -q 'keel xl -k keel.ip=ADDR/PREFIX' "$cfg" &&
	! grep -q '^vif' "$logs/xl/keel.cfg"; then
	result xl-net-dhcp 1
else
	result xl-net-dhcp 0 "unexpected keel.cfg (or a vif without --net): $(tr '\n' ';' <"$cfg" 2>/dev/null)"
fi
# Bad --net for keel xl: status 2 (wrong usage), the message, nothing built.
xl_bad() { # name want-regex keel-xl-args...
	local name=xl-bad-$1 out=$logs/xl-bad-$1 want=$2
	shift 2
	"$keel" xl -q -o "$out" "$@" -- /bin/true >"$logs/$name.log" 2>&1
	local rc=$?
	if [ "$rc" != 2 ]; then
		result "$name" 0 "status $rc, want 2: $(tail -1 "$logs/$name.log")"
	elif ! grep -qE -- "$want" "$logs/$name.log"; then
		result "$name" 0 "message '$(tail -1 "$logs/$name.log")' does not match /$want/"
	elif [ -e "$out" ]; then
		result "$name" 0 "wrote $out"
	else
		result "$name" 1
	fi
}
xl_bad user "--net user: want bridge=NAME\[,mac=XX:XX:XX:XX:XX:XX\] .*none, user and tap:IFNAME are keel run's" --net user
xl_bad no-bridge "--net mac=02:00:00:00:00:01: want bridge=NAME" --net mac=02:00:00:00:00:01
xl_bad key "--net bridge=xenbr0,model=e1000: want bridge=NAME" --net bridge=xenbr0,model=e1000
xl_bad bridge-slash "bridge 'a/b' is not an interface name \(1-15 letters" --net bridge=a/b
xl_bad bridge-long "bridge 'abcdefghijklmnop' is not an interface name" --net bridge=abcdefghijklmnop
xl_bad bridge-space "bridge 'a b' is not an interface name" --net "bridge=a b"
xl_bad bridge-quote "bridge 'a\"b' is not an interface name" --net 'bridge=a"b'
xl_bad mac-form "mac 00:16:3e:0:1:2: want six hex pairs" --net bridge=xenbr0,mac=00:16:3e:0:1:2
xl_bad mac-hex "mac 00:16:3e:0g:01:02: want six hex pairs" --net bridge=xenbr0,mac=00:16:3e:0g:01:02
xl_bad mac-multicast "mac 01:00:5e:00:00:01: a multicast address .*want a unicast one" --net bridge=xenbr0,mac=01:00:5e:00:00:01

# Storage: --disk and -v give QEMU a drive and a 9p device fitting the
# machine and the kernel keel.mount= words for them, in order.
img=$logs/disk.img
truncate -s 4M "$img"
mkdir -p "$logs/share,dir"
qemu_args disk-mmio --disk "$img:/data" --disk "$img:/ro:ro" -v "$logs/share,dir:/srv:ro"
append=$(grep -A1 -x -- -append "$logs/args-disk-mmio" | tail -1)
if has_args disk-mmio -drive "file=$img,if=none,id=disk0,format=raw" -device virtio-blk-device,drive=disk0 &&
	has_args disk-mmio -global virtio-mmio.force-legacy=false &&
	has_args disk-mmio -drive "file=$img,if=none,id=disk1,format=raw,readonly=on" -device virtio-blk-device,drive=disk1 &&
	has_args disk-mmio -fsdev "local,id=vol0,path=$logs/share,,dir,security_model=none,readonly=on" \
		-device virtio-9p-device,fsdev=vol0,mount_tag=keelvol0 &&
	[[ $append == *"keel.mount=ext2:/dev/vda:/data keel.mount=ext2:/dev/vdb:/ro:ro keel.mount=9p:keelvol0:/srv:ro"* ]]; then
	result args-disk-mmio 1
else
	result args-disk-mmio 0 "QEMU was given: $(tr '\n' ' ' <"$logs/args-disk-mmio")"
fi
qemu_args disk-pci --machine pc --disk "$img:/data" -v "$logs/share,dir:/srv"
if has_args disk-pci -device virtio-blk-pci,drive=disk0,romfile= &&
	has_args disk-pci -device virtio-9p-pci,fsdev=vol0,mount_tag=keelvol0 &&
	grep -q -- "keel.mount=9p:keelvol0:/srv\( \|$\)" "$logs/args-disk-pci"; then
	result args-disk-pci 1
else
	result args-disk-pci 0 "QEMU was given: $(tr '\n' ' ' <"$logs/args-disk-pci")"
fi
# --root disk: the files on DIR/root.img (clean, the program at its path),
# the initrd only the run file; keel run attaches it first, as the root.
if "$keel" build -q --root disk -o "$logs/rootdisk" -- /bin/busybox ls >"$logs/rootdisk.log" 2>&1 &&
	e2fsck -fn "$logs/rootdisk/root.img" >>"$logs/rootdisk.log" 2>&1 &&
	cmp -s /bin/busybox <(debugfs -R 'cat /usr/bin/busybox' "$logs/rootdisk/root.img" 2>/dev/null) &&
	[ "$(cpio -it --quiet <"$logs/rootdisk/initrd.cpio" | grep -v '^\.$' | tr '\n' ' ')" = ".keel .keel/run " ]; then
	result root-disk-build 1
else
	result root-disk-build 0 "root.img unclean or without busybox, or the initrd holds more than the run file: $(tail -1 "$logs/rootdisk.log")"
fi
qemu_args root-disk --root disk --disk "$img:/data"
if has_args root-disk -device virtio-blk-device,drive=disk0 -drive "file=$img,if=none,id=disk1,format=raw" &&
	grep -q -- "root=/dev/vda keel.mount=ext2:/dev/vdb:/data" "$logs/args-root-disk"; then
	result args-root-disk 1
else
	result args-root-disk 0 "QEMU was given: $(tr '\n' ' ' <"$logs/args-root-disk")"
fi
# Bad --disk and -v: status 2, the message, QEMU never started.
storage_bad() { # name want-regex keel-run-args...
	local name=storage-bad-$1 want=$2 rc
	shift 2
	KEEL_QEMU=$w/args-qemu KEEL_ARGS_OUT=$logs/args-$name timeout 60 \
		"$keel" run -q "$@" -- /bin/true >"$logs/$name.log" 2>&1
	rc=$?
	if [ "$rc" != 2 ]; then
		result "$name" 0 "status $rc, want 2: $(tail -1 "$logs/$name.log")"
	elif ! grep -qE -- "$want" "$logs/$name.log"; then
		result "$name" 0 "message '$(tail -1 "$logs/$name.log")' does not match /$want/"
	elif [ -e "$logs/args-$name" ]; then
		result "$name" 0 "QEMU was started"
	else
		result "$name" 1
	fi
}
storage_bad missing "--disk $logs/none.img:/d: $logs/none.img is not a disk image" --disk "$logs/none.img:/d"
storage_bad relative "want HOST:/GUEST\[:ro\]" --disk "$img:data"
storage_bad dir-as-disk "is not a disk image \(not a file\)" --disk "$logs:/d"
storage_bad volume-file "--volume $img:/v: $img is not a directory" -v "$img:/v"

# keel xl --disk: each image copied into DIR and on the disk line as the
# next xvd (a name taken gets diskN-), mounted by keel.mount=; --root
# disk puts root.img first as xvda with root=/dev/xvda.
out=$logs/xl-disk
rm -rf "$out"
printf 'keel xl disk\n' | dd of="$img" conv=notrunc status=none
if "$keel" xl -q -o "$out" --guest-dir /guest --disk "$img:/data" --disk "$img:/ro:ro" \
	-k keel.quiet -- /bin/true >"$logs/xl-disk.log" 2>&1 &&
	grep -qxF "disk = [ 'format=raw, vdev=xvda, access=rw, target=/guest/disk.img', 'format=raw, vdev=xvdb, access=ro, target=/guest/disk1-disk.img' ]" "$out/keel.cfg" &&
	grep -qxF 'cmdline = "keel.quiet keel.mount=ext2:/dev/xvda:/data keel.mount=ext2:/dev/xvdb:/ro:ro"' "$out/keel.cfg" &&
	cmp -s "$img" "$out/disk.img" && cmp -s "$img" "$out/disk1-disk.img"; then
	result xl-disk 1
else
	result xl-disk 0 "unexpected keel.cfg or images: $(tail -1 "$logs/xl-disk.log"); $(tr '\n' ';' <"$out/keel.cfg" 2>/dev/null)"
fi
out=$logs/xl-root-disk
rm -rf "$out"
if "$keel" xl -q -o "$out" --root disk --disk "$img" -- /bin/busybox true >"$logs/xl-root-disk.log" 2>&1 &&
	grep -qxF "disk = [ 'format=raw, vdev=xvda, access=rw, target=$PWD/$out/root.img', 'format=raw, vdev=xvdb, access=rw, target=$PWD/$out/disk.img' ]" "$out/keel.cfg" &&
	grep -qxF 'cmdline = "root=/dev/xvda"' "$out/keel.cfg" && e2fsck -fn "$out/root.img" >/dev/null 2>&1; then
	result xl-root-disk 1
else
	result xl-root-disk 0 "unexpected keel.cfg: $(tail -1 "$logs/xl-root-disk.log"); $(tr '\n' ';' <"$out/keel.cfg" 2>/dev/null)"
fi
xl_bad disk-missing "--disk $logs/none.img:/d: $logs/none.img is not a disk image" --disk "$logs/none.img:/d"
xl_bad disk-relative "want HOST:/GUEST\[:ro\]" --disk "$img:data"
xl_bad volume "--volume is not an option of keel xl" -v "$logs:/v"

# keel mkimage: an ext2 image e2fsck finds clean, holding the tree's
# files, links and modes; a non-regular output is refused.
tree=$logs/mkimage-tree
mkdir -p "$tree/sub"
printf 'hello\n' >"$tree/sub/f"
chmod 0640 "$tree/sub/f"
ln -s sub/f "$tree/link"
head -c 300000 /dev/urandom >"$tree/big"
if "$keel" mkimage "$tree" -o "$logs/tree.img" >"$logs/mkimage.log" 2>&1 &&
	e2fsck -fn "$logs/tree.img" >>"$logs/mkimage.log" 2>&1 &&
	[ "$(debugfs -R 'cat /sub/f' "$logs/tree.img" 2>/dev/null)" = hello ] &&
	debugfs -R 'stat /sub/f' "$logs/tree.img" 2>/dev/null | grep -q 'Mode:  0640' &&
	debugfs -R 'stat /link' "$logs/tree.img" 2>/dev/null | grep -q 'Fast link dest: "sub/f"' &&
	cmp -s "$tree/big" <(debugfs -R 'cat /big' "$logs/tree.img" 2>/dev/null) &&
	dumpe2fs -h "$logs/tree.img" 2>/dev/null | grep -q '^Block size: *4096'; then
	result mkimage 1
else
	result mkimage 0 "the image is not clean or lacks the tree's files: $(tail -2 "$logs/mkimage.log" | tr '\n' ' ')"
fi
"$keel" mkimage "$tree" -o /dev/null >"$logs/mkimage-bad.log" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q 'is not a regular file: not overwritten' "$logs/mkimage-bad.log"; then
	result mkimage-refuses 1
else
	result mkimage-refuses 0 "status $rc: $(tail -1 "$logs/mkimage-bad.log")"
fi

# make install: the installed keel finds the installed kernel.
inst=$PWD/$logs/install
if make -s install DESTDIR="$inst" PREFIX=/usr >"$logs/install.log" 2>&1 &&
	[ -f "$inst/usr/share/man/man1/keel.1" ] &&
	env -u KEEL_KERNEL "$inst/usr/bin/keel" build -q -o "$logs/installed" -- /bin/true >>"$logs/install.log" 2>&1 &&
	cmp -s "$inst/usr/lib/keel/keel.elf" "$logs/installed/keel.elf"; then
	result install 1
else
	result install 0 "make install, or the installed keel's build, failed: $(tail -1 "$logs/install.log")"
fi

# Help and the man page.
manok=1
[ -s docs/keel.1 ] || manok=0
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww -z docs/keel.1 2>"$logs/man.log" && [ ! -s "$logs/man.log" ] || manok=0
fi
if "$keel" --help | grep -q 'keel COMMAND' && "$keel" run --help | grep -q -- '--accel' &&
	"$keel" build --help | grep -q -- '--single' && "$keel" xl --help | grep -q 'xl create' &&
	[ "$manok" = 1 ]; then
	result help 1
else
	result help 0 "a --help text or docs/keel.1 is missing"
fi

echo "tool: $pass passed, $fail failed"
[ "$fail" = 0 ]
