#!/usr/bin/env bash
# bench/futex.sh — issue 7 "Measure": futex ping-pong round trips per second in keel against a
# minimal Linux VM, same QEMU (-M microvm -accel tcg -cpu max, one vCPU, -m MEM), same run, RUNS (5)
# runs each, interleaved (bench/vmlib.sh); medians. The program is bench/futexpp.c built static:
# two threads hand one futex word back and forth ROUNDS (20000) times, timed in the guest
# (CLOCK_MONOTONIC) and, as a check, by the host between its "BENCH futex begin" and "end" lines.
# Writes build/bench/futex/futex.txt (key=value) and prints a table.
# Knobs: RUNS (5), ROUNDS (20000), MEM (128), RUN_TIMEOUT (s per QEMU run, 120).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-20000}
MEM=${MEM:-128}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
OUT=$ROOT/build/bench/futex
LOGDIR=$OUT/logs
SUMMARY=$OUT/futex.txt
. "$ROOT/bench/vmlib.sh"
exec </dev/null

die() { echo "futex.sh: $*" >&2; exit 1; }
for v in RUNS ROUNDS MEM RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$KEEL" ] && [ -s "$KEEL_ELF" ] || die "build keel first (make)"
command -v perl >/dev/null || die "perl not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"

gcc -O2 -static -pthread -Wall -Wextra -o "$OUT/futexpp" "$ROOT/bench/futexpp.c"
"$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel" -- "$OUT/futexpp" "$ROUNDS"
vm_linux_cpio "$OUT/keel" "$OUT/linux.cpio" "$(printf '%q' "$OUT/futexpp") $ROUNDS"

field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
declare -A RT RT_HOST
run1() {
  local img=$OUT/keel lf=$LOGDIR/$1-$2.log ok rt hrt
  [ "$1" = keel ] || img=$OUT/linux.cpio
  vm_boot "$1" "$img" "$MEM" "$lf" '^BENCH futex end' "$RUN_TIMEOUT"
  if [ "$1" = keel ]; then ok=' keel: shutdown status 0$'; else ok=' BENCH-EXIT 0$'; fi
  if [ "$MARK" = NA ] || ! grep -q "$ok" "$lf"; then
    echo "---- last lines of $lf:" >&2; tail -n 15 "$lf" >&2
    die "$1 run $2 did not finish the ping-pong with status 0 (QEMU exit $CODE after ${END}s)"
  fi
  rt=$(field "$lf" roundtrips_per_s)
  hrt=$(awk -v a="$(vm_stamp "$lf" '^BENCH futex begin')" -v b="$MARK" -v n="$ROUNDS" 'BEGIN{printf "%.1f", n/(b-a)}')
  RT[$1]+=" $rt"; RT_HOST[$1]+=" $hrt"
  printf '%-5s run %d/%d: %10.1f round trips/s (host clock %10.1f), %s futex waits\n' \
    "$1" "$2" "$RUNS" "$rt" "$hrt" "$(field "$lf" waits)"
}

echo "futex.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max -m $MEM; $ROUNDS rounds; $RUNS runs each"
echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes); linux: $(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')"
vm_each_run "$RUNS" run1

# shellcheck disable=SC2086  # word splitting of the run lists is wanted
{
  k=$(vm_median ${RT[keel]}); l=$(vm_median ${RT[linux]})
  kh=$(vm_median ${RT_HOST[keel]}); lh=$(vm_median ${RT_HOST[linux]})
}
echo
echo "medians of $RUNS (keel / linux = ratio; higher is better):"
r() { printf '%.0f' "$1"; }
printf '| %-38s | %10s | %10s | %10s |\n' measure keel linux keel/linux \
  "futex round trips/s (guest clock)" "$(r "$k")" "$(r "$l")" "$(vm_ratio "$k" "$l")" \
  "futex round trips/s (host clock)" "$(r "$kh")" "$(r "$lh")" "$(vm_ratio "$kh" "$lh")"
# shellcheck disable=SC2086
{
  echo "runs=$RUNS"; echo "rounds=$ROUNDS"; echo "mem_mib=$MEM"
  echo "qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
  echo "linux_kernel=$(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo unknown)"
  echo "keel_elf_sha256=$(sha256sum "$KEEL_ELF" | cut -c1-16)"
  echo "keel_roundtrips_per_s=$k"; echo "linux_roundtrips_per_s=$l"; echo "ratio=$(vm_ratio "$k" "$l")"
  echo "keel_runs=$(vm_join ${RT[keel]})"; echo "linux_runs=$(vm_join ${RT[linux]})"
  echo "keel_host_clock=$kh"; echo "linux_host_clock=$lh"
} > "$SUMMARY.tmp"
mv "$SUMMARY.tmp" "$SUMMARY"
echo "summary: $SUMMARY (serial logs: $LOGDIR)"
