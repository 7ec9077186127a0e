# suite.sh - how tests/run.sh judges what it runs (sourced; the caller has
# the counters pass and fail): suites of shell cases, and the unit test
# programs. tests/harness/run.sh plants failures in both to show they fail.

# suite TITLE LIMIT COMMAND...: run a suite that prints "PLAN N" (how many
# cases it runs) and then PASS/FAIL lines, show them as they come, count
# them. The suite fails when it reports a different number of cases than
# it planned (it died part-way, or the plan is stale), when it exits
# non-zero with no FAIL line, or when it is still running after LIMIT
# seconds (CI has a hard time limit). Each shortfall is one more failure,
# named in the list printed before the total.
short=()
suite() {
	local title=$1 limit=$2 out rc p f n t0=$SECONDS why=
	shift 2
	echo "== $title"
	out=$(mktemp)
	timeout -k 10 "$limit" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS' "$out")
	f=$(grep -c '^FAIL' "$out")
	n=$(sed -n 's/^PLAN \([0-9][0-9]*\)$/\1/p' "$out" | head -1)
	rm -f "$out"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="still running after $limit s, stopped"
	elif [ -z "$n" ]; then
		why="printed no PLAN line"
	elif [ $((p + f)) != "$n" ]; then
		why="reported $((p + f)) results of the $n it plans"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		why="exited with status $rc and no FAIL line"
	fi
	if [ -n "$why" ]; then
		echo "FAIL $*: $why"
		short+=("$title: $why")
		f=$((f + 1))
	fi
	echo "($((SECONDS - t0)) s)"
	pass=$((pass + p))
	fail=$((fail + f))
}

# unit PROGRAM: run one cmocka program and count its tests. A missing
# program, or one that ends without cmocka's "[==========] N test(s) run."
# line, is a failure whatever its exit status; so is a crash (a sanitizer
# report, an abort) before cmocka could count.
unit() {
	local t=$1 log rc p f
	if [ ! -x "$t" ]; then
		echo "FAIL $(basename "$t"): not built"
		fail=$((fail + 1))
		return
	fi
	log=$(timeout -k 5 300 "$t" 2>&1)
	rc=$?
	p=$(echo "$log" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$log" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	if ! echo "$log" | grep -qE '^\[=+\] [0-9]+ test\(s\) run\.'; then
		[ "$rc" != 0 ] || rc=1
		f=$((${f:-0} + 1))
		log="$log
ERROR: no cmocka summary line: it did not run to its end"
	elif [ "$rc" != 0 ] && [ -z "$f" ]; then
		f=1
	fi
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	if [ "$rc" = 0 ]; then
		echo "PASS $(basename "$t"): ${p:-0} tests"
	else
		echo "$log" | grep -E '^\[  (FAILED|  ERROR)|ERROR|runtime error|Sanitizer' | head -20
		echo "FAIL $(basename "$t") (exit $rc)"
	fi
}
