#!/usr/bin/env bash
# bench/console.sh — issue 17 "Measure": the program's standard streams through the host's, keel
# against a Linux VM in the same QEMU (-M microvm -accel tcg -cpu max), medians of RUNS (5), runs
# interleaved:
#   in:  SIZE MiB (64) of random bytes piped into `busybox sha256sum` (the digest checked against
#        the host's);
#   raw: the same bytes into `busybox cat >/dev/null` (the transport without the hashing);
#   out: `busybox cat` of a SIZE MiB file from the initrd to stdout, redirected to a host file
#        (checked by size and sha256);
#   hash: `busybox sha256sum` of that file (no stream at all: the hashing alone, the same code in
#        both guests), so that in's rate can be read as transport and hashing.
# keel runs as a user runs it (`keel run`, which wires QEMU's stdio to a virtio-serial port when
# its stdin is not a terminal). The Linux VM gets the same QEMU device (virtserialport on port 1)
# and runs the command on /dev/vport0p1 (virtio_console and the virtio modules from the kernel's
# own .deb, insmod'ed by /init); its console goes to a log file, which gets its digest: the port's
# host side closes at the end of the input, and QEMU drops what a closed port is sent. For output
# the port writes to the host file itself (a file chardev: QEMU's stdio would close the port at
# once on an empty stdin), where keel's goes through a pipe and keel run.
# Each rate is SIZE over the difference of wall times against a run moving nothing (in0: the
# sha256sum of an empty stdin, for in and raw; out0: `cat FILE >/dev/null`), so boot and the
# initrd cancel out; hashing SIZE MiB does not (the same busybox code in both guests).
# Writes build/bench/console/console.txt (key=value) and prints a table.
# Knobs: RUNS (5), SIZE (MiB, 64), MEM (MiB, 512), RUN_TIMEOUT (s per run, 120), KEEL (build/keel)
# and KEEL_ELF (build/keel.elf: another build's pair measures it, e.g. main's), LINUX=0 (keel only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
SIZE=${SIZE:-64}
MEM=${MEM:-512}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
LINUX=${LINUX:-1}
OUT=$ROOT/build/bench/console
LOGDIR=$OUT/logs
SUMMARY=$OUT/console.txt
. "$ROOT/bench/vmlib.sh"   # LINUX_DIR, vm_linux_ready, vm_linux_kmods, vm_linux_cpio, vm_median ...

die() { echo "console.sh: $*" >&2; exit 1; }
log() { echo "console.sh: $*" >&2; }
for v in RUNS SIZE MEM RUN_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$KEEL" ] || die "build keel first (make): no $KEEL"
[ "$LINUX" = 0 ] || vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"
export XDG_CACHE_HOME=$OUT/cache

DATA=$OUT/data.bin
head -c $((SIZE << 20)) /dev/urandom > "$DATA"
WANT=$(sha256sum < "$DATA" | cut -d' ' -f1)
BB=/bin/busybox

# --- the Linux VM: one initramfs per command, the port's modules loaded by /init ----------------
KMODS="virtio_ring virtio virtio_mmio virtio_console"
[ "$LINUX" = 0 ] || vm_linux_kmods "$OUT/kmod" "$KMODS" || die "no kernel modules"
add_kmods() { mkdir -p "$1/kmod" "$1/data"; cp "$OUT"/kmod/*.ko "$1/kmod/"; cp "$DATA" "$1/data/data.bin"; }
PORT_UP="for m in $KMODS; do /bin/busybox insmod /kmod/\$m.ko || echo \"insmod \$m failed\"; done
i=0; while [ ! -e /dev/vport0p1 ] && [ \$i -lt 500 ]; do /bin/busybox usleep 10000; i=\$((i+1)); done
/bin/busybox usleep 200000 # the node comes a moment before the port opens (ENXIO)"
# The keel images, built once (keel run rebuilds them in its cache as a user's run would).
"$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel-img" -f "$DATA:/data/data.bin" -- "$BB" true
declare -A LCMD=(
  [in]="exec 3</dev/vport0p1; /bin/busybox sha256sum <&3"
  [in0]="/bin/busybox sha256sum </dev/null"
  [raw]="exec 3</dev/vport0p1; /bin/busybox cat <&3 >/dev/null"
  [out]="/bin/busybox cat /data/data.bin >/dev/vport0p1"
  [out0]="/bin/busybox cat /data/data.bin >/dev/null"
  [hash]="/bin/busybox sha256sum /data/data.bin"
)
for w in in in0 raw out out0 hash; do
  [ "$LINUX" = 1 ] || break
  vm_linux_cpio "$OUT/keel-img" "$OUT/linux-$w.cpio" "$PORT_UP
${LCMD[$w]}" add_kmods
done

# Linux under TCG cannot calibrate the TSC on microvm (no PIT, HPET or PM timer): it is told.
gcc -O2 -Wall -o "$OUT/tsckhz" "$ROOT/bench/tsckhz.c"
LINUX_CMDLINE="console=ttyS0 quiet panic=-1 tsc_early_khz=$("$OUT/tsckhz")"

now() { date +%s.%N; }

# run KIND WORKLOAD N: one run; its wall time in T, its stdout in $LOGDIR/KIND-WORKLOAD-N.out.
run() {
  local k=$1 w=$2 n=$3 in=/dev/null t0 st=0 chr=stdio,id=io
  local o=$LOGDIR/$k-$w-$n
  [ "$w" != in ] && [ "$w" != raw ] || in=$DATA
  t0=$(now)
  if [ "$k" = keel ]; then
    case $w in
      raw) timeout -k 5 "$RUN_TIMEOUT" "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg -m "${MEM}M" \
             -- "$BB" sh -c 'cat >/dev/null' < "$in" > "$o.out" 2> "$o.err" || st=$? ;;
      in | in0) timeout -k 5 "$RUN_TIMEOUT" "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg -m "${MEM}M" \
                  -- "$BB" sha256sum < "$in" > "$o.out" 2> "$o.err" || st=$? ;;
      out) timeout -k 5 "$RUN_TIMEOUT" "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg -m "${MEM}M" \
             -f "$DATA:/data/data.bin" -- "$BB" cat /data/data.bin < "$in" > "$o.out" 2> "$o.err" || st=$? ;;
      out0) timeout -k 5 "$RUN_TIMEOUT" "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg -m "${MEM}M" \
              -f "$DATA:/data/data.bin" -- "$BB" sh -c 'cat /data/data.bin >/dev/null' < "$in" > "$o.out" 2> "$o.err" || st=$? ;;
      hash) timeout -k 5 "$RUN_TIMEOUT" "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg -m "${MEM}M" \
              -f "$DATA:/data/data.bin" -- "$BB" sha256sum /data/data.bin < "$in" > "$o.out" 2> "$o.err" || st=$? ;;
    esac
  else
    case $w in out | out0) chr=file,id=io,path=$o.out ;; esac
    timeout -k 5 "$RUN_TIMEOUT" qemu-system-x86_64 -M microvm -accel tcg -cpu max -m "${MEM}M" \
      -nodefaults -no-user-config -display none -no-reboot \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 -global virtio-mmio.force-legacy=false \
      -serial "file:$o.err" -chardev "$chr" -device virtio-serial-device \
      -device virtserialport,chardev=io,nr=1 \
      -kernel "$LINUX_DIR/vmlinux" -initrd "$OUT/linux-$w.cpio" -append "$LINUX_CMDLINE" \
      < "$in" > "$o.out" || st=$?
    [ "$st" = 1 ] && st=0   # isa-debug-exit with 0: QEMU exits 1
  fi
  T=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }')
  [ "$st" = 0 ] || FAIL+=("$k $w run $n: status $st")
  if [ "$k" = linux ] && { [ "$w" = in ] || [ "$w" = hash ]; }; then check "$k" "$w" "$n" "$o.err"; else check "$k" "$w" "$n" "$o.out"; fi
}

# check KIND WORKLOAD N FILE: the bytes that came out were the right ones.
check() {
  local got
  case $2 in
    in | hash) got=$(tr -d '\r' < "$4" | grep -E '^[0-9a-f]{64}  (-|/data/data.bin)$' | head -1 | cut -d' ' -f1)
        [ "$got" = "$WANT" ] || FAIL+=("$1 $2 run $3: digest '$got', want $WANT") ;;
    out) got=$(sha256sum < "$4" | cut -d' ' -f1)
         [ "$got" = "$WANT" ] || FAIL+=("$1 out run $3: $(stat -c %s "$4") bytes, sha256 $got") ;;
  esac
}

FAIL=()
declare -A TIMES
one() { # KIND RUN: the four workloads, in a fixed order
  local w
  [ "$1" = keel ] || [ "$LINUX" = 1 ] || return 0
  for w in in in0 raw out out0 hash; do
    run "$1" "$w" "$2"
    TIMES[$1-$w]+=" $T"
    log "$1 $w run $2: $T s"
  done
}
vm_each_run "$RUNS" one

rate() { # KIND WORKLOAD BASELINE: MB/s (10^6 bytes) from the medians
  local t1 t0
  # shellcheck disable=SC2086
  t1=$(vm_median ${TIMES[$1-$2]}); t0=$(vm_median ${TIMES[$1-$3]})
  awk -v s=$((SIZE << 20)) -v a="$t1" -v b="$t0" 'BEGIN { d = a - b; if (d <= 0) print "NA"; else printf "%.1f", s / d / 1e6 }'
}
{
  echo "runs=$RUNS"
  echo "size_mib=$SIZE"
  for k in keel linux; do
    [ "$k" = keel ] || [ "$LINUX" = 1 ] || continue
    for w in in in0 raw out out0 hash; do
      # shellcheck disable=SC2086
      echo "${k}_${w}_s=$(vm_median ${TIMES[$k-$w]})"
      echo "${k}_${w}_runs=$(vm_join ${TIMES[$k-$w]})"
    done
    echo "${k}_in_mbps=$(rate "$k" in in0)"
    echo "${k}_raw_mbps=$(rate "$k" raw in0)"
    echo "${k}_out_mbps=$(rate "$k" out out0)"
    echo "${k}_hash_mbps=$(rate "$k" hash out0)"
  done
} | vm_summary "$SUMMARY" /dev/null "runs" ${FAIL[@]+"${FAIL[@]}"} || true

val() { grep "^$1=" "$SUMMARY" | cut -d= -f2; }
printf '\n%-6s %10s %10s %10s %10s %9s %9s %9s %9s %9s %9s\n' "" "in MB/s" "raw MB/s" "out MB/s" \
  "hash MB/s" "in s" "in0 s" "raw s" "out s" "out0 s" "hash s"
for k in keel linux; do
  [ "$k" = keel ] || [ "$LINUX" = 1 ] || continue
  printf '%-6s %10s %10s %10s %10s %9s %9s %9s %9s %9s %9s\n' "$k" "$(val "${k}_in_mbps")" \
    "$(val "${k}_raw_mbps")" "$(val "${k}_out_mbps")" "$(val "${k}_hash_mbps")" "$(val "${k}_in_s")" \
    "$(val "${k}_in0_s")" "$(val "${k}_raw_s")" "$(val "${k}_out_s")" "$(val "${k}_out0_s")" \
    "$(val "${k}_hash_s")"
done
[ ${#FAIL[@]} -eq 0 ]
