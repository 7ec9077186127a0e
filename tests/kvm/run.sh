#!/bin/bash
# run.sh - keel under KVM (a suite of `make test`). First the host check
# (tests/kvm/hostcheck.sh, a minimal guest with no keel code) boots under
# TCG, where it must find the machine sound: that shows the check can
# tell. Where /dev/kvm opens it boots under KVM too and gives the host's
# verdict, and keel run's own probe (tools/keel/kvm.c) must agree with it:
#   - sound host, probe says kvm: the self-tests and a luajit program boot
#     under --accel kvm and must pass as they do under TCG;
#   - defective host (docs/kvm.md), probe says tcg: `keel run --accel kvm`
#     must say why KVM cannot run keel and still run the program, under
#     TCG; a cached "ok" that KVM then disproves is caught in the run
#     (stale-probe: no wait for the timeout, the program under TCG, the
#     cache turned to "no"); the KVM boots are skipped with that reason
#     printed;
#   - a sound host that keel refuses is a failure (keel's bug), and so is
#     a probe that prints no accelerator line.
# Without a usable /dev/kvm only the TCG control runs, and a line says why.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
keel=$PWD/build/keel
logs=build/kvm-logs
prefix=kvm-
mkdir -p "$logs"
. tests/lib.sh
export XDG_CACHE_HOME=$PWD/$logs/cache
prog='local s = 0 for i = 1, 1e6 do s = s + i end print("sum", s) os.exit(3)'

bash tests/kvm/hostcheck.sh tcg "$logs/hostcheck" >"$logs/hostcheck-tcg.log" 2>&1
tcg_verdict=$(grep -a '^hostcheck: verdict' "$logs/hostcheck-tcg.log")

if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
	plan 1
	[ "$tcg_verdict" = "hostcheck: verdict sound" ]
	result hostcheck-tcg $((!$?)) "under TCG: ${tcg_verdict:-no verdict}"
	echo "SKIP kvm: /dev/kvm cannot be opened here; every other suite runs under TCG"
	echo "kvm: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi
exec 3>&-

bash tests/kvm/hostcheck.sh kvm "$logs/hostcheck" >"$logs/hostcheck-kvm.log" 2>&1
verdict=$(grep -a '^hostcheck: verdict' "$logs/hostcheck-kvm.log")
sed 's/^/  /' "$logs/hostcheck-kvm.log"
timeout 120 "$keel" run -k keel.test=none -- /bin/true >"$logs/probe.log" 2>&1
line=$(grep -a '^keel: accelerator: ' "$logs/probe.log" | head -1)
echo "  $line"

case "$verdict|$line" in
*"|keel: accelerator: kvm "*) plan 4 ;;
"hostcheck: verdict sound|keel: accelerator: tcg "*) plan 3 ;;
*"|keel: accelerator: tcg "*) plan 4 ;;
*) plan 3 ;;
esac
[ "$tcg_verdict" = "hostcheck: verdict sound" ]
result hostcheck-tcg $((!$?)) "under TCG: ${tcg_verdict:-no verdict}"
[ -n "$verdict" ]
result hostcheck-kvm $((!$?)) "no verdict under KVM"

case "$line" in
"keel: accelerator: kvm "*)
	timeout 300 "$keel" run -q --accel kvm -k keel.test=all -- /bin/true >"$logs/selftests.log" 2>&1
	rc=$?
	why=$(selftests_check "$logs/selftests.log")
	[ "$rc" = 0 ] && [ "$why" = ok ]
	result selftests $((!$?)) "status $rc; $why"
	timeout 300 "$keel" run --accel kvm -- /usr/bin/luajit -e "$prog" >"$logs/luajit.log" 2>&1
	rc=$?
	[ "$rc" = 3 ] && grep -q '^sum	500000500000$' "$logs/luajit.log" &&
		grep -q '^keel: accelerator: kvm (as asked)' "$logs/luajit.log"
	result luajit $((!$?)) "status $rc, want 3, the sum and KVM"
	;;
"keel: accelerator: tcg "*)
	why=${line#*(KVM: }
	why=${why%)}
	if [ "$verdict" = "hostcheck: verdict sound" ]; then
		result fallback 0 "the host check finds this KVM sound, yet keel does not use it: $why"
	else
		# Asked for KVM on a host that cannot run keel: a warning with
		# the reason, and the program still runs (under TCG).
		timeout 300 "$keel" run -q --accel kvm -- /usr/bin/luajit -e "$prog" >"$logs/fallback.log" 2>&1
		rc=$?
		[ "$rc" = 3 ] && grep -q '^sum	500000500000$' "$logs/fallback.log" &&
			grep -q '^keel: warning: --accel kvm: KVM cannot run keel here (.*); using TCG$' "$logs/fallback.log"
		result fallback $((!$?)) "status $rc, want 3, the sum and the warning"
		# A cached "ok" that a run then disproves (the probe boot does
		# less than a program does): QEMU pauses on KVM's internal error;
		# keel must stop it, say so, run the program under TCG (nothing
		# was lost: it had not started) and cache "no" from then on.
		# Waiting for the timeout instead would end in 124.
		stamp=$XDG_CACHE_HOME/keel/kvm-probe
		sed -i '2s/.*/ok a probe boot took 0.10 s (forged by tests\/kvm)/' "$stamp"
		echo 'from stdin' | timeout 300 "$keel" run -t 240 -- /usr/bin/luajit -e "$prog; io.read('*a')" >"$logs/stale.log" 2>&1
		rc=$?
		[ "$rc" = 3 ] && grep -q '^sum	500000500000$' "$logs/stale.log" &&
			grep -q '^keel: accelerator: kvm (KVM: a probe boot took 0.10 s (forged by tests/kvm) (cached))' "$logs/stale.log" &&
			grep -q '^keel: warning: KVM stopped the guest before its program started (KVM internal error.*); running it under TCG' "$logs/stale.log" &&
			! grep -q '^KVM internal error\|^RAX=' "$logs/stale.log" &&
			sed -n 2p "$stamp" | grep -q '^no a run stopped under KVM: KVM internal error'
		result stale-probe $((!$?)) "status $rc, want 3, the sum, the warning, no QEMU dump, the cache turned to no ($(sed -n 2p "$stamp"))"
		echo "SKIP kvm: keel under KVM: this KVM cannot run keel (${verdict#hostcheck: verdict }; keel's probe: $why)"
	fi
	;;
*)
	result probe 0 "keel run printed no accelerator line (the probe run's log: $logs/probe.log)"
	;;
esac
echo "kvm: $pass passed, $fail failed"
[ "$fail" = 0 ]
