#!/bin/bash
# conformance.sh - the ljsyscall conformance test (a suite of `make test`):
# Debian's ljsyscall test suite on the host (the reference) and in keel
# under QEMU TCG (tests/ljsyscall/run.sh), then once more in keel with
# keel.strace to learn which system calls failed under each failing test.
# Writes build/ljsyscall/conformance.txt (classify.py): both pass counts and
# every keel failure with its cause (not implemented, fork needed, root or
# namespace needed, skipped by the suite, real difference; causes.txt names
# the ones that cannot be derived). Prints
#   PASS/FAIL ljsyscall-host   the host's run reached the suite's end
#   PASS/FAIL ljsyscall-keel   keel's run reached the end, held the expected
#                              number of tests and failed none but those
#                              tests/ljsyscall/causes.txt allows
# Knob: LJS_TIMEOUT, keel's time limit per run in seconds (240).
set -u
exec </dev/null
cd "$(dirname "$0")/../.."
. tests/ljsyscall/lib.sh
logs=$ljs_out prefix=ljsyscall-
. tests/lib.sh
plan 2
t=${LJS_TIMEOUT:-240}
report=$ljs_out/conformance.txt
mkdir -p "$ljs_out"
rm -f "$report" "$ljs_out"/{host,keel,keel-strace}.txt
# The results must be newer than this mark, dated back past any
# timestamp granularity.
mark=$(mktemp)
touch -d '2 seconds ago' "$mark"
trap 'rm -f "$mark"' EXIT

bash tests/ljsyscall/run.sh --host --keel -t "$t"
bash tests/ljsyscall/run.sh --keel --as keel-strace -k keel.strace -t "$t" | sed 's/^/  (strace run) /'

python3 tests/ljsyscall/classify.py "$ljs_out" keel keel-strace \
	--causes tests/ljsyscall/causes.txt >"$report" ||
	echo "conformance.sh: classify.py failed" >&2
sed -n '/^keel failures by cause/,/^keel failures:/p' "$report" | sed '$d'
echo "report: $report"

if [ -n "$(ljs_passed "$ljs_out/host.txt")" ] && [ "$ljs_out/host.txt" -nt "$mark" ]; then
	result host 1
else
	result host 0 "the host's run did not reach the suite's end ($(sed -n 's/^result: //p' "$ljs_out/host.txt" 2>/dev/null))"
fi
why=$(ljs_check "$ljs_out/keel.txt" "$mark")
if [ "$why" = ok ]; then
	ljs_report "$ljs_out/keel.txt"
	echo "  host: $(ljs_passed "$ljs_out/host.txt") passed"
	result keel 1
else
	result keel 0 "$why"
fi
echo "ljsyscall conformance: $pass passed, $fail failed"
[ "$fail" = 0 ]
