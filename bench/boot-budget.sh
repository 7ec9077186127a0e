#!/usr/bin/env bash
# bench/boot-budget.sh [--accel tcg|kvm]... — issue 17 "Boot path budget": the guest time from keel's
# first instruction (the PVH entry, pvh_start32) to the program's first instruction, by the TSC: the
# kernel reads it at the entry and prints "keel: program starts N us after the PVH entry" just before
# it jumps to the program (linux/exec.c; the line's own output is not in N). RUNS (5) boots of
# `keel run --verbose --accel ACCEL -- /bin/busybox true` per accelerator (keel run's own QEMU
# arguments for it: microvm, -cpu max under TCG), medians; also "keel: up in" (the kernel's clock, from
# its calibration to the end of the boot sequence) and the wall time of the whole run.
# The Linux VM of bench/linux-vm.sh under TCG gives a reference: its printk time stamp of "Run /init as
# init process" (Linux's own clock, which starts early in its boot, not at its entry). Under KVM
# Linux is not booted (see bench/README.md). An accelerator that does not boot keel is reported with
# the reason (the last lines of its log) and skipped; the script then exits 1.
# Writes build/bench/boot-budget.txt (key=value). Knobs: RUNS (5), RUN_TIMEOUT (60 s), LINUX=0.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
LINUX=${LINUX:-1}
OUT=$ROOT/build/bench/boot-budget
SUMMARY=$ROOT/build/bench/boot-budget.txt
PROG=/bin/busybox
ACCELS=()

die() { echo "boot-budget.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --accel) [ $# -ge 2 ] || die "--accel needs tcg or kvm"; ACCELS+=("$2"); shift 2 ;;
    --accel=*) ACCELS+=("${1#--accel=}"); shift ;;
    *) die "usage: boot-budget.sh [--accel tcg|kvm]... (default: tcg)" ;;
  esac
done
[ ${#ACCELS[@]} -gt 0 ] || ACCELS=(tcg)
for a in "${ACCELS[@]}"; do case $a in tcg|kvm) ;; *) die "--accel: tcg or kvm, not '$a'" ;; esac; done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[ -x "$KEEL" ] && [ -s "$KEEL_ELF" ] || die "build keel first (make): no $KEEL or $KEEL_ELF"
[ -x "$PROG" ] || die "$PROG not found (apt-get install busybox-static)"
mkdir -p "$OUT"
rm -f "$SUMMARY"
. "$ROOT/bench/vmlib.sh"   # vm_median, vm_join, LINUX_DIR

# field LOG RE: the first number after RE in LOG.
field() { sed -n "s/.*$2 \([0-9][0-9]*\).*/\1/p" "$1" | head -1; }

FAILS=()
{
  echo "runs=$RUNS"
  for accel in "${ACCELS[@]}"; do
    starts=(); ups=(); walls=(); bad=""
    for ((i = 1; i <= RUNS; i++)); do
      log=$OUT/keel-$accel-$i.log
      t0=$(date +%s.%N)
      timeout -k 5 "$RUN_TIMEOUT" "$KEEL" run --verbose --accel "$accel" --kernel "$KEEL_ELF" -t "$RUN_TIMEOUT" \
        -- "$PROG" true </dev/null >"$log" 2>&1
      rc=$?
      t1=$(date +%s.%N)
      s=$(field "$log" 'keel: program starts')
      u=$(field "$log" 'keel: up in')
      if [ "$rc" != 0 ] || [ -z "$s" ]; then
        bad="status $rc, no 'program starts' line; last lines: $(tail -n 4 "$log" | tr '\n' '|' | cut -c1-400)"
        break
      fi
      # keel run falls back to TCG where KVM cannot run keel (docs/kvm.md): that boot is not KVM's.
      if ! grep -aq "^keel: accelerator: $accel " "$log" || grep -aq '; using TCG$' "$log"; then
        bad="keel run did not use $accel: $(grep -a -m1 '^keel: warning: \|^keel: accelerator: ' "$log" | cut -c1-400)"
        break
      fi
      starts+=("$s"); ups+=("${u:-NA}"); walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')")
      printf 'keel %s run %d/%d: program starts %8d us after the PVH entry (up in %s us), run %.3f s\n' \
        "$accel" "$i" "$RUNS" "$s" "${u:-?}" "${walls[-1]}" >&2
    done
    if [ -n "$bad" ]; then
      echo "keel $accel: NOT MEASURED: $bad" >&2
      echo "keel_${accel}=not measured: $bad"
      FAILS+=("$accel")
      continue
    fi
    echo "keel_${accel}_program_start_us_median=$(vm_median "${starts[@]}" | cut -d. -f1)"
    echo "keel_${accel}_program_start_us_runs=$(vm_join "${starts[@]}")"
    echo "keel_${accel}_up_us_median=$(vm_median "${ups[@]}" | cut -d. -f1)"
    echo "keel_${accel}_run_wall_s_median=$(vm_median "${walls[@]}")"
  done
  if [ "$LINUX" = 1 ] && vm_linux_ready; then
    # Linux's reference under TCG: its own time stamp of the line that starts /init.
    runs=()
    for ((i = 1; i <= RUNS; i++)); do
      log=$OUT/linux-tcg-$i.log
      timeout -k 5 "$RUN_TIMEOUT" "${QEMU[@]}" -m 128 -kernel "$LINUX_DIR/vmlinux" \
        -initrd "$LINUX_DIR/initramfs.cpio.gz" -append "console=ttyS0 acpi=off" </dev/null >"$log" 2>&1
      t=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' "$log" | head -1)
      [ -n "$t" ] || { echo "linux tcg run $i: no 'Run /init' line (log $log)" >&2; FAILS+=(linux); break; }
      runs+=("$(awk -v t="$t" 'BEGIN{printf "%d", t * 1e6}')")
      echo "linux tcg run $i/$RUNS: Run /init at ${runs[-1]} us (its printk clock)" >&2
    done
    if [ ${#runs[@]} = "$RUNS" ]; then
      echo "linux_tcg_run_init_us_median=$(vm_median "${runs[@]}" | cut -d. -f1)"
      echo "linux_tcg_run_init_us_runs=$(vm_join "${runs[@]}")"
    fi
  fi
  echo "keel_elf_sha256=$(sha256sum < "$KEEL_ELF" | cut -c1-16)"
  echo "qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
} > "$SUMMARY.tmp"
mv "$SUMMARY.tmp" "$SUMMARY"
echo
grep -E '_median=|not measured' "$SUMMARY"
echo "summary: $SUMMARY"
[ ${#FAILS[@]} = 0 ] || { echo "boot-budget.sh: not measured: ${FAILS[*]}" >&2; exit 1; }
