#!/bin/bash
# run.sh - Linux programs in the guest (keel run, QEMU TCG): small C
# programs from tests/guest/ built static, static-pie and dynamic, each
# also run on the host as the reference, and Debian's own binaries
# (busybox-static, luajit). The program's output is the console minus the
# kernel's lines (keel run passes keel.quiet, so only those starting
# "keel" or "strace:" remain). PASS/FAIL per case;
# logs in build/guest-logs.
set -u
cd "$(dirname "$0")/../.."
keel=$PWD/build/keel
logs=build/guest-logs
bin=$PWD/build/guest
rm -rf "$logs"
mkdir -p "$logs" "$bin"
prefix=guest-
. tests/lib.sh
export XDG_CACHE_HOME=$PWD/$logs/cache

for p in hello segv env mm; do
	gcc -O1 -static -o "$bin/$p-static" tests/guest/$p.c &&
		gcc -O1 -static-pie -fPIE -o "$bin/$p-static-pie" tests/guest/$p.c &&
		gcc -O1 -o "$bin/$p-dynamic" tests/guest/$p.c ||
		echo "guest tests: cannot compile $p.c"
done
gcc -O1 -static -nostdlib -fno-stack-protector -o "$bin/nolibc" tests/guest/nolibc.c ||
	echo "guest tests: cannot compile nolibc.c"

# guest NAME KEEL-ARGS... -- PROGRAM ARGS: sets rc and out (program output).
guest() {
	local name=$1
	shift
	timeout 300 "$keel" run -q --accel tcg -t 240 "$@" >"$logs/$name.log" 2>"$logs/$name.err"
	rc=$?
	out=$(tr -d '\r' <"$logs/$name.log" | grep -avE '^(keel|strace:)')
}

# case NAME WANT-STATUS WANT-OUTPUT KEEL-ARGS... -- PROGRAM ARGS
check() {
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	guest "$name" "$@"
	if [ "$rc" != "$want_rc" ]; then
		result "$name" 0 "status $rc, want $want_rc: $(tail -2 "$logs/$name.log" | tr '\n' ' ')"
	elif [ "$out" != "$want_out" ]; then
		result "$name" 0 "output differs: got '$(head -c 200 <<<"$out")', want '$(head -c 200 <<<"$want_out")'"
	else
		result "$name" 1
	fi
}

check nolibc 3 "nolibc: hello" -- "$bin/nolibc"

for kind in static static-pie dynamic; do
	want=$("$bin/hello-$kind" one 'two words')
	check "hello-$kind" 7 "$want" -- "$bin/hello-$kind" one 'two words'

	want=$(cd /tmp && env -i GREETING=hi PATH=/usr/bin:/bin HOME=/ "$bin/env-$kind")
	want=${want//execfn=$bin/execfn=$bin} # same path in the guest
	check "env-$kind" 0 "$want" -e GREETING=hi -C /tmp -- "$bin/env-$kind"

	want=$("$bin/mm-$kind")
	check "mm-$kind" 0 "$want" -- "$bin/mm-$kind"

	guest "segv-$kind" -- "$bin/segv-$kind"
	if [ "$rc" = 139 ] && grep -q "before the fault" <<<"$out" &&
		grep -aq "keel: SIGSEGV: bad write at address 0000000000000000" "$logs/segv-$kind.log"; then
		result "segv-$kind" 1
	else
		result "segv-$kind" 0 "status $rc (want 139) or no fault report"
	fi
done

check busybox-echo 0 "hi there" -- /bin/busybox echo hi there
check luajit-exit 7 "hi" -- /usr/bin/luajit -e 'print("hi") os.exit(7)'

echo "guest: $pass passed, $fail failed"
[ "$fail" = 0 ]
