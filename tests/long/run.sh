#!/bin/bash
# run.sh - make test-long: the in-guest syscall fuzzer (tests/guest/sysfuzz.c)
# at length. make test runs it 4 times for 10,000 calls; here each seed
# makes 1,000,000 calls: 8 seeds static and 2 dynamic on QEMU (one of them in
# a 32 MiB guest, where garbage lengths run into the memory limits), then one
# seed on the real Xen hypervisor in the nested test bed (tests/xen/run.sh).
# Every call must get a result or an error: a kernel fault is a panic
# (status 127), and a run passes only with status 0 and its "N calls, done"
# line. Seeds are fixed, so a failure repeats: `keel run --
# build/guest/sysfuzz-static SEED CALLS v` prints each call.
# Knobs: CALLS (1000000), XEN=0 (skip the Xen run, saying so).
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
CALLS=${CALLS:-1000000}
[[ $CALLS =~ ^[1-9][0-9]*$ ]] || {
	echo "tests/long/run.sh: bad CALLS=$CALLS"
	exit 2
}
logs=build/long-logs bin=build/guest
prefix=long-
mkdir -p "$logs" "$bin"
. tests/lib.sh
if [ "${XEN:-1}" = 0 ]; then plan 10; else plan 11; fi

# fuzz_ok LOG: the run's last words are the done line (status checked apart).
fuzz_ok() { grep -aq "sysfuzz: $CALLS calls, done" "$1"; }

built=1
gcc -O1 -static -fno-stack-protector -o "$bin/sysfuzz-static" tests/guest/sysfuzz.c &&
	gcc -O1 -fno-stack-protector -o "$bin/sysfuzz-dynamic" tests/guest/sysfuzz.c || built=0

t0=$(date +%s)
for run in static:101 static:102 static:103 static:104 static:105 static:106 static:107 \
	static:108:32M dynamic:109 dynamic:110; do
	IFS=: read -r kind seed mem <<<"$run"
	name=sysfuzz-$kind-$seed${mem:+-$mem}
	log=$logs/$name.log
	if [ "$built" = 0 ]; then
		result "$name" 0 "cannot compile tests/guest/sysfuzz.c"
		continue
	fi
	timeout 900 build/keel run -q --accel tcg -m "${mem:-64M}" -t 800 \
		-- "$bin/sysfuzz-$kind" "$seed" "$CALLS" >"$log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && fuzz_ok "$log"; then
		result "$name" 1
	else
		result "$name" 0 "status $rc (want 0) or no done line: $(tail -3 "$log" | tr '\n' ' ')"
	fi
done
echo "long: QEMU runs took $(($(date +%s) - t0)) s"

# Once on Xen: a keel xl image of the static fuzzer, in the nested bed.
name=sysfuzz-xen-111 log=$logs/sysfuzz-xen-111.log dir=$logs/xl-sysfuzz
if [ "${XEN:-1}" = 0 ]; then
	echo "SKIP long-$name: XEN=0 was given"
elif [ "$built" = 0 ]; then
	result "$name" 0 "cannot compile tests/guest/sysfuzz.c"
elif ! bash tests/xen/setup.sh >"$logs/xen-setup.log" 2>&1; then
	result "$name" 0 "the nested Xen test bed could not be built (see $logs/xen-setup.log)"
else
	rm -rf "$dir"
	t0=$(date +%s)
	build/keel xl -q -o "$dir" --guest-dir /guest --single -m 64 -k keel.quiet \
		-- "$bin/sysfuzz-static" 111 "$CALLS" >"$log.out" 2>&1 &&
		bash tests/xen/run.sh --xl-dir "$dir" --timeout 2400 --log "$log" >>"$log.out" 2>&1
	rc=$?
	echo "long: the Xen run took $(($(date +%s) - t0)) s"
	if [ "$rc" = 0 ] && grep -aq "XENBED-RESULT reason=poweroff status=0" "$log" && fuzz_ok "$log"; then
		result "$name" 1
	else
		result "$name" 0 "exit $rc: $(grep -a XENBED-RESULT "$log" | head -1); $(grep -a 'guest: ' "$log" | tail -3 | tr '\n' ' ')"
	fi
fi
echo "long: $pass passed, $fail failed"
[ "$fail" = 0 ]
