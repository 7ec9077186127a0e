#!/usr/bin/env bash
# bench/clock.sh — clock_gettime(CLOCK_MONOTONIC) calls per second in a loop (bench/clockloop.c,
# static glibc, CALLS calls timed by the same clock) in keel with its vDSO, in keel without one
# (KEEL_BEFORE_ELF: main's build before the vDSO, where every call is a system call) and in a
# minimal Linux VM (which has its vDSO), same QEMU (-M microvm -accel tcg -cpu max, one vCPU,
# -m MEM), same run, RUNS (5) runs each, interleaved (bench/vmlib.sh); medians, by the guest's clock and
# by the host's (between the stamps of the begin and end lines).
# Without KEEL_BEFORE_ELF the "before" side is this build booted with vdso=0 (no AT_SYSINFO_EHDR:
# glibc makes the system call, as before the vDSO existed), and the summary says which it was.
# Writes build/bench/clock/clock.txt (key=value) and prints a table.
# "linuxtsc" is the Linux VM again, told its TSC rate and to trust it (see below).
# Knobs: RUNS (5), CALLS (1000000), MEM (128), RUN_TIMEOUT (s per QEMU run, 120), KEEL_BEFORE_ELF.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
KEEL_BEFORE_ELF=${KEEL_BEFORE_ELF:-}
RUNS=${RUNS:-5}
CALLS=${CALLS:-1000000}
MEM=${MEM:-128}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
OUT=$ROOT/build/bench/clock
LOGDIR=$OUT/logs
SUMMARY=$OUT/clock.txt
. "$ROOT/bench/vmlib.sh"
exec </dev/null

die() { echo "clock.sh: $*" >&2; exit 1; }
for v in RUNS CALLS MEM RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$KEEL" ] && [ -s "$KEEL_ELF" ] || die "build keel first (make)"
[ -z "$KEEL_BEFORE_ELF" ] || [ -s "$KEEL_BEFORE_ELF" ] || die "no kernel at KEEL_BEFORE_ELF=$KEEL_BEFORE_ELF"
command -v perl >/dev/null || die "perl not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"

gcc -O2 -static -Wall -Wextra -o "$OUT/clockloop" "$ROOT/bench/clockloop.c"
"$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel" -- "$OUT/clockloop" "$CALLS"
rm -rf "$OUT/before"
if [ -n "$KEEL_BEFORE_ELF" ]; then
  before="main's build $(sha256sum < "$KEEL_BEFORE_ELF" | cut -c1-16)"
  "$KEEL" build -q --kernel "$KEEL_BEFORE_ELF" -o "$OUT/before" -- "$OUT/clockloop" "$CALLS"
else
  before="this build with vdso=0"
  "$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/before" -- "$OUT/clockloop" "$CALLS"
fi
# Linux's clocksource says whether its vDSO reads the clock itself (tsc) or makes the system call.
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
vm_linux_cpio "$OUT/keel" "$OUT/linux.cpio" "/bin/busybox mount -t sysfs sysfs /sys; \
echo \"BENCH clocksource=\$(cat $cs)\"; $(printf '%q' "$OUT/clockloop") $CALLS"

# Linux on microvm with acpi=off cannot calibrate its TSC (no PIT gate, no HPET): it runs on
# refined-jiffies, where its vDSO makes the system call. "linuxtsc" is the same VM told the TSC
# rate (the host's, which is the guest's under TCG; bench/tsckhz.c) and to trust it, so its vDSO
# reads the TSC as keel's does.
gcc -O2 -Wall -o "$OUT/tsckhz" "$ROOT/bench/tsckhz.c"
TSC_KHZ=$("$OUT/tsckhz")
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
declare -A CPS HOST VDSO CS
# boot_with LOG APPEND IMAGE-ARGS...: vm_boot with a command line of our own.
boot_with() {
  local lf=$1 append=$2 res
  shift 2
  res=$(MARK_RE='^BENCH clock end' perl -e "$VM_STAMPER" -- "$lf" "$RUN_TIMEOUT" "${QEMU[@]}" \
    -m "$MEM" "$@" -append "$append")
  read -r MARK CODE END <<<"$res"
}
run1() {
  local kind=$1 lf=$LOGDIR/$1-$2.log ok=' keel: shutdown status 0$'
  case $kind in
  keel) vm_boot keel "$OUT/keel" "$MEM" "$lf" '^BENCH clock end' "$RUN_TIMEOUT" ;;
  before)
    if [ -n "$KEEL_BEFORE_ELF" ]; then
      vm_boot keel "$OUT/before" "$MEM" "$lf" '^BENCH clock end' "$RUN_TIMEOUT"
    else # the same kernel without its vDSO
      boot_with "$lf" 'keel.quiet vdso=0' -kernel "$OUT/before/keel.elf" -initrd "$OUT/before/initrd.cpio"
    fi ;;
  linux) vm_boot linux "$OUT/linux.cpio" "$MEM" "$lf" '^BENCH clock end' "$RUN_TIMEOUT" ;;
  linuxtsc) boot_with "$lf" "$LINUX_APPEND tsc_early_khz=$TSC_KHZ tsc=reliable" \
      -kernel "$LINUX_DIR/vmlinux" -initrd "$OUT/linux.cpio" ;;
  esac
  case $kind in linux*) ok=' BENCH-EXIT 0$' ;; esac
  if [ "$MARK" = NA ] || ! grep -q "$ok" "$lf"; then
    echo "---- last lines of $lf:" >&2; tail -n 15 "$lf" >&2
    die "$kind run $2 did not finish the loop with status 0 (QEMU exit $CODE after ${END}s)"
  fi
  CPS[$kind]+=" $(field "$lf" calls_per_s)"
  # The host's clock between the begin and end lines: a check on the guest's own clock, which a
  # TSC rate measured wrong on a loaded host would make run fast or slow.
  HOST[$kind]+=" $(awk -v a="$(vm_stamp "$lf" '^BENCH clock begin')" -v b="$MARK" -v n="$CALLS" \
    'BEGIN{printf "%.1f", n/(b-a)}')"
  VDSO[$kind]=$(field "$lf" vdso)
  case $kind in linux*) CS[$kind]+=" $(sed -n 's/.*BENCH clocksource=\([a-z_0-9-]*\).*/\1/p' "$lf" | head -1)" ;; esac
  printf '%-8s run %d/%d: %12.1f calls/s, host clock %12.1f (vdso=%s%s)\n' "$kind" "$2" "$RUNS" \
    "$(field "$lf" calls_per_s)" "${HOST[$kind]##* }" "${VDSO[$kind]}" \
    "${CS[$kind]:+, clocksource ${CS[$kind]##* }}"
}

echo "clock.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max -m $MEM; $CALLS calls; $RUNS runs each"
echo "  keel: $KEEL_ELF; before: $before; linux: $(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')"
for ((i = 1; i <= RUNS; i++)); do
  if ((i % 2)); then order="keel before linux linuxtsc"; else order="linuxtsc linux before keel"; fi
  for k in $order; do run1 "$k" "$i"; done
done
[ "${VDSO[keel]}" = 1 ] || die "keel's run had no vDSO (AT_SYSINFO_EHDR missing)"
[ "${VDSO[before]}" = 0 ] || die "the before run had a vDSO"

# shellcheck disable=SC2086  # word splitting of the run lists is wanted
{
  k=$(vm_median ${CPS[keel]}); b=$(vm_median ${CPS[before]})
  l=$(vm_median ${CPS[linux]}); lt=$(vm_median ${CPS[linuxtsc]})
  kh=$(vm_median ${HOST[keel]}); bh=$(vm_median ${HOST[before]})
  lh=$(vm_median ${HOST[linux]}); lth=$(vm_median ${HOST[linuxtsc]})
}
echo
echo "medians of $RUNS (calls/s, higher is better; Linux's clocksources:${CS[linux]:-?}; with the TSC rate:${CS[linuxtsc]:-?}):"
r() { printf '%.0f' "$1"; }
printf '| %-40s | %12s | %12s | %8s |\n' measure keel linux keel/linux \
  "clock_gettime/s, keel vs Linux" "$(r "$k")" "$(r "$l")" "$(vm_ratio "$k" "$l")" \
  "clock_gettime/s, keel before vs Linux" "$(r "$b")" "$(r "$l")" "$(vm_ratio "$b" "$l")" \
  "clock_gettime/s, keel vs Linux on the TSC" "$(r "$k")" "$(r "$lt")" "$(vm_ratio "$k" "$lt")" \
  "same, host clock: keel vs Linux" "$(r "$kh")" "$(r "$lh")" "$(vm_ratio "$kh" "$lh")" \
  "host clock: keel before vs Linux" "$(r "$bh")" "$(r "$lh")" "$(vm_ratio "$bh" "$lh")" \
  "host clock: keel vs Linux on the TSC" "$(r "$kh")" "$(r "$lth")" "$(vm_ratio "$kh" "$lth")"
echo "keel with vDSO / keel before: $(vm_ratio "$k" "$b") (host clock: $(vm_ratio "$kh" "$bh"))"
# shellcheck disable=SC2086
{
  echo "runs=$RUNS"; echo "calls=$CALLS"; echo "mem_mib=$MEM"
  echo "before=$before"; echo "tsc_khz=$TSC_KHZ"
  echo "linux_clocksources=$(vm_join ${CS[linux]:-unknown})"
  echo "linuxtsc_clocksources=$(vm_join ${CS[linuxtsc]:-unknown})"
  echo "keel_calls_per_s=$k"; echo "linux_calls_per_s=$l"; echo "ratio=$(vm_ratio "$k" "$l")"
  echo "keel_before_calls_per_s=$b"; echo "linux_before_calls_per_s=$l"
  echo "keel_tsc_calls_per_s=$k"; echo "linux_tsc_calls_per_s=$lt"
  echo "keel_host_clock=$kh"; echo "linux_host_clock=$lh"
  echo "keel_before_host_clock=$bh"; echo "linux_before_host_clock=$lh"
  echo "keel_tsc_host_clock=$kh"; echo "linux_tsc_host_clock=$lth"
  echo "after_over_before=$(vm_ratio "$k" "$b")"; echo "after_over_before_host_clock=$(vm_ratio "$kh" "$bh")"
  echo "keel_runs=$(vm_join ${CPS[keel]})"; echo "keel_before_runs=$(vm_join ${CPS[before]})"
  echo "linux_runs=$(vm_join ${CPS[linux]})"; echo "linux_tsc_runs=$(vm_join ${CPS[linuxtsc]})"
  echo "keel_host_runs=$(vm_join ${HOST[keel]})"; echo "keel_before_host_runs=$(vm_join ${HOST[before]})"
  echo "linux_host_runs=$(vm_join ${HOST[linux]})"; echo "linux_tsc_host_runs=$(vm_join ${HOST[linuxtsc]})"
} | vm_summary "$SUMMARY" /dev/null "runs"
