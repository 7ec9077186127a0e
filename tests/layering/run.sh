#!/bin/bash
# run.sh - the layering check (scripts/check-layers.sh) holds on this tree
# and fails when the rule is broken: in a scratch copy of the tree (with
# the built objects), plant an upward call (fs/ -> linux/), an upward data
# reference (kernel/ -> fs/) and a platform header included by kernel/,
# rebuild those two objects, and expect the check to fail naming exactly
# them. Needs the kernel built (make). Prints PASS/FAIL lines.
set -u
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
logs=$build/layering-logs
prefix=layering-
mkdir -p "$logs"
. tests/lib.sh
plan 9

# -- the tree as it is
bash scripts/check-layers.sh "$build" >"$logs/clean.log" 2>&1
rc=$?
result clean "$([ $rc = 0 ] && echo 1)" "the check fails on this tree (status $rc)"

# -- nothing to check is an error, not a pass
empty=$(mktemp -d)
bash scripts/check-layers.sh "$empty" >"$logs/empty.log" 2>&1
rc=$?
rm -rf "$empty"
result no-objects "$([ $rc = 2 ] && echo 1)" "an empty build directory gave status $rc, not 2"

# -- a scratch copy with violations planted
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
	[ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$tmp"
mkdir -p "$tmp/build"
cp -a "$build/k" "$build/gen" "$build/sysinc" "$tmp/build/"

cat >>"$tmp/fs/pipe.c" <<'C'

/* Planted by tests/layering/run.sh: fs/ calls into linux/. */
const char *syscall_name(unsigned long nr);
const char *layering_planted_call(void);
const char *layering_planted_call(void)
{
	return syscall_name(0);
}
C
sed -i '0,/^#include/s//#include <plat\/platform.h>\n#include/' "$tmp/kernel/timer.c"
cat >>"$tmp/kernel/timer.c" <<'C'

/* Planted by tests/layering/run.sh: kernel/ uses fs/'s data. */
const void *layering_planted_data(void);
const void *layering_planted_data(void)
{
	return &file_vm_ops;
}
C
sed -i '0,/^#include/s//#include <keel\/file.h>\n#include/' "$tmp/kernel/timer.c"
# A driver-side header (interrupt binding) in fs/.
sed -i '0,/^#include/s//#include <keel\/irq.h>\n#include/' "$tmp/fs/pipe.c"

make -C "$tmp" --no-print-directory BUILD=build build/k/fs/pipe.c.o \
	build/k/kernel/timer.c.o >"$logs/planted-build.log" 2>&1
rc=$?
result planted-build "$([ $rc = 0 ] && echo 1)" "the planted files did not compile"

bash scripts/check-layers.sh -s "$tmp" "$tmp/build" >"$logs/planted.log" 2>&1
rc=$?
result planted-fails "$([ $rc = 1 ] && echo 1)" "the check gave status $rc, not 1"
grep -qx 'fs/pipe.c -> syscall_name (defined in linux/syscall.c)' "$logs/planted.log"
result planted-call "$([ $? = 0 ] && echo 1)" "the upward call fs/pipe.c -> syscall_name is not named"
grep -qx 'kernel/timer.c -> file_vm_ops (defined in fs/file.c)' "$logs/planted.log"
result planted-data "$([ $? = 0 ] && echo 1)" "the upward reference kernel/timer.c -> file_vm_ops is not named"
grep -qE '^include: kernel/timer.c:[0-9]+:#include <plat/platform.h>$' "$logs/planted.log"
result planted-include "$([ $? = 0 ] && echo 1)" "the platform header in kernel/timer.c is not named"
grep -qE '^include \(driver side\): fs/pipe.c:[0-9]+:#include <keel/irq.h>$' "$logs/planted.log"
result planted-driver-header "$([ $? = 0 ] && echo 1)" "the driver-side header in fs/pipe.c is not named"
# Nothing else: the copy is the same tree, so no other line may appear.
others=$(grep -vE '^(fs/pipe.c -> syscall_name |kernel/timer.c -> file_vm_ops |include: kernel/timer.c:|include \(driver side\): fs/pipe.c:|check-layers: )' "$logs/planted.log")
result planted-only "$([ -z "$others" ] && echo 1)" "other violations reported: $others"

echo "layering: $pass passed, $fail failed"
[ "$fail" = 0 ]
