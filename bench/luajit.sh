#!/usr/bin/env bash
# bench/luajit.sh — issue 6 "Measure": keel against a Linux VM running the same Linux program, same
# QEMU (-M microvm -accel tcg -cpu max), same run, medians of RUNS (5), runs interleaved:
#   1. wall time from just before QEMU starts to luajit's first output line (`hi`), -m MEM (128);
#   2. the smallest -m (whole MiB) in which luajit hello runs, keel and Linux (bisected);
#   3. getpid round trip (ns/call, N calls) and a 1 MiB file read in a loop (MB/s), from
#      bench/sysbench.c built static, both timed in the guest and, as a check, by the host.
# Both guests get the same files: the Linux VM's initramfs is the cpio `keel build` wrote (minus
# /.keel) plus the static busybox of bench/linux-vm.sh and an /init that runs the program and exits
# QEMU through isa-debug-exit. Writes build/bench/luajit/luajit.txt (key=value) and prints a table.
# Knobs: RUNS (5), MEM (128), GETPID_N (1000000), READ_PASSES (100), READ_CHUNK (65536),
# RUN_TIMEOUT (s per QEMU run, 60), CONFIRM (runs that must all pass at the smallest RAM, 3),
# SKIP_MEM=1 (no RAM search), KEEL_MEMS / LINUX_MEMS (the coarse lists, largest first).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
MEM=${MEM:-128}
GETPID_N=${GETPID_N:-1000000}
READ_PASSES=${READ_PASSES:-100}
READ_CHUNK=${READ_CHUNK:-65536}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
CONFIRM=${CONFIRM:-3}
SKIP_MEM=${SKIP_MEM:-0}
KEEL_MEMS=${KEEL_MEMS:-"64 32 16 12 8 6 4"}
LINUX_MEMS=${LINUX_MEMS:-"256 128 112 96 88 80 72 64 56 48 40 32"}
OUT=$ROOT/build/bench/luajit
LOGDIR=$OUT/logs
SUMMARY=$OUT/luajit.txt
. "$ROOT/bench/vmlib.sh"   # LINUX_DIR, LINUX_APPEND, QEMU, vm_linux_cpio, vm_boot, ...

die() { echo "luajit.sh: $*" >&2; exit 1; }
log() { echo "luajit.sh: $*" >&2; }
for v in RUNS MEM GETPID_N READ_PASSES READ_CHUNK RUN_TIMEOUT CONFIRM; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$KEEL" ] || die "build keel first (make): no $KEEL"
[ -s "$KEEL_ELF" ] || die "build keel first (make): no $KEEL_ELF"
[ -x /usr/bin/luajit ] || die "/usr/bin/luajit not found (apt-get install luajit)"
command -v gcc >/dev/null || die "gcc not found"
command -v perl >/dev/null || die "perl not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"   # a failed run must not leave an older result looking current

# --- the guests: one keel image and one Linux initramfs per workload -------------------------
gcc -O2 -static -Wall -Wextra -o "$OUT/sysbench" "$ROOT/bench/sysbench.c"
# The 1 MiB file: byte i is (i * 131 + i / 4096) & 0xff, which sysbench checks on its first pass.
perl -e 'print pack("C*", map { ($_ * 131 + int($_ / 4096)) & 0xff } 0 .. 1048575)' > "$OUT/1m.bin"

declare -A CMD   # workload -> the guest command, shell-quoted (for the Linux /init)
build_workload() {
  local w=$1; shift
  local extra=() q=""
  [ "$w" = read ] && extra=(-f "$OUT/1m.bin:/data/1m.bin")
  "$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel-$w" "${extra[@]}" -- "$@"
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  CMD[$w]=${q# }
  # Linux: the same files, plus busybox and an /init that runs the command.
  vm_linux_cpio "$OUT/keel-$w" "$OUT/linux-$w.cpio" "${CMD[$w]}"
}
build_workload luajit /usr/bin/luajit -e 'print("hi")'
build_workload getpid "$OUT/sysbench" getpid "$GETPID_N"
build_workload read "$OUT/sysbench" read /data/1m.bin "$READ_PASSES" "$READ_CHUNK"


# boot KIND WORKLOAD MEM LOG MARK_RE -> sets MARK CODE END; returns 0 when the run ended as wanted:
# the marker seen, the program's status 0 (keel: "keel: shutdown status 0"; Linux: "BENCH-EXIT 0").
boot() {
  local kind=$1 w=$2 mem=$3 logf=$4 re=$5
  if [ "$kind" = keel ]; then
    vm_boot keel "$OUT/keel-$w" "$mem" "$logf" "$re" "$RUN_TIMEOUT"
  else
    vm_boot linux "$OUT/linux-$w.cpio" "$mem" "$logf" "$re" "$RUN_TIMEOUT"
  fi
  [ "$MARK" != NA ] || return 1
  if [ "$kind" = keel ]; then grep -q ' keel: shutdown status 0$' "$logf"; else grep -q ' BENCH-EXIT 0$' "$logf"; fi
}
fail_run() {
  echo "---- last lines of $1:" >&2; tail -n 15 "$1" >&2; echo "----" >&2
  die "$2 (QEMU exit $CODE after ${END}s)"
}
median() { vm_median "$@"; }
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }            # key=value on a BENCH line
stamp() { vm_stamp "$@"; }                                                 # arrival time of a line
join() { local IFS=,; echo "$*"; }
order_for() { if (($1 % 2)); then echo keel linux; else echo linux keel; fi; }   # alternate who goes first

echo "luajit.sh: $(qemu-system-x86_64 --version | head -1); -M microvm -accel tcg -cpu max; $RUNS runs each"
echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes), initrd $(stat -c %s "$OUT/keel-luajit/initrd.cpio") bytes"
echo "  linux: $(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?'), initramfs $(stat -c %s "$OUT/linux-luajit.cpio") bytes (uncompressed), append '$LINUX_APPEND'"

# --- 1. QEMU start to luajit's "hi" ----------------------------------------------------------
declare -A T_HI T_END
for ((i = 1; i <= RUNS; i++)); do
  for k in $(order_for "$i"); do
    lf=$LOGDIR/$k-luajit-$i.log
    boot "$k" luajit "$MEM" "$lf" '^hi$' || fail_run "$lf" "$k luajit run $i did not print hi and end with status 0"
    T_HI[$k]+=" $MARK"; T_END[$k]+=" $END"
    printf '%-5s luajit run %d/%d: hi at %7.4f s, QEMU gone at %7.4f s\n' "$k" "$i" "$RUNS" "$MARK" "$END"
  done
done

# --- 3. getpid and the 1 MiB read ------------------------------------------------------------
declare -A GP GP_HOST RD RD_HOST
for ((i = 1; i <= RUNS; i++)); do
  for k in $(order_for "$i"); do
    lf=$LOGDIR/$k-getpid-$i.log
    boot "$k" getpid "$MEM" "$lf" '^BENCH getpid end' || fail_run "$lf" "$k getpid run $i failed"
    ns=$(field "$lf" ns_per_call)
    hns=$(awk -v a="$(stamp "$lf" 'BENCH getpid begin')" -v b="$MARK" -v n="$GETPID_N" 'BEGIN{printf "%.1f", (b-a)*1e9/n}')
    GP[$k]+=" $ns"; GP_HOST[$k]+=" $hns"
    lf=$LOGDIR/$k-read-$i.log
    boot "$k" read "$MEM" "$lf" '^BENCH read end' || fail_run "$lf" "$k read run $i failed"
    mbs=$(field "$lf" MB_per_s)
    hmbs=$(awk -v a="$(stamp "$lf" 'BENCH read begin')" -v b="$MARK" -v n="$READ_PASSES" 'BEGIN{printf "%.1f", n*1048576/(b-a)/1e6}')
    RD[$k]+=" $mbs"; RD_HOST[$k]+=" $hmbs"
    printf '%-5s syscalls run %d/%d: getpid %7.1f ns/call (host clock %7.1f), read %8.1f MB/s (host clock %8.1f)\n' \
      "$k" "$i" "$RUNS" "$ns" "$hns" "$mbs" "$hmbs"
  done
done

# --- 2. the smallest RAM ---------------------------------------------------------------------
# ok KIND MEM: one luajit hello run at -m MEM ended as wanted. Logged to build/bench/luajit/logs.
ok() { boot "$1" luajit "$2" "$LOGDIR/$1-mem-$2.log" '^hi$'; }
MEMLOG=$OUT/mem-search.txt
: > "$MEMLOG"
# smallest KIND "LIST": walk LIST (largest first) down to the first failure, bisect to 1 MiB
# between it and the last success, then CONFIRM runs at the result (stepping up, at most 8 times,
# while any fails). Echoes the result; every probe goes to $MEMLOG.
smallest() {
  local kind=$1 good="" bad="" m mid n step
  for m in $2; do
    if ok "$kind" "$m"; then echo "$kind -m $m: ok" >> "$MEMLOG"; good=$m
    else echo "$kind -m $m: FAIL (exit $CODE)" >> "$MEMLOG"; bad=$m; break; fi
  done
  [ -n "$good" ] || { echo NA; return; }
  if [ -n "$bad" ]; then
    while ((good - bad > 1)); do
      mid=$(((good + bad) / 2))
      if ok "$kind" "$mid"; then echo "$kind -m $mid: ok" >> "$MEMLOG"; good=$mid
      else echo "$kind -m $mid: FAIL (exit $CODE)" >> "$MEMLOG"; bad=$mid; fi
    done
  fi
  for ((step = 0; step < 8; step++)); do
    for ((n = 1; n <= CONFIRM; n++)); do
      ok "$kind" "$good" || break
    done
    if ((n > CONFIRM)); then echo "$kind -m $good: ok $CONFIRM of $CONFIRM confirming runs" >> "$MEMLOG"; echo "$good"; return; fi
    echo "$kind -m $good: confirming run $n failed (exit $CODE); trying $((good + 1))" >> "$MEMLOG"
    good=$((good + 1))
  done
  echo NA
}
if [ "$SKIP_MEM" = 1 ]; then
  keel_min=skipped; linux_min=skipped
else
  keel_min=$(smallest keel "$KEEL_MEMS")
  linux_min=$(smallest linux "$LINUX_MEMS")
  sed 's/^/  /' "$MEMLOG"
fi

# --- report ----------------------------------------------------------------------------------
# shellcheck disable=SC2086  # word splitting of the run lists is wanted
{
  kh=$(median ${T_HI[keel]}); lh=$(median ${T_HI[linux]})
  ke=$(median ${T_END[keel]}); le=$(median ${T_END[linux]})
  kg=$(median ${GP[keel]}); lg=$(median ${GP[linux]})
  kgh=$(median ${GP_HOST[keel]}); lgh=$(median ${GP_HOST[linux]})
  kr=$(median ${RD[keel]}); lr=$(median ${RD[linux]})
  krh=$(median ${RD_HOST[keel]}); lrh=$(median ${RD_HOST[linux]})
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b + 0 == 0) print "NA"; else printf "%.3f", a / b }'; }
mem_ratio=NA; [[ $keel_min =~ ^[0-9]+$ && $linux_min =~ ^[0-9]+$ ]] && mem_ratio=$(ratio "$keel_min" "$linux_min")
echo
echo "medians of $RUNS (keel / linux = ratio):"
row() { printf '| %-54s | %9s | %9s | %10s |\n' "$@"; }
f() { awk -v v="$1" -v d="$2" 'BEGIN{ if (v ~ /^[0-9.]+$/) printf "%.*f", d, v; else print v }'; }
row measure keel linux keel/linux
row ------------------------------------------------------ --------- --------- ----------
row "QEMU start to luajit's \"hi\" (s, -m $MEM)" "$(f "$kh" 3)" "$(f "$lh" 3)" "$(ratio "$kh" "$lh")"
row "QEMU start to QEMU gone (s)" "$(f "$ke" 3)" "$(f "$le" 3)" "$(ratio "$ke" "$le")"
row "smallest -m for luajit hello (MiB)" "$keel_min" "$linux_min" "$mem_ratio"
row "getpid (ns/call, guest clock, N=$GETPID_N)" "$(f "$kg" 1)" "$(f "$lg" 1)" "$(ratio "$kg" "$lg")"
row "getpid (ns/call, host clock)" "$(f "$kgh" 1)" "$(f "$lgh" 1)" "$(ratio "$kgh" "$lgh")"
row "1 MiB file x$READ_PASSES, $READ_CHUNK-byte reads (MB/s, guest clock)" "$(f "$kr" 1)" "$(f "$lr" 1)" "$(ratio "$kr" "$lr")"
row "1 MiB file read (MB/s, host clock)" "$(f "$krh" 1)" "$(f "$lrh" 1)" "$(ratio "$krh" "$lrh")"

# shellcheck disable=SC2086
{
  echo "runs=$RUNS"; echo "mem_mib=$MEM"
  echo "qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
  echo "linux_kernel=$(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo unknown)"
  echo "keel_elf_bytes=$(stat -c %s "$OUT/keel-luajit/keel.elf")"
  echo "keel_elf_sha256=$(sha256sum "$OUT/keel-luajit/keel.elf" | cut -c1-16)"
  echo "keel_hi_median_s=$kh"; echo "linux_hi_median_s=$lh"; echo "hi_ratio=$(ratio "$kh" "$lh")"
  echo "keel_hi_runs_s=$(join ${T_HI[keel]})"; echo "linux_hi_runs_s=$(join ${T_HI[linux]})"
  echo "keel_end_median_s=$ke"; echo "linux_end_median_s=$le"
  echo "keel_min_mib=$keel_min"; echo "linux_min_mib=$linux_min"
  echo "keel_getpid_ns=$kg"; echo "linux_getpid_ns=$lg"; echo "getpid_ratio=$(ratio "$kg" "$lg")"
  echo "keel_getpid_runs_ns=$(join ${GP[keel]})"; echo "linux_getpid_runs_ns=$(join ${GP[linux]})"
  echo "keel_getpid_host_ns=$kgh"; echo "linux_getpid_host_ns=$lgh"
  echo "keel_read_mbs=$kr"; echo "linux_read_mbs=$lr"; echo "read_ratio=$(ratio "$kr" "$lr")"
  echo "keel_read_runs_mbs=$(join ${RD[keel]})"; echo "linux_read_runs_mbs=$(join ${RD[linux]})"
  echo "keel_read_host_mbs=$krh"; echo "linux_read_host_mbs=$lrh"
} > "$SUMMARY.tmp"
mv "$SUMMARY.tmp" "$SUMMARY"
echo "summary: $SUMMARY (serial logs: $LOGDIR, RAM search: $MEMLOG)"
