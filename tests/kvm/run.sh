#!/bin/bash
# run.sh - keel under KVM (a suite of `make test`): when keel run's own
# probe (tools/keel/run.c, kvm_works) finds that KVM works on this
# machine, the self-tests and a luajit program boot under --accel kvm and
# must pass as they do under TCG. When it does not, the suite plans no
# case and prints one line saying why (the probe's reason); every other
# suite already runs under TCG.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
keel=$PWD/build/keel
logs=build/kvm-logs
prefix=kvm-
mkdir -p "$logs"
. tests/lib.sh
export XDG_CACHE_HOME=$PWD/$logs/cache

timeout 120 "$keel" run -k keel.test=none -- /bin/true >"$logs/probe.log" 2>&1
line=$(grep -a '^keel: accelerator: ' "$logs/probe.log" | head -1)
case "$line" in
"keel: accelerator: kvm "*) ;;
"keel: accelerator: tcg "*)
	plan 0
	why=${line#*(KVM: }
	echo "SKIP kvm: KVM does not work here (${why%)}); every other suite runs under TCG"
	exit 0
	;;
*)
	plan 1
	result probe 0 "keel run printed no accelerator line (status of the probe run in $logs/probe.log)"
	exit 1
	;;
esac

plan 2
timeout 300 "$keel" run -q --accel kvm -k keel.test=all -- /bin/true >"$logs/selftests.log" 2>&1
rc=$?
why=$(selftests_check "$logs/selftests.log")
if [ "$rc" = 0 ] && [ "$why" = ok ]; then
	result selftests 1
else
	result selftests 0 "status $rc; $why"
fi
timeout 300 "$keel" run -q --accel kvm -- /usr/bin/luajit -e 'local s = 0 for i = 1, 1e6 do s = s + i end print("sum", s) os.exit(3)' \
	>"$logs/luajit.log" 2>&1
rc=$?
if [ "$rc" = 3 ] && grep -q '^sum	500000500000$' "$logs/luajit.log"; then
	result luajit 1
else
	result luajit 0 "status $rc, want 3 and the sum"
fi
echo "kvm: $pass passed, $fail failed"
[ "$fail" = 0 ]
