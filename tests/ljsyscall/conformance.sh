#!/bin/bash
# conformance.sh - the ljsyscall conformance test (a suite of `make test`):
# Debian's ljsyscall test suite on the host (the reference) and in keel
# under QEMU TCG (tests/ljsyscall/run.sh), then once more in keel with
# keel.strace to learn which system calls failed under each failing test.
# Then the same as root (run.sh --root: the *_root tests kept; the host's
# run must be root, as make test is). Writes build/ljsyscall/conformance.txt
# and conformance-root.txt (classify.py): both pass counts and every keel
# failure with its cause (not implemented, fork needed, root or namespace
# needed, skipped by the suite, real difference; causes.txt and
# causes-root.txt name the ones that cannot be derived). Prints
#   PASS/FAIL ljsyscall-host   the host's run reached the suite's end
#   PASS/FAIL ljsyscall-keel   keel's run reached the end, held the expected
#                              number of tests and failed none but those
#                              tests/ljsyscall/causes.txt allows
#   PASS/FAIL ljsyscall-host-root, ljsyscall-keel-root   the same as root,
#                              against tests/ljsyscall/causes-root.txt
# Knob: LJS_TIMEOUT, keel's time limit per run in seconds (240).
set -u
exec </dev/null
cd "$(dirname "$0")/../.."
. tests/ljsyscall/lib.sh
logs=$ljs_out prefix=ljsyscall-
. tests/lib.sh
plan 4
t=${LJS_TIMEOUT:-240}
report=$ljs_out/conformance.txt
report_root=$ljs_out/conformance-root.txt
mkdir -p "$ljs_out"
rm -f "$report" "$report_root" "$ljs_out"/{host,keel,keel-strace}.txt \
	"$ljs_out"/{host-root,keel-root,keel-root-strace}.txt
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

# judge SUFFIX: the host's and keel's runs named host$SUFFIX, keel$SUFFIX.
judge() {
	local h=$ljs_out/host$1.txt why
	if [ -n "$(ljs_passed "$h")" ] && [ "$h" -nt "$mark" ]; then
		result "host$1" 1
	else
		result "host$1" 0 "the host's run did not reach the suite's end ($(sed -n 's/^result: //p' "$h" 2>/dev/null))"
	fi
	why=$(ljs_check "$ljs_out/keel$1.txt" "$mark")
	if [ "$why" = ok ]; then
		ljs_report "$ljs_out/keel$1.txt"
		echo "  host: $(ljs_passed "$h") passed"
		result "keel$1" 1
	else
		result "keel$1" 0 "$why"
	fi
}
judge ''

# As root: keel's program is root of its own VM (lib.sh, ljs_keep_root).
echo "ljsyscall as root (run.sh --root)"
bash tests/ljsyscall/run.sh --root --host --keel -t "$t"
bash tests/ljsyscall/run.sh --root --keel --as keel-root-strace -k keel.strace -t "$t" | sed 's/^/  (strace run) /'
python3 tests/ljsyscall/classify.py "$ljs_out" keel-root keel-root-strace --host host-root \
	--causes tests/ljsyscall/causes-root.txt >"$report_root" ||
	echo "conformance.sh: classify.py failed (root)" >&2
sed -n '/^keel failures by cause/,/^keel failures:/p' "$report_root" | sed '$d'
echo "report: $report_root"
ljs_root_mode
judge -root
echo "ljsyscall conformance: $pass passed, $fail failed"
[ "$fail" = 0 ]
