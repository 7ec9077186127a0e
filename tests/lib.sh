# lib.sh - shared by the shell test suites (sourced): the pass/fail counters
# and the one-line verdict each case prints. The caller sets $logs and
# $prefix (prepended to case names, may be empty).
pass=0 fail=0

# plan N: the number of cases this suite reports, printed before the first
# (tests/run.sh fails a suite that reports fewer or more, or none).
plan() { echo "PLAN $1"; }

result() { # name ok why
	if [ "$2" = 1 ]; then
		echo "PASS ${prefix:-}$1"
		pass=$((pass + 1))
	else
		echo "FAIL ${prefix:-}$1: $3 (log: $logs/$1.log)"
		fail=$((fail + 1))
	fi
}

# selftests_names [pass|skip] [xen]: the self-tests of tests/boot/selftests.txt
# that must pass (or, with skip, must say skipped) on QEMU or on Xen, sorted.
selftests_names() {
	sed 's/#.*//' tests/boot/selftests.txt | awk -v want="$1" -v on="${2:-}" \
		'NF { skip = on == "xen" && $2 == "xen-skips"; if ((want == "skip") == skip) print $1 }' |
		LC_ALL=C sort
}

# selftests_initrd OUT: a one-file initrd for the initrd self-test.
selftests_initrd() {
	(cd tests/boot && echo selftests.txt | cpio -o -H newc --quiet -R 0:0) >"$1"
}

# selftests_check LOG [xen]: "ok" when LOG (a serial log, any line prefix)
# shows every self-test of tests/boot/selftests.txt passing under
# keel.test=all, none failed, none skipped (on Xen: exactly those marked
# xen-skips skipped), and no test missing from the list; else why.
selftests_check() {
	local log=$1 on=${2:-} text want skip got okd skd sum n s
	want=$(selftests_names pass "$on")
	skip=$(selftests_names skip "$on")
	text=$(tr -d '\r' <"$log")
	got=$(grep -aoE 'selftest [a-z0-9-]+: (ok|FAIL|skipped)' <<<"$text")
	okd=$(echo "$got" | sed -n 's/^selftest \(.*\): ok$/\1/p' | LC_ALL=C sort -u)
	skd=$(echo "$got" | sed -n 's/^selftest \(.*\): skipped$/\1/p' | LC_ALL=C sort -u)
	sum=$(grep -aoE 'selftests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped of [0-9]+' <<<"$text" | tail -1)
	n=$(echo "$want" | grep -c .)
	s=$(echo "$skip" | grep -c .)
	if [ -z "$sum" ]; then
		echo "no 'selftests: ... of N' summary"
	elif [ "$sum" != "selftests: $n passed, 0 failed, $s skipped of $((n + s))" ]; then
		echo "'$sum', want $n of tests/boot/selftests.txt passing and $s skipped:" \
			$(echo "$got" | grep -v ': ok$' | sed 's/^selftest //')
	elif [ "$skd" != "$skip" ]; then
		echo "skipped: '$(echo $skd)', want '$(echo $skip)'"
	elif [ "$okd" != "$want" ]; then
		echo "the tests that passed are not those of tests/boot/selftests.txt" \
			"(< listed only, > run only):" $(diff <(echo "$want") <(echo "$okd") | grep '^[<>]')
	else
		echo ok
	fi
}
