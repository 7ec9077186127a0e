#!/usr/bin/env bash
# bench/proc.sh — issue 15 "Measure": processes in keel against a minimal Linux VM, same QEMU
# (-M microvm -accel tcg -cpu max, one vCPU, -m MEM), same run, RUNS (5) runs each, interleaved and
# alternating which goes first (bench/vmlib.sh); medians. One boot per measure, each timed inside
# the guest (CLOCK_MONOTONIC, or MemFree), so boot time is excluded:
#   forkexec  bench/forkexec.c, static: ROUNDS (1000) rounds of fork + execve of itself as a static
#             /bin/true + waitpid, rounds/s;
#   pipeline  bench/pipeline.c, static: /bin/sh -c 'dd if=/dev/zero bs=65536 count=… 2>/dev/null |
#             cat | wc -c' moving MIB (64) MiB through 3 processes, the count checked, MB/s (10^6 B/s),
#             timed from before the shell's fork to after its waitpid;
#   forkmem   bench/forkmem.c, static: MemFree (/proc/meminfo) before and after forking KIDS (100)
#             children that each pause(), KiB per child, then kills and reaps them.
# Both guests run the same static busybox (Debian's busybox-static) as /bin/sh; its applets (dd,
# cat, wc) run from it (busybox's standalone shell), in keel from /bin/sh, in Linux from
# /bin/busybox. The Linux VM boots Debian 12's kernel (bench/linux-vm.sh) with an initramfs of the
# files `keel build` packed plus busybox and an /init. Ratios are "better for keel when > 1":
# keel/linux for the rates, linux/keel for the bytes per child.
# Writes build/bench/proc/proc.txt (key=value) and the guests' serial logs (build/bench/proc/logs).
# Knobs: RUNS (5), ROUNDS (1000), MIB (64), KIDS (100), MEM (MiB, 256), RUN_TIMEOUT (s per boot, 600),
# PARTS (which measures: "forkexec pipeline forkmem").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-1000}
MIB=${MIB:-64}
KIDS=${KIDS:-100}
MEM=${MEM:-256}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
PARTS=${PARTS:-forkexec pipeline forkmem}
OUT=$ROOT/build/bench/proc
LOGDIR=$OUT/logs
SUMMARY=$OUT/proc.txt
. "$ROOT/bench/vmlib.sh"   # vm_linux_ready, vm_linux_cpio, vm_boot, vm_median, vm_ratio, vm_each_run...
exec </dev/null

die() { echo "proc.sh: $*" >&2; exit 1; }
for v in RUNS ROUNDS MIB KIDS MEM RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
MEASURES=()
for m in $PARTS; do
  case $m in forkexec|pipeline|forkmem) MEASURES+=("$m") ;; *) die "unknown part '$m' in PARTS" ;; esac
done
[ ${#MEASURES[@]} -gt 0 ] || die "PARTS names no measure"
[ -x "$KEEL" ] && [ -s "$KEEL_ELF" ] || die "build keel first (make)"
command -v perl >/dev/null || die "perl not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY" "$LOGDIR"/*.log   # a failed run must not leave an older result looking current

# --- the guests' files: one keel image and one Linux initramfs per measure -----------------------
BB=$LINUX_DIR/busybox   # the static busybox linux-vm.sh took from busybox-static
for p in forkexec pipeline forkmem; do
  gcc -O2 -static -Wall -Wextra -o "$OUT/$p" "$ROOT/bench/$p.c"
done
cmd_of() { # MEASURE -> C, the program and its arguments, the same in both guests
  case $1 in
    forkexec) C=("$OUT/forkexec" "$ROUNDS") ;;
    pipeline) C=("$OUT/pipeline" "$MIB") ;;
    forkmem) C=("$OUT/forkmem" "$KIDS") ;;
  esac
}
for m in "${MEASURES[@]}"; do
  cmd_of "$m"
  "$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel-$m" -f "$BB:/bin/sh" -- "${C[@]}"
  q=""; for a in "${C[@]}"; do q+=" $(printf '%q' "$a")"; done
  vm_linux_cpio "$OUT/keel-$m" "$OUT/linux-$m.cpio" "${q# }"
done

# --- one boot -------------------------------------------------------------------------------------
declare -A R   # R[MEASURE_KIND]: " v1 v2 ..."
FAILS=()
val_of() { # MEASURE LOG: the number the program printed
  case $1 in
    forkexec) sed -n 's/.* forkexec: [0-9]* rounds in [0-9.]* s: \([0-9.]*\) rounds\/s.*/\1/p' "$2" ;;
    pipeline) sed -n 's/.* pipeline: [0-9]* bytes in [0-9.]* s: \([0-9.]*\) MB\/s.*/\1/p' "$2" ;;
    forkmem) sed -n 's/.* forkmem: [0-9]* children: .*: \([0-9.-]*\) KiB per child.*/\1/p' "$2" ;;
  esac | head -1
}
unit_of() { case $1 in forkexec) echo rounds/s ;; pipeline) echo MB/s ;; forkmem) echo KiB/child ;; esac; }
run1() { # KIND RUN: each measure in its own boot
  local k=$1 i=$2 m img lf ok v line=""
  for m in "${MEASURES[@]}"; do
    lf=$LOGDIR/$k-$m-$i.log
    if [ "$k" = keel ]; then img=$OUT/keel-$m; ok=' keel: shutdown status 0$'
    else img=$OUT/linux-$m.cpio; ok=' BENCH-EXIT 0$'; fi
    vm_boot "$k" "$img" "$MEM" "$lf" "^$m: " "$RUN_TIMEOUT"
    v=$(val_of "$m" "$lf")
    if [ "$MARK" = NA ] || [ -z "$v" ] || ! grep -q "$ok" "$lf"; then
      FAILS+=("$k $m run $i: no result with status 0 (QEMU exit $CODE after ${END}s; log $lf)")
      echo "proc.sh: $k $m run $i failed; last lines of $lf:" >&2
      tail -n 12 "$lf" | sed 's/^/    /' >&2
      line+=" $m FAILED,"
      continue
    fi
    R[${m}_$k]+=" $v"
    line+=" $m $v $(unit_of "$m"),"
  done
  printf '%-5s run %d/%d:%s\n' "$k" "$i" "$RUNS" "${line%,}"
}

echo "proc.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max -m $MEM; $RUNS runs each"
echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes, sha256 $(sha256sum < "$KEEL_ELF" | cut -c1-16)…)"
echo "  linux: $LINUX_DIR/vmlinux ($(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')); /bin/sh: $("$BB" | head -1)"
echo "  host:  $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${QEMU[@]}" -m "$MEM" > "$OUT/qemu.args"   # both guests' QEMU, before -kernel
vm_each_run "$RUNS" run1

# --- report ---------------------------------------------------------------------------------------
# shellcheck disable=SC2086  # unquoted: the runs, one word each
med() { if [ -n "$1" ]; then vm_median $1; else echo NA; fi; }
ratio() { if [ "$1" = NA ] || [ "$2" = NA ]; then echo NA; else vm_ratio "$1" "$2"; fi; }
declare -A DESC=([forkexec]="fork + execve + wait of a static program, rounds/s"
  [pipeline]="busybox sh: dd | cat | wc -c, $MIB MiB, MB/s"
  [forkmem]="MemFree used per idle forked child ($KIDS), KiB")
declare -A M RATIO
echo
echo "medians of $RUNS; ratio > 1 is better for keel (keel/linux for rates, linux/keel for KiB):"
printf '| %-52s | %10s | %10s | %-17s |\n' measure keel linux ratio
for m in "${MEASURES[@]}"; do
  for k in keel linux; do M[${m}_$k]=$(med "${R[${m}_$k]:-}"); done
  shown=()
  for k in keel linux; do
    if [ "${M[${m}_$k]}" = NA ]; then shown+=(NA); else shown+=("$(printf '%.1f' "${M[${m}_$k]}")"); fi
  done
  if [ "$m" = forkmem ]; then
    RATIO[$m]=$(ratio "${M[${m}_linux]}" "${M[${m}_keel]}"); how=linux/keel
  else
    RATIO[$m]=$(ratio "${M[${m}_keel]}" "${M[${m}_linux]}"); how=keel/linux
  fi
  printf '| %-52s | %10s | %10s | %-17s |\n' "${DESC[$m]}" "${shown[0]}" "${shown[1]}" "${RATIO[$m]} $how"
done
# shellcheck disable=SC2086  # the run lists split into words on purpose
{
  echo "runs=$RUNS"; echo "mem_mib=$MEM"; echo "rounds=$ROUNDS"; echo "pipeline_mib=$MIB"; echo "kids=$KIDS"
  echo "busybox=$("$BB" | head -1)"
  for m in "${MEASURES[@]}"; do
    for k in keel linux; do
      echo "${k}_${m}_median=${M[${m}_$k]}"
      echo "${k}_${m}_runs=$(vm_join ${R[${m}_$k]:-})"
    done
    echo "${m}_ratio=${RATIO[$m]}"
  done
  echo "units=forkexec rounds/s; pipeline MB/s (10^6 B/s); forkmem KiB of MemFree per child"
  echo "ratios=better for keel when > 1: forkexec and pipeline keel/linux, forkmem linux/keel"
} | vm_summary "$SUMMARY" "$OUT/qemu.args" "boot(s)" "${FAILS[@]}" || exit 1
