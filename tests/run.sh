#!/bin/bash
# run.sh - every test of keel, as `make test` runs it (after building):
# the style check, the layering rule (and a test that it can fail), the
# host unit tests (cmocka, ASan and UBSan), a brief fuzz of the ELF and
# cpio readers, the boot tests under QEMU, the host tool, Linux programs,
# the ljsyscall conformance test, and one boot on nested Xen. Prints one total at the end,
# "N passed, N failed", and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
# Nothing here reads a terminal: QEMU's stdio console would set a
# terminal's modes and, in timeout(1)'s background process group, stop.
exec </dev/null
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

echo "== style (clang-format)"
if out=$(clang-format --dry-run --Werror $(git ls-files '*.c' '*.h') 2>&1); then
	ok clang-format
else
	echo "$out" | head -20
	bad "clang-format: run 'make format'"
fi

echo "== layering: calls point down (linux/ -> fs/, net/ -> kernel/ -> arch, hyper.h)"
# Includes (no platform or driver header in the portable kernel) and, with
# nm on build/k, no call or reference from a lower layer to a higher one.
if out=$(bash scripts/check-layers.sh build 2>&1); then
	ok "layering: $(echo "$out" | tail -1)"
else
	echo "$out"
	bad "layering: scripts/check-layers.sh (docs/design.md, \"Layers\")"
fi

echo "== unit tests (host, ASan+UBSan)"
shopt -s nullglob
units=(build/unit/test_*)
[ ${#units[@]} -gt 0 ] || bad "unit: no unit test programs were built"
for t in "${units[@]}"; do
	[ -x "$t" ] || continue
	log=$(timeout -k 5 300 "$t" 2>&1)
	rc=$?
	p=$(echo "$log" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$log" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	if [ "$rc" != 0 ] && [ -z "$f" ]; then
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

# suite TITLE LIMIT COMMAND...: run a suite that prints PASS/FAIL lines,
# show them as they come, count them. A suite still running after LIMIT
# seconds is stopped and counts as a failure (CI has a hard time limit).
suite() {
	local title=$1 limit=$2 out rc p f t0=$SECONDS
	shift 2
	echo "== $title"
	out=$(mktemp)
	timeout -k 10 "$limit" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS' "$out")
	f=$(grep -c '^FAIL' "$out")
	rm -f "$out"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL $*: still running after $limit s, stopped"
		f=$((f + 1))
	fi
	[ $((p + f)) -gt 0 ] || { f=1; echo "FAIL $*: reported nothing"; }
	echo "($((SECONDS - t0)) s)"
	pass=$((pass + p))
	fail=$((fail + f))
}

suite "layering check on planted violations (tests/layering)" 120 \
	bash tests/layering/run.sh
suite "fuzzers (libFuzzer on lib/elf.c and lib/cpio.c, 12 s each; make fuzz runs longer)" 300 \
	bash tests/fuzz/run.sh 12
suite "boot tests (QEMU TCG)" 900 bash tests/boot/run.sh
suite "host tool (keel build, run, xl, ldd)" 900 bash tests/tool/run.sh
suite "Linux programs in the guest (QEMU TCG)" 1500 bash tests/guest/run.sh
suite "ljsyscall conformance: Debian's lua-ljsyscall suite in keel (QEMU TCG) and on the host" 600 \
	bash tests/ljsyscall/conformance.sh
suite "Xen (nested under QEMU TCG, fast subset; make test-xen runs all)" 900 \
	bash tests/xen/tests.sh fast

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
