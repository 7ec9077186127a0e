#!/bin/bash
# run.sh - the test harness's own test (a suite of `make test`): each way
# a check could report a pass it did not earn is planted in a scratch copy
# or a made-up result, and the check must fail it; each check must also
# pass the same input made whole (so a check that always fails fails here
# too). Covers tests/suite.sh (suites and unit programs), the self-test
# list (tests/lib.sh), the ljsyscall list and stale results
# (tests/ljsyscall/lib.sh) and the style check's empty file list.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
logs=build/harness prefix=harness-
mkdir -p "$logs"
. tests/lib.sh
plan 13
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# planted NAME WANT-FAILS WANT-REGEX COMMAND...: run one judged thing in a
# subshell with fresh counters; it must report WANT-FAILS failures and
# print a line matching WANT-REGEX.
planted() {
	local name=$1 want=$2 re=$3 out
	shift 3
	out=$(cd "$root" && "$@" 2>&1)
	echo "$out" >"$logs/$name.log"
	local f=${out##*counted fail=}
	if [ "$f" != "$want" ]; then
		result "$name" 0 "counted ${f:-?} failures, want $want"
	elif ! grep -qE -- "$re" <<<"$out"; then
		result "$name" 0 "no line matching /$re/"
	else
		result "$name" 1
	fi
}

# judge_suite SCRIPT: tests/suite.sh's suite() on a made-up suite.
judge_suite() {
	printf '%s\n' "$1" >"$scratch/family.sh"
	(
		pass=0 fail=0
		. tests/suite.sh
		suite "made-up" 20 bash "$scratch/family.sh"
		printf '%s\n' "${short[@]}"
		echo "counted fail=$fail"
	)
}
planted suite-dies-early 1 'reported 2 results of the 5 it plans' \
	judge_suite 'echo PLAN 5; echo PASS a; echo PASS b; exit 1'
planted suite-no-plan 1 'printed no PLAN line' \
	judge_suite 'echo PASS a'
planted suite-silent-exit 1 'exited with status 3 and no FAIL line' \
	judge_suite 'echo PLAN 1; echo PASS a; exit 3'
planted suite-whole 0 'PASS b' \
	judge_suite 'echo PLAN 2; echo PASS a; echo PASS b'

# judge_unit BODY: tests/suite.sh's unit() on a made-up program.
judge_unit() {
	printf '#!/bin/sh\n%s\n' "$1" >"$scratch/test_fake"
	chmod +x "$scratch/test_fake"
	(
		pass=0 fail=0
		. tests/suite.sh
		unit "$scratch/test_fake"
		echo "counted fail=$fail"
	)
}
planted unit-no-summary 1 'no cmocka summary' \
	judge_unit 'echo "[ RUN      ] a"; exit 0'
planted unit-whole 0 'PASS test_fake: 1 tests' \
	judge_unit 'echo "[==========] 1 test(s) run."; echo "[  PASSED  ] 1 test(s)."'

# judge_selftests LOG-TEXT: selftests_check on a made-up serial log built
# from tests/boot/selftests.txt.
names=$(selftests_names pass)
n=$(echo "$names" | wc -l)
log_of() { # skip-name verdict-for-it
	for t in $names; do
		if [ "$t" = "$1" ]; then
			[ -n "$2" ] && echo "selftest $t: $2 (1 us)"
		else
			echo "selftest $t: ok (1 us)"
		fi
	done
}
judge_selftests() {
	printf '%s\n' "$1" >"$scratch/serial.log"
	why=$(selftests_check "$scratch/serial.log")
	echo "$why"
	[ "$why" = ok ] && echo "counted fail=0" || echo "counted fail=1"
}
first=$(echo "$names" | head -1)
planted selftest-missing 1 "want $n of" \
	judge_selftests "$(log_of "$first" ''; echo "selftests: $((n - 1)) passed, 0 failed, 0 skipped of $((n - 1))")"
planted selftest-skipped 1 "$first: skipped" \
	judge_selftests "$(log_of "$first" skipped; echo "selftests: $((n - 1)) passed, 0 failed, 1 skipped of $n")"
planted selftest-whole 0 '^ok$' \
	judge_selftests "$(log_of '' ''; echo "selftests: $n passed, 0 failed, 0 skipped of $n")"

# ljsyscall: a summary (as ljs_summarize writes it) whose failures are the
# allowed ones with one swapped for a new one (the same count), a stale
# one, and the whole one.
. tests/ljsyscall/lib.sh
allowed=$(ljs_allowed)
total=$(ljs_total_expected)
summary() { # failing-tests...
	echo "ljsyscall suite, made up"
	echo "result: $((total - $#)) passed, $# failed of $total"
	echo "end reached: yes"
	echo "failing tests:"
	for t; do echo "    $t: made up (at test/test.lua:1)"; done
}
judge_ljs() { # txt [mark]
	why=$(ljs_check "$@")
	echo "$why"
	[ "$why" = ok ] && echo "counted fail=0" || echo "counted fail=1"
}
# shellcheck disable=SC2086 # the names are words
summary $(echo "$allowed" | sed 1d) test_made_up.test_new_failure >"$scratch/swap.txt"
planted ljsyscall-swap 1 'not allowed .*test_made_up.test_new_failure' judge_ljs "$scratch/swap.txt"
# shellcheck disable=SC2086
summary $allowed >"$scratch/old.txt"
# The mark is older than the whole result by more than any timestamp
# granularity (files written within one clock tick share an mtime).
touch -d '1 minute ago' "$scratch/old.txt"
touch -d '30 seconds ago' "$scratch/mark"
planted ljsyscall-stale 1 'stale result' judge_ljs "$scratch/old.txt" "$scratch/mark"
# shellcheck disable=SC2086
summary $allowed >"$scratch/whole.txt"
planted ljsyscall-whole 0 '^ok$' judge_ljs "$scratch/whole.txt" "$scratch/mark"

# The style check in a tree with no C files (not a git checkout).
mkdir -p "$scratch/tree/tests"
cp tests/style.sh tests/lib.sh "$scratch/tree/tests/"
judge_style() {
	bash "$scratch/tree/tests/style.sh"
	echo "counted fail=$?"
}
planted style-no-files 1 'found no C files' judge_style

echo "harness: $pass passed, $fail failed"
[ "$fail" = 0 ]
