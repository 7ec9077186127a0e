#!/usr/bin/env bash
# bench/ljsyscall.sh — issue 7 "Measure": the wall time of Debian's ljsyscall test suite
# (tests/ljsyscall) in keel against a minimal Linux VM, same QEMU (-M microvm -accel tcg -cpu max,
# -m MEM), same run, RUNS (5) runs each, interleaved, alternating which goes first; medians.
# Both guests get the same files: the cpio `keel build` packed (luajit, its libraries, the suite's
# tree at /ljs) and, for Linux, static busybox and an /init (bench/vmlib.sh). The command is
# `luajit -e 'print("LJS-START")' test/test.lua` in /ljs, so the suite's own time is measured from
# LJS-START (luajit loaded) to its closing line "N passed, M failed of T".
# Linux runs the suite as an ordinary user (uid 1000): keel's program is root but has no unshare,
# and the suite then drops its *_root tests, as it does for a user, so both run the same 275 tests.
# Linux's /init brings the loopback interface up first. One more Linux run as root (ROOT_RUN=0 to skip) gives the pass count of the whole suite there.
# Writes build/bench/ljsyscall/ljsyscall.txt (key=value) and prints a table.
# Knobs: RUNS (5), MEM (256), RUN_TIMEOUT (s per QEMU run, 600), ROOT_RUN (1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
MEM=${MEM:-256}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
ROOT_RUN=${ROOT_RUN:-1}
OUT=$ROOT/build/bench/ljsyscall
LOGDIR=$OUT/logs
SUMMARY=$OUT/ljsyscall.txt
. "$ROOT/bench/vmlib.sh"
ljs_root=$ROOT
. "$ROOT/tests/ljsyscall/lib.sh"
exec </dev/null

die() { echo "ljsyscall.sh: $*" >&2; exit 1; }
for v in RUNS MEM RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$KEEL" ] && [ -s "$KEEL_ELF" ] || die "build keel first (make)"
ljs_installed || die "lua-ljsyscall is not installed (make deps)"
command -v perl >/dev/null || die "perl not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"

# --- the guests ------------------------------------------------------------------------------
ljs_assemble "$OUT/suite"
"$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel" --file "$OUT/suite:$ljs_guest_dir" \
  -C "$ljs_guest_dir" -- /usr/bin/luajit -e 'print("LJS-START")' test/test.lua
run_cmd="/usr/bin/luajit -e 'print(\"LJS-START\")' test/test.lua"
user_files() { # an ordinary user for the suite, owning nothing but allowed to write in /ljs
  mkdir -p "$1/etc"
  printf 'root:x:0:0:root:/root:/bin/sh\nljs:x:1000:1000:ljs:/ljs:/bin/sh\n' > "$1/etc/passwd"
  printf 'root:x:0:\nljs:x:1000:\n' > "$1/etc/group"
  chmod -R a+rwX "$1$ljs_guest_dir"
}
lo_up="/bin/busybox ip link set lo up"   # as a distribution's init does; the socket tests use it
vm_linux_cpio "$OUT/keel" "$OUT/linux-user.cpio" \
  "$lo_up; cd $ljs_guest_dir && /bin/busybox su -s /bin/sh ljs -c $(printf '%q' "$run_cmd")" user_files
vm_linux_cpio "$OUT/keel" "$OUT/linux-root.cpio" "$lo_up; cd $ljs_guest_dir && $run_cmd" user_files

END_RE='^[0-9]+ passed, [0-9]+ failed of [0-9]+$'
# one KIND IMAGE LOG: one boot; sets TOTAL, START, SUITE (s from LJS-START to the closing line),
# PASSED; dies when the suite did not reach its end.
one() {
  vm_boot "$1" "$2" "$MEM" "$3" "$END_RE" "$RUN_TIMEOUT"
  if [ "$MARK" = NA ]; then
    echo "---- last lines of $3:" >&2; tail -n 15 "$3" >&2
    die "$1: the suite did not reach its end (QEMU exit $CODE after ${END}s)"
  fi
  START=$(vm_stamp "$3" '^LJS-START$')
  SUITE=$(awk -v a="$START" -v b="$MARK" 'BEGIN{printf "%.4f", b - a}')
  PASSED=$(sed -nE 's/^ *[0-9.]+ ([0-9]+) passed, .*/\1/p' "$3" | tail -1)
}

echo "ljsyscall.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max -m $MEM; $RUNS runs each"
echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes), initrd $(stat -c %s "$OUT/keel/initrd.cpio") bytes"
echo "  linux: $(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?'), append '$LINUX_APPEND', suite as uid 1000"
declare -A T_END T_SUITE T_GONE NPASS
run1() {
  local img=$OUT/keel
  [ "$1" = keel ] || img=$OUT/linux-user.cpio
  one "$1" "$img" "$LOGDIR/$1-$2.log"
  T_END[$1]+=" $MARK"; T_SUITE[$1]+=" $SUITE"; T_GONE[$1]+=" $END"; NPASS[$1]+=" $PASSED"
  printf '%-5s run %d/%d: suite %8.3f s (LJS-START at %6.3f s, end at %8.3f s), QEMU gone %8.3f s, %s passed\n' \
    "$1" "$2" "$RUNS" "$SUITE" "$START" "$MARK" "$END" "$PASSED"
}
vm_each_run "$RUNS" run1
root_passed=skipped root_total=
if [ "$ROOT_RUN" = 1 ]; then
  one linux "$OUT/linux-root.cpio" "$LOGDIR/linux-root.log"
  root_passed=$PASSED
  root_total=$(sed -nE 's/^ *[0-9.]+ [0-9]+ passed, (.*)$/\1/p' "$LOGDIR/linux-root.log" | tail -1)
  echo "linux as root (1 run): $root_passed passed, $root_total; suite $SUITE s"
fi

ratio() { vm_ratio "$@"; }
join() { vm_join "$@"; }
# shellcheck disable=SC2086  # word splitting of the run lists is wanted
{
  ks=$(vm_median ${T_SUITE[keel]}); ls=$(vm_median ${T_SUITE[linux]})
  ke=$(vm_median ${T_END[keel]}); le=$(vm_median ${T_END[linux]})
  kg=$(vm_median ${T_GONE[keel]}); lg=$(vm_median ${T_GONE[linux]})
  kp=$(vm_median ${NPASS[keel]}); lp=$(vm_median ${NPASS[linux]})
}
echo
echo "medians of $RUNS (keel / linux = ratio):"
row() { printf '| %-46s | %9s | %9s | %10s |\n' "$@"; }
row measure keel linux keel/linux
row ---------------------------------------------- --------- --------- ----------
row "suite: LJS-START to its closing line (s)" "$ks" "$ls" "$(ratio "$ks" "$ls")"
row "QEMU start to the suite's closing line (s)" "$ke" "$le" "$(ratio "$ke" "$le")"
row "QEMU start to QEMU gone (s)" "$kg" "$lg" "$(ratio "$kg" "$lg")"
row "tests passed (of 275)" "${kp%.*}" "${lp%.*}" ""
# shellcheck disable=SC2086
{
  echo "runs=$RUNS"; echo "mem_mib=$MEM"
  echo "qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
  echo "linux_kernel=$(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo unknown)"
  echo "keel_elf_sha256=$(sha256sum "$KEEL_ELF" | cut -c1-16)"
  echo "keel_suite_median_s=$ks"; echo "linux_suite_median_s=$ls"; echo "suite_ratio=$(ratio "$ks" "$ls")"
  echo "keel_suite_runs_s=$(join ${T_SUITE[keel]})"; echo "linux_suite_runs_s=$(join ${T_SUITE[linux]})"
  echo "keel_end_median_s=$ke"; echo "linux_end_median_s=$le"; echo "end_ratio=$(ratio "$ke" "$le")"
  echo "keel_gone_median_s=$kg"; echo "linux_gone_median_s=$lg"
  echo "keel_passed=$(join ${NPASS[keel]})"; echo "linux_user_passed=$(join ${NPASS[linux]})"
  echo "linux_root_passed=$root_passed"; echo "linux_root_result=$root_total"
} > "$SUMMARY.tmp"
mv "$SUMMARY.tmp" "$SUMMARY"
echo "summary: $SUMMARY (serial logs: $LOGDIR)"
