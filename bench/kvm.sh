#!/usr/bin/env bash
# bench/kvm.sh — issue 17 "Measure" under KVM, medians of RUNS (5), same run:
#   1. the host check (tests/kvm/hostcheck.sh): TSC cycles per turn of a two-instruction loop in
#      ring 0 and ring 3, under TCG and under KVM, and its verdict on this KVM;
#   2. keel's boot budget in guest time, `keel: up in N us` (PVH entry to the line before the
#      program starts), under TCG and, if keel boots there, under KVM;
#   3. luajit hello: wall time from just before QEMU starts to `hi` on the console, keel under TCG
#      and under KVM where keel's probe passes; the Linux VM under KVM once, with LINUX_KVM=1 (it
#      can take minutes on a host that emulates ring 0: bounded by LINUX_KVM_TIMEOUT, 300 s).
# Writes build/bench/kvm/kvm.txt (key=value) and the logs beside it. KVM runs use what keel run
# uses: -M microvm,rtc=on -cpu host,-arch-capabilities.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
LINUX_KVM=${LINUX_KVM:-0}
LINUX_KVM_TIMEOUT=${LINUX_KVM_TIMEOUT:-300}
OUT=$ROOT/build/bench/kvm
LOGDIR=$OUT/logs
SUMMARY=$OUT/kvm.txt
. "$ROOT/bench/vmlib.sh"
die() { echo "kvm.sh: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[ -x "$KEEL" ] && [ -s "$KEEL_ELF" ] || die "build keel first (make)"
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
TCG=("${QEMU[@]}")
# shellcheck disable=SC2054
KVMQ=(qemu-system-x86_64 -M microvm,rtc=on -accel kvm -cpu host,-arch-capabilities -nodefaults
      -no-user-config -display none -serial stdio -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
kv=()
put() { kv+=("$1=$2"); echo "$1=$2"; }

# 1. The host check.
for acc in tcg kvm; do
  r0=() r3=()
  for i in $(seq "$RUNS"); do
    bash "$ROOT/tests/kvm/hostcheck.sh" "$acc" "$OUT/hostcheck" >"$LOGDIR/hostcheck-$acc-$i.log" 2>&1 || true
    r0+=("$(sed -n 's/^hostcheck: ring 0 loop: \([0-9.]*\) .*/\1/p' "$LOGDIR/hostcheck-$acc-$i.log")")
    r3+=("$(sed -n 's/^hostcheck: ring 3 loop: \([0-9.]*\) .*/\1/p' "$LOGDIR/hostcheck-$acc-$i.log")")
  done
  put "hostcheck_${acc}_ring0_cycles_per_turn" "$(vm_median "${r0[@]}")"
  put "hostcheck_${acc}_ring3_cycles_per_turn" "$(vm_median "${r3[@]}")"
  put "hostcheck_${acc}_runs_ring0" "$(vm_join "${r0[@]}")"
  put "hostcheck_${acc}_verdict" "\"$(sed -n 's/^hostcheck: verdict //p' "$LOGDIR/hostcheck-$acc-$RUNS.log")\""
done

# keel's probe, as keel run sees it (a fresh cache: this host, this build).
XDG_CACHE_HOME=$OUT/cache "$KEEL" run -k keel.test=none -- /bin/true >"$LOGDIR/probe.log" 2>&1 || true
probe=$(sed -n 's/^keel: accelerator: //p' "$LOGDIR/probe.log" | head -1)
put keel_probe "\"$probe\""
accels=(tcg)
case $probe in kvm*) accels+=(kvm) ;; esac

# 2 and 3: the boot budget and luajit hello, keel.
"$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel-hi" -- /usr/bin/luajit -e 'print("hi")'
for acc in "${accels[@]}"; do
  if [ "$acc" = kvm ]; then QEMU=("${KVMQ[@]}"); else QEMU=("${TCG[@]}"); fi
  up=() hi=()
  for i in $(seq "$RUNS"); do
    log=$LOGDIR/keel-up-$acc-$i.log
    timeout "$RUN_TIMEOUT" "${QEMU[@]}" -m 128 -kernel "$KEEL_ELF" -append keel.test=none \
      </dev/null >"$log" 2>&1 || true
    up+=("$(sed -n 's/^keel: up in \([0-9]*\) us.*/\1/p' "$log" | head -1)")
    vm_boot keel "$OUT/keel-hi" 128 "$LOGDIR/keel-hi-$acc-$i.log" '^hi' "$RUN_TIMEOUT"
    hi+=("$MARK")
  done
  put "keel_up_us_$acc" "$(vm_median "${up[@]}")"
  put "keel_up_us_${acc}_runs" "$(vm_join "${up[@]}")"
  put "keel_luajit_hi_s_$acc" "$(vm_median "${hi[@]}")"
  put "keel_luajit_hi_s_${acc}_runs" "$(vm_join "${hi[@]}")"
done
if [[ $probe != kvm* ]]; then
  # Where keel stops under KVM: one boot, shown as the facts behind the probe's answer.
  log=$LOGDIR/keel-up-kvm-1.log
  timeout 20 "${KVMQ[@]}" -m 128 -kernel "$KEEL_ELF" -append keel.test=none </dev/null >"$log" 2>&1 || true
  put keel_kvm_last_line "\"$(grep -a '^[a-z]*:' "$log" | grep -av '^qemu' | tail -1)\""
  put keel_kvm_stop "\"$(grep -a -m1 -E 'KVM internal error|emulation failure|failed to set' "$log" || echo 'none within 20 s')\""
fi

# The Linux VM under KVM, once (opt-in).
if [ "$LINUX_KVM" = 1 ]; then
  vm_linux_ready
  log=$LOGDIR/linux-kvm.log
  start=$(date +%s.%N)
  timeout "$LINUX_KVM_TIMEOUT" "${KVMQ[@]}" -m 256 -kernel "$LINUX_DIR/vmlinux" \
    -initrd "$LINUX_DIR/initramfs.cpio.gz" -append "console=ttyS0 earlyprintk=serial,ttyS0 ignore_loglevel" \
    </dev/null >"$log" 2>&1 || true
  put linux_kvm_wall_s "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')"
  put linux_kvm_userspace "$(grep -aq LINUX-USERSPACE-UP "$log" && echo yes || echo no)"
  put linux_kvm_last_kernel_line "\"$(grep -a '^\[' "$log" | tail -1)\""
  put linux_kvm_stop "\"$(grep -a -m1 -E 'KVM internal error|emulation failure' "$log" || echo none)\""
fi
printf '%s\n' "${kv[@]}" >"$SUMMARY"
echo "kvm.sh: wrote $SUMMARY"
