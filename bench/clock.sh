#!/usr/bin/env bash
# bench/clock.sh — clock_gettime(CLOCK_MONOTONIC) calls per second in a loop (bench/clockloop.c,
# static glibc, CALLS calls timed by the same clock) in keel with its vDSO, in keel without one
# (KEEL_BEFORE_ELF: main's build before the vDSO, where every call is a system call) and in a
# minimal Linux VM (which has its vDSO), same QEMU (-M microvm -accel tcg -cpu max, one vCPU,
# -m MEM), same run, RUNS (5) runs each, interleaved (bench/vmlib.sh); medians.
# Without KEEL_BEFORE_ELF the "before" side is this build booted with vdso=0 (no AT_SYSINFO_EHDR:
# glibc makes the system call, as before the vDSO existed), and the summary says which it was.
# Writes build/bench/clock/clock.txt (key=value) and prints a table.
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
vm_linux_cpio "$OUT/keel" "$OUT/linux.cpio" "$(printf '%q' "$OUT/clockloop") $CALLS"

field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
declare -A CPS VDSO
run1() {
  local kind=$1 img=$OUT/$1 lf=$LOGDIR/$1-$2.log ok boot=keel
  [ "$kind" = linux ] && { img=$OUT/linux.cpio; boot=linux; }
  if [ "$kind" = before ] && [ -z "$KEEL_BEFORE_ELF" ]; then
    # vm_boot's keel line with vdso=0 added: the same kernel without its vDSO.
    local res
    res=$(MARK_RE='^BENCH clock end' perl -e "$VM_STAMPER" -- "$lf" "$RUN_TIMEOUT" "${QEMU[@]}" \
      -m "$MEM" -kernel "$img/keel.elf" -initrd "$img/initrd.cpio" -append 'keel.quiet vdso=0')
    read -r MARK CODE END <<<"$res"
  else
    vm_boot "$boot" "$img" "$MEM" "$lf" '^BENCH clock end' "$RUN_TIMEOUT"
  fi
  if [ "$boot" = keel ]; then ok=' keel: shutdown status 0$'; else ok=' BENCH-EXIT 0$'; fi
  if [ "$MARK" = NA ] || ! grep -q "$ok" "$lf"; then
    echo "---- last lines of $lf:" >&2; tail -n 15 "$lf" >&2
    die "$kind run $2 did not finish the loop with status 0 (QEMU exit $CODE after ${END}s)"
  fi
  CPS[$kind]+=" $(field "$lf" calls_per_s)"
  VDSO[$kind]=$(field "$lf" vdso)
  printf '%-6s run %d/%d: %12.1f calls/s (vdso=%s)\n' "$kind" "$2" "$RUNS" "$(field "$lf" calls_per_s)" "${VDSO[$kind]}"
}

echo "clock.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max -m $MEM; $CALLS calls; $RUNS runs each"
echo "  keel: $KEEL_ELF; before: $before; linux: $(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')"
for ((i = 1; i <= RUNS; i++)); do
  if ((i % 2)); then order="keel before linux"; else order="linux before keel"; fi
  for k in $order; do run1 "$k" "$i"; done
done
[ "${VDSO[keel]}" = 1 ] || die "keel's run had no vDSO (AT_SYSINFO_EHDR missing)"
[ "${VDSO[before]}" = 0 ] || die "the before run had a vDSO"

# shellcheck disable=SC2086  # word splitting of the run lists is wanted
{ k=$(vm_median ${CPS[keel]}); b=$(vm_median ${CPS[before]}); l=$(vm_median ${CPS[linux]}); }
echo
echo "medians of $RUNS (calls/s, higher is better):"
r() { printf '%.0f' "$1"; }
printf '| %-34s | %12s | %12s | %8s |\n' measure keel linux keel/linux \
  "clock_gettime/s, keel with vDSO" "$(r "$k")" "$(r "$l")" "$(vm_ratio "$k" "$l")" \
  "clock_gettime/s, keel before" "$(r "$b")" "$(r "$l")" "$(vm_ratio "$b" "$l")"
echo "keel with vDSO / keel before: $(vm_ratio "$k" "$b")"
# shellcheck disable=SC2086
{
  echo "runs=$RUNS"; echo "calls=$CALLS"; echo "mem_mib=$MEM"
  echo "before=$before"
  echo "keel_calls_per_s=$k"; echo "linux_calls_per_s=$l"; echo "ratio=$(vm_ratio "$k" "$l")"
  echo "keel_before_calls_per_s=$b"; echo "linux_before_calls_per_s=$l"
  echo "after_over_before=$(vm_ratio "$k" "$b")"
  echo "keel_runs=$(vm_join ${CPS[keel]})"; echo "keel_before_runs=$(vm_join ${CPS[before]})"
  echo "linux_runs=$(vm_join ${CPS[linux]})"
} | vm_summary "$SUMMARY" /dev/null "runs"
