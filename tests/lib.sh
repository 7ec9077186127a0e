# lib.sh - shared by the shell test suites (sourced): the pass/fail counters
# and the one-line verdict each case prints. The caller sets $logs and
# $prefix (prepended to case names, may be empty).
pass=0 fail=0

result() { # name ok why
	if [ "$2" = 1 ]; then
		echo "PASS ${prefix:-}$1"
		pass=$((pass + 1))
	else
		echo "FAIL ${prefix:-}$1: $3 (log: $logs/$1.log)"
		fail=$((fail + 1))
	fi
}
