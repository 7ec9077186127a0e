#!/bin/bash
# run.sh - Linux programs in the guest (keel run, QEMU TCG): small C
# programs from tests/guest/ built static, static-pie and dynamic, each
# also run on the host as the reference, and Debian's own binaries
# (busybox-static, luajit). The program's output is keel run's stdout
# minus any kernel lines (keel run passes keel.quiet, so only those
# starting "keel" or "strace:" remain; with stdout redirected the kernel's
# console goes to stderr: kernel_said looks at both). PASS/FAIL per case;
# logs in build/guest-logs.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
logs=build/guest-logs
bin=$PWD/build/guest
rm -rf "$logs" "$bin" # no stale program may pass for one that failed to build
mkdir -p "$logs" "$bin"
prefix=guest-
. tests/lib.sh
# run.sh oom (make test-oom): only t_oom's cases, 20 runs of each
# exhaustion case (tests/guest/oom_cases.sh).
mode=${1:-all}
if [ "$mode" = oom ]; then plan 13; else plan 115; fi
export XDG_CACHE_HOME=$PWD/$logs/cache

for p in hello segv env mm; do
	gcc -O1 -static -o "$bin/$p-static" tests/guest/$p.c &&
		gcc -O1 -static-pie -fPIE -o "$bin/$p-static-pie" tests/guest/$p.c &&
		gcc -O1 -o "$bin/$p-dynamic" tests/guest/$p.c ||
		echo "guest tests: cannot compile $p.c"
done
gcc -O1 -static -nostdlib -fno-stack-protector -o "$bin/nolibc" tests/guest/nolibc.c ||
	echo "guest tests: cannot compile nolibc.c"

# ref COMMAND...: the host's run, the reference; bounded, so a program that
# hangs on the host fails its case with a reason instead of stalling CI.
ref() {
	timeout -k 5 60 "$@"
	local rc=$?
	if [ "$rc" = 124 ]; then
		echo "(the host's reference run did not finish in 60 s)"
	fi
	return 0
}

# guest NAME KEEL-ARGS... -- PROGRAM ARGS: sets rc and out (program output).
guest() {
	local name=$1
	shift
	timeout -k 5 150 "$keel" run -q --accel tcg -t 120 "$@" >"$logs/$name.log" 2>"$logs/$name.err"
	rc=$?
	out=$(tr -d '\r' <"$logs/$name.log" | grep -avE '^(keel|strace:)')
}

# kernel_said NAME: the kernel's console lines of case NAME (stderr, or
# stdout for a run whose console stayed there), CRs dropped.
kernel_said() {
	cat "$logs/$1.err" "$logs/$1.log" | tr -d '\r' | grep -aE '^(keel|strace:)'
}

# differs WANT GOT: where two outputs part, on one line: the first lines
# that differ (diff's own notation, at most 8 lines) and the line counts.
differs() {
	printf '%s lines vs %s lines; ' "$(wc -l <<<"$1")" "$(wc -l <<<"$2")"
	diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | head -8 | tr '\n' ' '
}

# case NAME WANT-STATUS WANT-OUTPUT KEEL-ARGS... -- PROGRAM ARGS
check() {
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	guest "$name" "$@"
	if [ "$rc" != "$want_rc" ]; then
		result "$name" 0 "status $rc, want $want_rc: $(kernel_said "$name" | tail -2 | tr '\n' ' ')"
	elif [ "$out" != "$want_out" ]; then
		result "$name" 0 "output differs from the reference (want → got): $(differs "$want_out" "$out")"
	else
		result "$name" 1
	fi
}

. tests/guest/oom_cases.sh
if [ "$mode" = oom ]; then
	oom_cases 20
	echo "guest: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

check nolibc 3 "nolibc: hello" -- "$bin/nolibc"

for kind in static static-pie dynamic; do
	want=$(ref "$bin/hello-$kind" one 'two words')
	check "hello-$kind" 7 "$want" -- "$bin/hello-$kind" one 'two words'

	want=$(cd /tmp && ref env -i GREETING=hi PATH=/usr/bin:/bin HOME=/ "$bin/env-$kind")
	want=${want//execfn=$bin/execfn=$bin} # same path in the guest
	check "env-$kind" 0 "$want" -e GREETING=hi -C /tmp -- "$bin/env-$kind"

	want=$(ref "$bin/mm-$kind")
	check "mm-$kind" 0 "$want" -- "$bin/mm-$kind"

	guest "segv-$kind" -- "$bin/segv-$kind"
	if [ "$rc" = 139 ] && grep -q "before the fault" <<<"$out" &&
		kernel_said "segv-$kind" | grep -q "keel: SIGSEGV: bad write at address 0000000000000000"; then
		result "segv-$kind" 1
	else
		result "segv-$kind" 0 "status $rc (want 139) or no fault report"
	fi
done

check busybox-echo 0 "hi there" -- /bin/busybox echo hi there
check luajit-exit 7 "hi" -- /usr/bin/luajit -e 'print("hi") os.exit(7)'

# LuaJIT's JIT: a hot loop compiles to a trace (the mcode allocator relies
# on mmap honouring its hints). -jv needs LuaJIT's own jit/*.lua modules.
jitlib=$(ls -d /usr/share/luajit-2.1* 2>/dev/null | head -1)
guest luajit-jit --file tests/guest/lua/loop.lua:/loop.lua ${jitlib:+--file "$jitlib"} \
	-- /usr/bin/luajit -jv /loop.lua
if [ "$rc" = 0 ] && grep -qE '^\[TRACE +1 /loop.lua:[0-9]+ loop\]' <<<"$out" &&
	grep -qP '^sum\t599997$' <<<"$out" && ! grep -q "failed to allocate mcode" "$logs/luajit-jit.log" "$logs/luajit-jit.err"; then
	result luajit-jit 1
else
	result luajit-jit 0 "status $rc, or no '[TRACE 1 ... loop]' line, or an mcode failure"
fi
want=$(ref luajit tests/guest/lua/ffi_files.lua "/tmp/keel-ffi-$$.txt")
check luajit-ffi-files 0 "$want" -C /tmp --file tests/guest/lua/ffi_files.lua:/ffi_files.lua \
	-- /usr/bin/luajit /ffi_files.lua "/tmp/keel-ffi-$$.txt"

# musl: Debian's musl-gcc -static-pie alone links ld-musl as interpreter
# (its specs file), so the static-pie is linked by hand with rcrt1.o.
M=/usr/lib/x86_64-linux-musl
if command -v musl-gcc >/dev/null && [ -f $M/rcrt1.o ] &&
	musl-gcc -O1 -fPIE -static-pie -nostartfiles $M/rcrt1.o $M/crti.o tests/guest/hello.c $M/crtn.o \
		-Wl,--no-dynamic-linker -Wl,-Bstatic -o "$bin/hello-musl-static-pie"; then
	want=$(ref "$bin/hello-musl-static-pie" one 'two words')
	check hello-musl-static-pie 7 "$want" -- "$bin/hello-musl-static-pie" one 'two words'
else
	result hello-musl-static-pie 0 "musl-gcc (musl-tools) missing or failed: run make deps"
fi

# busybox (static): sh with builtins, and applets that need no fork, each
# compared with the same command on the host over the same files.
bb=/bin/busybox
printf 'pear\napple\nfig\n' >"$logs/fruit.txt"
bbcase() { # name command...
	local name=$1
	shift
	local want
	want=$(cd "$PWD/$logs" && ref "$bb" "$@" 2>&1)
	check "busybox-$name" 0 "$want" -C /data --file "$PWD/$logs/fruit.txt:/data/fruit.txt" -- "$bb" "$@"
}
bbcase sh-builtins sh -c 'x=$((6*7)); echo "x=$x"; for w in a b; do printf "%s-" "$w"; done; echo; test -f fruit.txt && echo file; cd / && pwd'
bbcase cat cat fruit.txt
bbcase wc wc -l fruit.txt
bbcase sort sort fruit.txt
bbcase sha256sum sha256sum fruit.txt
guest busybox-ls -C / -- "$bb" ls -1 /
if [ "$rc" = 0 ] && grep -qx "bin" <<<"$out" && grep -qx "proc" <<<"$out" && grep -qx "dev" <<<"$out"; then
	result busybox-ls 1
else
	result busybox-ls 0 "status $rc; ls / lacks bin, proc or dev: $(tr '\n' ' ' <<<"$out")"
fi
guest busybox-df -- "$bb" df /
if [ "$rc" = 0 ] && grep -q "^Filesystem .*1K-blocks" <<<"$out" && ! kernel_said busybox-df | grep -q "syscall statfs"; then
	result busybox-df 1
else
	result busybox-df 0 "status $rc, or no df header, or an ENOSYS (statfs)"
fi
guest busybox-find -- "$bb" find / -maxdepth 3 -name busybox
if [ "$rc" = 0 ] && grep -qx "/usr/bin/busybox" <<<"$out"; then
	result busybox-find 1
else
	result busybox-find 0 "status $rc; find did not list /usr/bin/busybox: $(head -c 200 <<<"$out")"
fi

# What glibc's resolver reads, made at boot when the image has none:
# /etc/hosts (localhost and the node's name), /etc/resolv.conf pointing at
# /proc/net/pnp, which shows the command line's DNS server ("#MANUAL") or
# what DHCP gave ("#PROTO: DHCP"; QEMU's restricted user net offers no
# DNS server and no gateway). An image's own /etc/hosts is kept.
hosts=$(printf '127.0.0.1\tlocalhost\n127.0.1.1\tkeel\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters')
check etc-net-static 0 "$(printf '#MANUAL\nnameserver 10.0.2.3\n%s' "$hosts")" \
	--net user -k keel.ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3 -- \
	"$bb" cat /etc/resolv.conf /etc/hosts
check etc-net-dhcp 0 "$(printf '#PROTO: DHCP\nbootserver 10.0.2.2')" --net user -- "$bb" cat /etc/resolv.conf
printf '10.1.2.3 mine\n' >"$logs/hosts"
check etc-hosts-kept 0 "10.1.2.3 mine" --file "$PWD/$logs/hosts:/etc/hosts" -- "$bb" cat /etc/hosts

# Threads: pthreads (create/join, TLS, mutex and condvar ping-pong with
# exact totals, a spinner that must not starve the others), compared with
# the host; then the stress case 20 times in a row.
gcc -O1 -static -pthread -o "$bin/t_thread-static" tests/guest/t_thread.c &&
	gcc -O1 -pthread -o "$bin/t_thread-dynamic" tests/guest/t_thread.c ||
	echo "guest tests: cannot compile t_thread.c"
for kind in static dynamic; do
	want=$(ref "$bin/t_thread-$kind")
	check "t_thread-$kind" 0 "$want" -- "$bin/t_thread-$kind"
done
bad=0
for i in $(seq 20); do
	guest "t_thread-x20" -- "$bin/t_thread-static"
	[ "$rc" = 0 ] && grep -qx "t_thread: all ok" <<<"$out" || { bad=$i; break; }
done
if [ "$bad" = 0 ]; then result t_thread-x20 1; else result t_thread-x20 0 "run $bad of 20 failed (status $rc)"; fi

# Syscall families (tests/guest/t_*.c): each built static and dynamic, run
# on the host as the reference in a fresh empty directory, then in the
# guest with that directory as its cwd; the outputs must be the same and
# the status 0. Then sysfuzz (garbage to every implemented syscall) in the
# guest only: it is not safe on the host (it renames and truncates what
# its garbage names). Seeds are fixed, so a failure repeats: run
# `keel run -- build/guest/sysfuzz-static SEED 10000 v` to see each call.
for t in file dir pipe mem proc poll signal misc socket inotify splice pty aio netlink netlink_route mount ping seccomp jobctl nofile shm sysctl; do
	gcc -O1 -static -o "$bin/t_$t-static" tests/guest/t_$t.c &&
		gcc -O1 -o "$bin/t_$t-dynamic" tests/guest/t_$t.c ||
		echo "guest tests: cannot compile t_$t.c"
	for kind in static dynamic; do
		dir=$(mktemp -d /tmp/keel-t_$t.XXXXXX)
		want=$(cd "$dir" && ref "$bin/t_$t-$kind" 2>&1)
		rm -rf "$dir" && mkdir "$dir"
		if ! grep -qx "t_$t: 0 failed" <<<"$want"; then
			# The host's run failed its own checks, so it is no
			# reference: say so, and judge the guest by the same
			# checks (each knows the value Linux gives) alone.
			echo "note: t_$t-$kind: the host's own run failed ($(grep -v '^ok ' <<<"$want" | head -4 | tr '\n' ' ')); the guest is judged by its own checks only"
			guest "t_$t-$kind" -C "$dir" -- "$bin/t_$t-$kind"
			if [ "$rc" = 0 ] && grep -qx "t_$t: 0 failed" <<<"$out"; then
				result "t_$t-$kind" 1
			else
				result "t_$t-$kind" 0 "status $rc: $(grep -v '^ok ' <<<"$out" | head -6 | tr '\n' ' ')"
			fi
		else
			check "t_$t-$kind" 0 "$want" -C "$dir" -- "$bin/t_$t-$kind"
		fi
		rm -rf "$dir"
	done
done
# The vDSO (tests/guest/t_vdso.c): its ELF, its clocks against the
# syscalls, maps, fork and exec, the read-only clock page; static and
# dynamic, the host's run the reference. Then, in the guest only: the
# clock setters move the vDSO's real time (it sets the clock), and
# keel.strace sees no clock_gettime from a program calling it 200 times,
# but all 200 with vdso=0 (so the count can see them).
gcc -O1 -static -o "$bin/t_vdso-static" tests/guest/t_vdso.c &&
	gcc -O1 -o "$bin/t_vdso-dynamic" tests/guest/t_vdso.c ||
	echo "guest tests: cannot compile t_vdso.c"
for kind in static dynamic; do
	want=$(ref "$bin/t_vdso-$kind")
	check "t_vdso-$kind" 0 "$want" -- "$bin/t_vdso-$kind"
done
want=$(printf 'ok %s\n' auxv settime-before clock_settime settime-after \
	settime-moved settimeofday settimeofday-after settimeofday-moved)
check t_vdso-settime 0 "$want
t_vdso settime: 0 failed" -- "$bin/t_vdso-static" settime
for kind in static dynamic; do
	for vdso in on 0; do
		name=t_vdso-strace-$kind-$vdso
		guest "$name" -k keel.strace -k vdso=$vdso -- "$bin/t_vdso-$kind" loop 200
		n=$(kernel_said "$name" | grep -c '^strace: clock_gettime(')
		want=0
		[ "$vdso" = 0 ] && want=200
		if [ "$rc" != 0 ] || [ "$out" != "t_vdso loop: done" ]; then
			result "$name" 0 "status $rc, output: $(head -c 200 <<<"$out")"
		elif [ "$n" -lt "$want" ] || { [ "$want" = 0 ] && [ "$n" != 0 ]; }; then
			result "$name" 0 "keel.strace shows $n clock_gettime calls, want $([ "$want" = 0 ] && echo none || echo "$want or more")"
		else
			result "$name" 1
		fi
	done
done
# Settings root changes (t_sysctl.c "set"), in the guest only: they are
# the whole system's. min_free_kbytes reads back what was written;
# max_map_count lowered makes mmap ENOMEM with max + 1 areas (Linux's
# "count > max"), and mprotect's and munmap's splits at the limit too.
guest sysctl-set -- "$bin/t_sysctl-static" set
if [ "$rc" = 0 ] && grep -qx "t_sysctl set: 0 failed" <<<"$out"; then
	result sysctl-set 1
else
	result sysctl-set 0 "status $rc: $(grep -av '^ok ' <<<"$out" | head -6 | tr '\n' ' ')"
fi

# A signal's default action ends the program with status 128 + signal,
# as a shell reports it (the host's status is the reference).
gcc -O1 -static -o "$bin/sigdie" tests/guest/sigdie.c || echo "guest tests: cannot compile sigdie.c"
for what in pipe term abort kill usr1-blocked; do
	want=$(ref "$bin/sigdie" "$what")
	# dash, unlike bash, says nothing about a child a signal ended
	want_rc=$(sh -c '"$1" "$2" >/dev/null 2>&1; echo $?' sh "$bin/sigdie" "$what")
	check "sigdie-$what" "$want_rc" "$want" -- "$bin/sigdie" "$what"
done

# seccomp's deadly cases, each a program of its own: strict mode (SIGKILL,
# or exit(2) allowed: 3), KILL_PROCESS, KILL_THREAD of the only thread, a
# TRAP with SIGSYS at its default or blocked, a stack whose KILL wins, a
# division by zero in the filter (returns 0: KILL_THREAD): status and
# output as on the host (t_seccomp.c built above).
for what in strict strict-exit strict-prctl kill-process kill-thread trap-default trap-blocked stack-kill div-x; do
	want=$(ref "$bin/t_seccomp-static" "$what")
	want_rc=$(sh -c '"$1" "$2" >/dev/null 2>&1; echo $?' sh "$bin/t_seccomp-static" "$what")
	check "seccomp-$what" "$want_rc" "$want" -- "$bin/t_seccomp-static" "$what"
done

# Running out of memory (t_oom.c): its checks that are safe on any Linux
# against the host's run, then in the guest only (they take the whole
# system's memory or change its overcommit mode): 1 of each exhaustion
# case (make test-oom: 20 of each).
oom_cases 1

gcc -O1 -static -fno-stack-protector -o "$bin/sysfuzz-static" tests/guest/sysfuzz.c &&
	gcc -O1 -fno-stack-protector -o "$bin/sysfuzz-dynamic" tests/guest/sysfuzz.c ||
	echo "guest tests: cannot compile sysfuzz.c"
for run in static:1 static:2 static:3 dynamic:4; do
	kind=${run%:*} seed=${run#*:}
	guest "sysfuzz-$kind-$seed" -- "$bin/sysfuzz-$kind" "$seed" 10000
	if [ "$rc" = 0 ] && grep -q "^sysfuzz: 10000 calls, done$" <<<"$out"; then
		result "sysfuzz-$kind-$seed" 1
	else
		result "sysfuzz-$kind-$seed" 0 "status $rc (want 0) or no 'done' line: $(tail -2 "$logs/sysfuzz-$kind-$seed.log" | tr '\n' ' ')"
	fi
done

echo "guest: $pass passed, $fail failed"
[ "$fail" = 0 ]
