#!/bin/bash
# run.sh - every test of keel, as `make test` runs it (after building):
# the style check, the layering rule, the host unit tests (cmocka, ASan and
# UBSan), a brief fuzz of the ELF and cpio readers, the boot tests under
# QEMU, and one boot on nested Xen. Prints one total at the end,
# "N passed, N failed", and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
# Nothing here reads a terminal: QEMU's stdio console would set a
# terminal's modes and, in timeout(1)'s background process group, stop.
exec </dev/null
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# With --build (make test): first the Debian packages (scripts/deps.sh)
# and the build, each a case, so that a failed step still ends in a total.
if [ "${1:-}" = --build ]; then
	echo "== dependencies (scripts/deps.sh)"
	if sh scripts/deps.sh; then ok deps; else bad "deps: scripts/deps.sh failed"; fi
	echo "== build (make all fuzz-build)"
	if "${MAKE:-make}" --no-print-directory all fuzz-build; then
		ok build
	else
		bad "build: make all fuzz-build failed"
		echo "$pass passed, $fail failed"
		exit 1
	fi
fi

echo "== style (clang-format)"
# The tracked C files; outside a git checkout, the C files of the tree.
srcs=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$srcs" ] || srcs=$(find arch drivers fs include kernel lib linux net plat tests tools \
	-name '*.[ch]' 2>/dev/null)
if [ "$(echo "$srcs" | grep -c '^kernel/.*\.c$')" -lt 5 ]; then
	bad "clang-format: found no C files to check (git ls-files and find gave $(echo "$srcs" | grep -c .))"
elif out=$(echo "$srcs" | xargs clang-format --dry-run --Werror 2>&1); then
	ok clang-format
else
	echo "$out" | head -20
	bad "clang-format: run 'make format'"
fi

echo "== layering: portable code reaches the machine only through hyper.h"
viol=$(grep -rnE '#include\s*[<"](plat/|drivers/|xen/|arch/|virtio)' kernel fs net linux lib 2>/dev/null)
if [ -z "$viol" ]; then ok layering; else echo "$viol"; bad layering; fi

echo "== unit tests (host, ASan+UBSan)"
# One program for each tests/unit/test_*.c, judged by cmocka's summary:
# a missing program, or one that ends without its "[==========] N test(s)
# run." line, is a failure, whatever its exit status.
shopt -s nullglob
units=(tests/unit/test_*.c)
[ ${#units[@]} -gt 0 ] || bad "unit: no tests/unit/test_*.c"
for src in "${units[@]}"; do
	t=build/unit/$(basename "$src" .c)
	if [ ! -x "$t" ]; then
		bad "$(basename "$t"): not built"
		continue
	fi
	log=$(timeout -k 5 300 "$t" 2>&1)
	rc=$?
	p=$(echo "$log" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$log" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	if ! echo "$log" | grep -qE '^\[=+\] [0-9]+ test\(s\) run\.'; then
		[ "$rc" != 0 ] || rc=1 # no summary: it did not run to its end
		f=$((${f:-0} + 1))
		log="$log
ERROR: no cmocka summary line"
	elif [ "$rc" != 0 ] && [ -z "$f" ]; then
		f=1 # crashed (a sanitizer report, an abort) before cmocka could count
	fi
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	if [ "$rc" = 0 ]; then
		echo "PASS $(basename "$t"): ${p:-0} tests"
	else
		echo "$log" | grep -E '^\[  (FAILED|  ERROR)|ERROR|runtime error|Sanitizer' | head -20
		echo "FAIL $(basename "$t") (exit $rc)"
	fi
done

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

suite "fuzzers (libFuzzer on lib/elf.c and lib/cpio.c, 12 s each; make fuzz runs longer)" 300 \
	bash tests/fuzz/run.sh 12
suite "boot tests (QEMU TCG)" 900 bash tests/boot/run.sh
suite "host tool (keel build, run, xl, ldd)" 900 bash tests/tool/run.sh
suite "Linux programs in the guest (QEMU TCG)" 1500 bash tests/guest/run.sh
suite "ljsyscall conformance: Debian's lua-ljsyscall suite in keel (QEMU TCG) and on the host" 600 \
	bash tests/ljsyscall/conformance.sh
suite "KVM (when it works here)" 900 bash tests/kvm/run.sh
suite "Xen (nested under QEMU TCG, fast subset; make test-xen runs all)" 900 \
	bash tests/xen/tests.sh fast

for s in "${short[@]}"; do echo "suite fell short: $s"; done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
