#!/usr/bin/env bash
# bench/copy.sh — issue 17 "Large copies at memory speed": read(2) and write(2) between a file in
# memory and the program's buffer, swept over the size of each call, keel against the Linux VM of
# bench/vmlib.sh in the same QEMU (-M microvm -accel tcg -cpu max), RUNS (5) boots each, interleaved,
# medians. One boot runs `sysbench sweep /data/1m.bin PASSES SIZE...` (bench/sysbench.c): for each
# size, PASSES reads of the 1 MiB file to EOF (keel: ramfs, read in place from the initrd; Linux:
# the initramfs's tmpfs), then PASSES overwrites of a 1 MiB file beside it, each after an untimed
# pass (the read checks the bytes, the write allocates the file); timed in the guest with
# CLOCK_MONOTONIC, and by the host between the lines the guest prints before and after each loop
# (a guest's clock may lag on a loaded host). Writes build/bench/copy/copy.txt (key=value, every
# run) and prints the table.
# Knobs: RUNS (5), PASSES (100), SIZES ("4096 16384 65536 262144 1048576"), MEM (128),
# RUN_TIMEOUT (s per boot, 300), LINUX=0 (keel only), KEEL, KEEL_ELF (another build's pair).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
PASSES=${PASSES:-100}
SIZES=${SIZES:-"4096 16384 65536 262144 1048576"}
MEM=${MEM:-128}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
LINUX=${LINUX:-1}
OUT=$ROOT/build/bench/copy
LOGDIR=$OUT/logs
SUMMARY=$OUT/copy.txt
. "$ROOT/bench/vmlib.sh"

die() { echo "copy.sh: $*" >&2; exit 1; }
for v in RUNS PASSES MEM RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
for s in $SIZES; do [[ $s =~ ^[1-9][0-9]*$ ]] || die "SIZES: not a positive integer: $s"; done
[ -x "$KEEL" ] || die "build keel first (make): no $KEEL"
[ -s "$KEEL_ELF" ] || die "build keel first (make): no $KEEL_ELF"
command -v gcc >/dev/null || die "gcc not found"
KINDS="keel"
if [ "$LINUX" = 1 ]; then vm_linux_ready || die "no Linux VM"; KINDS="keel linux"; fi
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"

gcc -O2 -static -Wall -Wextra -o "$OUT/sysbench" "$ROOT/bench/sysbench.c"
perl -e 'print pack("C*", map { ($_ * 131 + int($_ / 4096)) & 0xff } 0 .. 1048575)' > "$OUT/1m.bin"
# shellcheck disable=SC2086  # SIZES is a list
"$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel" -f "$OUT/1m.bin:/data/1m.bin" -- \
  "$OUT/sysbench" sweep /data/1m.bin "$PASSES" $SIZES
if [ "$LINUX" = 1 ]; then vm_linux_cpio "$OUT/keel" "$OUT/linux.cpio" "$OUT/sysbench sweep /data/1m.bin $PASSES $SIZES"; fi

declare -A R H # R[kind,op,size] = " rate rate ..." (the guest's clock), H the same by the host's
FAILS=()
one() {
  local k=$1 i=$2 lf=$LOGDIR/$1-$2.log img op s v
  if [ "$k" = keel ]; then img=$OUT/keel; else img=$OUT/linux.cpio; fi
  vm_boot "$k" "$img" "$MEM" "$lf" '^SWEEP done' "$RUN_TIMEOUT"
  if [ "$MARK" = NA ]; then FAILS+=("$k run $i: no 'SWEEP done' (QEMU exit $CODE, log $lf)"); fi
  for op in read write; do
    for s in $SIZES; do
      v=$(awk -v op="$op" -v s="$s" '$2 == "SWEEP" && $3 == op && $4 == s {print $5; exit}' "$lf")
      R[$k,$op,$s]+=" ${v:-NA}"
      # The host's clock: the line's arrival less the "SWEEP go" line's before it.
      v=$(awk -v op="$op" -v s="$s" -v b="$((PASSES * 1048576))" '$2 == "SWEEP" && $3 == "go" {go = $1}
        $2 == "SWEEP" && $3 == op && $4 == s {if ($1 > go) printf "%.1f", b / ($1 - go) / 1e6; exit}' "$lf")
      H[$k,$op,$s]+=" ${v:-NA}"
    done
  done
  printf '%-5s run %d/%d: read %s | write %s\n' "$k" "$i" "$RUNS" \
    "$(awk '$2 == "SWEEP" && $3 == "read" {printf "%s ", $5}' "$lf")" \
    "$(awk '$2 == "SWEEP" && $3 == "write" {printf "%s ", $5}' "$lf")"
}
each() { if [ "$LINUX" = 1 ]; then vm_each_run "$RUNS" one; else for ((n = 1; n <= RUNS; n++)); do one keel "$n"; done; fi; }
echo "copy.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max -m $MEM; $RUNS boots each; $PASSES passes of 1 MiB per size"
each

echo
echo "MB/s (10^6 B/s), medians of $RUNS; (h): timed by the host between the guest's lines:"
printf '| %-5s | %8s | %9s | %9s | %6s | %9s | %9s | %6s |\n' op size keel linux ratio "keel(h)" "linux(h)" "ratio(h)"
printf '| %-5s | %8s | %9s | %9s | %6s | %9s | %9s | %6s |\n' --- --- --- --- --- --- --- ---
: > "$SUMMARY.body"
med() { local v; v=$(vm_median "$@"); printf '%.1f' "$v"; }
for op in read write; do
  for s in $SIZES; do
    # shellcheck disable=SC2086  # the run lists are space-separated
    km=$(med ${R[keel,$op,$s]}); kh=$(med ${H[keel,$op,$s]}); lm=NA; lh=NA
    # shellcheck disable=SC2086
    [ "$LINUX" = 1 ] && { lm=$(med ${R[linux,$op,$s]}); lh=$(med ${H[linux,$op,$s]}); }
    printf '| %-5s | %8s | %9s | %9s | %6s | %9s | %9s | %6s |\n' "$op" "$s" "$km" "$lm" "$(vm_ratio "$km" "$lm")" \
      "$kh" "$lh" "$(vm_ratio "$kh" "$lh")"
    {
      echo "${op}_${s}_keel_median=$km"; echo "${op}_${s}_linux_median=$lm"
      echo "${op}_${s}_ratio=$(vm_ratio "$km" "$lm")"
      echo "${op}_${s}_keel_host_median=$kh"; echo "${op}_${s}_linux_host_median=$lh"
      echo "${op}_${s}_host_ratio=$(vm_ratio "$kh" "$lh")"
      # shellcheck disable=SC2086
      for k in $KINDS; do
        echo "${op}_${s}_${k}_runs=$(vm_join ${R[$k,$op,$s]})"
        echo "${op}_${s}_${k}_host_runs=$(vm_join ${H[$k,$op,$s]})"
      done
    } >> "$SUMMARY.body"
  done
done
printf '%s\n' "${QEMU[@]}" -m "$MEM" > "$OUT/args"
{ echo "runs=$RUNS"; echo "passes=$PASSES"; echo "sizes=$SIZES"; cat "$SUMMARY.body"; } |
  vm_summary "$SUMMARY" "$OUT/args" runs "${FAILS[@]}"
