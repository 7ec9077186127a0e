#!/bin/bash
# tests.sh [fast|full] - keel on the real Xen hypervisor, nested under QEMU
# (tests/xen/run.sh). fast: one boot running every self-test (part of `make
# test`). full (`make test-xen`): also a deliberate crash, xl shutdown of an
# idle guest, 1 MiB of console output, what keel xl writes, Linux programs
# and the ljsyscall suite against tests/ljsyscall/causes.txt. Prints
# "PASS name"/"FAIL name: why" per case and "xen: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
mode=${1:-fast}
elf=${KEEL_ELF:-build/keel.elf}
logs=build/xen-logs
mkdir -p "$logs"

prefix=xen-
. tests/lib.sh
if [ "$mode" = full ]; then plan 25; else plan 3; fi

boot() { # name run.sh-args... ; sets rc, log
	log="$logs/$1.log"
	shift
	bash tests/xen/run.sh "$elf" --log "$log" "$@" >"$log.out" 2>&1
	rc=$?
}

if [ ! -f "$elf" ]; then
	result setup 0 "no kernel at $elf (run make first)"
	echo "xen: $pass passed, $fail failed"
	exit 1
fi

# The test bed itself must work; if it cannot, that is a failure, not a skip.
if ! bash tests/xen/setup.sh >"$logs/setup.log" 2>&1; then
	tail -5 "$logs/setup.log"
	result setup 0 "the nested Xen test bed could not be built (see $logs/setup.log)"
	echo "xen: $pass passed, $fail failed"
	exit 1
fi

# Every self-test of tests/boot/selftests.txt, the initrd one with a ramdisk.
selftests_initrd "$logs/selftests.cpio"
boot selftests --cmdline "keel.test=all" --ramdisk "$logs/selftests.cpio" --timeout 120
why=$(selftests_check "$log" xen)
if [ "$rc" != 0 ]; then
	result selftests 0 "run.sh exit $rc: $(grep -a XENBED-RESULT "$log" | head -1); $(grep -aE 'guest: (selftest [a-z0-9-]+: FAIL|  check failed|  heap leak)' "$log" | sed 's/.*guest: //' | head -4 | tr '\n' ' ')"
elif [ "$why" != ok ]; then
	result selftests 0 "$why"
elif ! grep -aq "guest: .*cr2 check: ok" "$log"; then
	result selftests 0 "no CR2 self-check line"
else
	result selftests 1
fi

# A disk on blkfront: written by the guest, compared by dom0.
. tests/xen/blk.sh
xen_blk_case blk rw

if [ "$mode" = full ]; then
	xen_blk_case blk-ro ro
	xen_ext2_case
	boot crash --cmdline "keel.test=fault-null" --timeout 60
	if [ "$rc" != 2 ] || ! grep -aq "XENBED-RESULT reason=crash status=127" "$log"; then
		result crash 0 "run.sh exit $rc, want 2 with reason=crash status=127"
	elif ! grep -aqE "guest:   #[0-9]+ [0-9a-f]{16} fault_null_target" "$log"; then
		result crash 0 "backtrace does not name fault_null_target"
	else
		result crash 1
	fi

	boot shutdown --cmdline "keel.test=idle" --action shutdown-after:3 --timeout 60
	asked=$(sed -n 's/.*guest: keel: the host asked to poweroff at \([0-9]*\) ms.*/\1/p' "$log" | head -1)
	stopped=$(sed -n 's/.*guest: keel: stopping at \([0-9]*\) ms.*/\1/p' "$log" | head -1)
	if [ "$rc" != 0 ] || [ -z "$asked" ] || [ -z "$stopped" ]; then
		result shutdown 0 "run.sh exit $rc; request seen at '${asked:-never}' ms"
	elif [ $((stopped - asked)) -ge 20000 ]; then
		# Generous: what it checks is that the request is acted on at all
		# (an idle guest that ignores it runs to its 60 s timeout); the
		# time it took is printed, not judged, as a paused vCPU stretches it.
		result shutdown 0 "took $((stopped - asked)) ms of guest time to stop"
	else
		echo "  xl shutdown: stopped $((stopped - asked)) ms after the request"
		result shutdown 1
	fi

	boot console-flood --cmdline "keel.test=console-flood" --timeout 200
	if [ "$rc" = 0 ] && why=$(python3 tests/tools/flood-check.py "$log" "guest: " 2>&1); then
		echo "  $why"
		result console-flood 1
	else
		result console-flood 0 "run.sh exit $rc; ${why:-}"
	fi

	# What keel xl writes boots on Xen: with the initrd as the domain's
	# ramdisk (running the initrd self-test), and as one file (--single)
	# running its program, /bin/true.
	for v in module single; do
		dir=$logs/xl-$v
		rm -rf "$dir"
		if [ $v = module ]; then
			args=(-k keel.test=initrd)
		else
			args=(--single)
		fi
		if ! build/keel xl -q -o "$dir" --guest-dir /guest -m 16 "${args[@]}" -- /bin/true >"$logs/xl-$v.log" 2>&1; then
			result xl-$v 0 "keel xl failed: $(tail -1 "$logs/xl-$v.log")"
			continue
		fi
		log="$logs/xl-$v.log"
		bash tests/xen/run.sh --xl-dir "$dir" --timeout 60 --log "$log" >"$log.out" 2>&1
		rc=$?
		if [ $v = module ]; then
			if [ "$rc" = 0 ] && grep -aqE "guest: initrd: [0-9]+ bytes, [0-9]+ entries \(module\)" "$log"; then
				result xl-$v 1
			else
				result xl-$v 0 "run.sh exit $rc; want 0 and an initrd from the ramdisk"
			fi
		elif [ "$rc" = 0 ] && grep -aq "guest: keel: program: /bin/true" "$log" &&
			grep -aqE "guest: initrd: .*\(embedded\)" "$log"; then
			result xl-$v 1
		else
			result xl-$v 0 "run.sh exit $rc; want /bin/true run from an embedded initrd, status 0"
		fi
	done

	# Linux programs on Xen, from keel xl --single images: their output
	# and their exit status through xenstore (tests/guest/ has QEMU's side).
	# $input, when set, is typed at the guest's console.
	program() { # name status output-line keel-xl-args... -- PROGRAM ARGS
		local name=$1 status=$2 line=$3 dir=$logs/xl-$1 log=$logs/$1.log
		shift 3
		rm -rf "$dir"
		build/keel xl -q -o "$dir" --guest-dir /guest --single "$@" >"$log.out" 2>&1 &&
			bash tests/xen/run.sh --xl-dir "$dir" --timeout 60 --log "$log" \
				${input:+--input "$input"} >>"$log.out" 2>&1
		rc=$?
		if [ "$rc" = $((status == 0 ? 0 : 1)) ] &&
			grep -aq "XENBED-RESULT reason=poweroff status=$status" "$log" &&
			grep -aq "guest: $line" "$log"; then
			result "$name" 1
		else
			result "$name" 0 "exit $rc; want '$line' and status $status via xenstore"
		fi
	}
	mkdir -p build/guest
	if gcc -O1 -static -nostdlib -fno-stack-protector -o build/guest/nolibc tests/guest/nolibc.c; then
		program program 3 "nolibc: hello" -- build/guest/nolibc
	else
		result program 0 "cannot compile tests/guest/nolibc.c"
	fi
	program luajit 7 "hi from luajit" -m 32 -k keel.quiet \
		-- /usr/bin/luajit -e 'print("hi from luajit") os.exit(7)'
	jitlib=$(ls -d /usr/share/luajit-2.1* 2>/dev/null | head -1)
	program luajit-jit 0 "\[TRACE   1 /loop.lua:[0-9]* loop\]" -m 32 -k keel.quiet \
		--file tests/guest/lua/loop.lua:/loop.lua ${jitlib:+--file "$jitlib"} \
		-- /usr/bin/luajit -jv /loop.lua
	program luajit-ffi 0 "removed	true" -m 32 -k keel.quiet -C /tmp \
		--file tests/guest/lua/ffi_files.lua:/ffi_files.lua -- /usr/bin/luajit /ffi_files.lua
	program busybox 0 "x=42 in /" -m 16 -k keel.quiet \
		-- /bin/busybox sh -c 'x=$((6*7)); cd /; echo "x=$x in $PWD"'
	# Console input: a line typed at the guest's console (dom0 writes it
	# to the pty xenconsoled made) reaches the program's stdin.
	printf 'typed on xen\n' >"$logs/input.txt"
	input=$logs/input.txt program console-input 0 "got: typed on xen" -m 16 \
		-k keel.quiet -- /bin/busybox sh -c 'read line; echo "got: $line"'
	if gcc -O1 -static -o build/guest/hello-static tests/guest/hello.c; then
		program static 7 "hello from .* with 3 args: \[a\] \[b c\]" -k keel.quiet \
			-- build/guest/hello-static a 'b c'
	else
		result static 0 "cannot compile tests/guest/hello.c"
	fi
	if gcc -O1 -static -pthread -o build/guest/t_thread-static tests/guest/t_thread.c; then
		program threads 0 "t_thread: all ok" -k keel.quiet -- build/guest/t_thread-static
	else
		result threads 0 "cannot compile tests/guest/t_thread.c"
	fi
	# The vDSO on Xen: the pvclock is not readable from user mode, so the
	# clock page says so and every vDSO call takes the syscall; the
	# vDSO's checks all hold (tests/guest/t_vdso.c), and keel.strace sees
	# all 50 clock_gettime calls of a loop (on QEMU it sees none).
	if gcc -O1 -static -o build/guest/t_vdso-static tests/guest/t_vdso.c; then
		program vdso 0 "t_vdso: 0 failed" -k keel.quiet -- build/guest/t_vdso-static
		program vdso-syscalls 0 "t_vdso loop: done" -k keel.quiet -k keel.strace \
			-- build/guest/t_vdso-static loop 50
		n=$(grep -ac 'strace: clock_gettime(' "$logs/vdso-syscalls.log")
		if [ "$n" = 50 ]; then
			result vdso-fallback 1
		else
			result vdso-fallback 0 "keel.strace shows $n clock_gettime calls, want 50"
		fi
	else
		for c in vdso vdso-syscalls vdso-fallback; do
			result $c 0 "cannot compile tests/guest/t_vdso.c"
		done
	fi
	# Debian's ljsyscall suite in luajit, as make run-xen runs it, with
	# the failures tests/ljsyscall/causes.txt allows, as conformance.sh.
	. tests/ljsyscall/lib.sh
	if ljs_installed; then
		log=$logs/ljsyscall.log
		rm -f build/ljsyscall/xen.txt
		touch -d '2 seconds ago' "$logs/ljsyscall.mark" # xen.txt must be newer
		bash tests/ljsyscall/run.sh --xen -t 300 >"$log" 2>&1
		why=$(ljs_check build/ljsyscall/xen.txt "$logs/ljsyscall.mark")
		if [ "$why" = ok ]; then
			ljs_report build/ljsyscall/xen.txt | sed 's/^  /  ljsyscall on Xen: /'
			result ljsyscall 1
		else
			result ljsyscall 0 "$why"
		fi
	else
		result ljsyscall 0 "lua-ljsyscall is not installed (make deps)"
	fi
	M=/usr/lib/x86_64-linux-musl # static-pie by hand: see tests/guest/run.sh
	if musl-gcc -O1 -fPIE -static-pie -nostartfiles $M/rcrt1.o $M/crti.o tests/guest/hello.c \
		$M/crtn.o -Wl,--no-dynamic-linker -Wl,-Bstatic -o build/guest/hello-musl-static-pie; then
		program musl-static-pie 7 "hello from .* with 2 args: \[x\]" -k keel.quiet \
			-- build/guest/hello-musl-static-pie x
	else
		result musl-static-pie 0 "cannot build a musl static-pie (make deps installs musl-tools)"
	fi
fi

echo "xen: $pass passed, $fail failed"
[ "$fail" = 0 ]
