#!/usr/bin/env bash
# bench/boot-time.sh [KEEL_ELF] — boot-time benchmark: keel vs. a minimal Linux VM, same QEMU, same run.
# Boots each RUNS times (default 5, interleaved) on QEMU microvm under TCG and measures the wall time
# from just before QEMU starts to the arrival of a marker line on the serial console (keel: the first
# line matching ^keel [0-9]; Linux: LINUX-USERSPACE-UP). Prints every run, the medians and keel/linux,
# and writes build/bench/boot-time.txt (key=value). `make bench` runs this.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL_ELF=${1:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}   # seconds; bounds every single QEMU run
GRACE=${GRACE:-5}                  # seconds a guest may keep running after its marker before it is killed
ONLY=${BENCH_ONLY:-}               # debugging aid: "linux" or "keel" boots only that one (no summary file)
OUTDIR=$ROOT/build/bench
SUMMARY=$OUTDIR/boot-time.txt
LOGDIR=$OUTDIR/logs
KEEL_RE='^keel [0-9]'
LINUX_RE='^LINUX-USERSPACE-UP'

die() { echo "boot-time.sh: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
case "$ONLY" in ''|keel|linux) ;; *) die "BENCH_ONLY must be empty, 'keel' or 'linux'";; esac

if [ "$ONLY" != linux ]; then
  [ -e "$KEEL_ELF" ] || die "keel image not found: $KEEL_ELF — build it first (make), or pass its path as the first argument"
  [ -s "$KEEL_ELF" ] || die "keel image is empty: $KEEL_ELF"
  [ "$(head -c 4 "$KEEL_ELF" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || die "not an ELF file: $KEEL_ELF"
fi

# Builds the Linux VM on first use, reuses the cache afterwards; also installs missing host packages.
if [ "$ONLY" != keel ]; then "$ROOT/bench/linux-vm.sh" >/dev/null; fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
command -v perl >/dev/null || die "perl not found"
LINUX_DIR=${LINUX_VM_DIR:-$OUTDIR/linux}
mkdir -p "$LOGDIR"
[ -n "$ONLY" ] || rm -f "$SUMMARY"   # a failed run must not leave an older result looking current

# shellcheck disable=SC2054  # the commas belong to QEMU's -device option
QEMU=(qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 128 -nodefaults -nographic
      -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)
KEEL_ARGS=(-kernel "$KEEL_ELF" -append "keel.test=none")
LINUX_ARGS=(-kernel "$LINUX_DIR/vmlinux" -initrd "$LINUX_DIR/initramfs.cpio.gz" -append "console=ttyS0 acpi=off")

# The line stamper: takes t0, starts QEMU (under `timeout`), stamps each serial line as it arrives
# (seconds since t0, written to the log), notes when the first line matching $MARK_RE arrived,
# lets the guest run GRACE more seconds to exit by itself, then kills it.
# Prints "<marker seconds or NA> <exit status of timeout+QEMU> <seconds until QEMU was gone> <killed 0|1>".
STAMPER=$(cat <<'PL'
use strict; use warnings; use Time::HiRes qw(time);
use POSIX qw(:sys_wait_h);
my ($log, $timeout, $grace, @cmd) = @ARGV;
my $re = qr/$ENV{MARK_RE}/;
open(my $L, '>', $log) or die "$log: $!";
my $t0 = time;
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open(STDIN, '<', '/dev/null'); open(STDERR, '>&', \*STDOUT);
    exec('timeout', '-k', '2', $timeout, @cmd) or die "exec: $!";
}
my ($mark, $killed) = (undef, 0);
$SIG{ALRM} = sub { $killed = 1; kill 'TERM', $pid };
while (defined(my $line = <$fh>)) {
    my $t = time - $t0;
    (my $clean = $line) =~ s/[\r\n]+$//;
    printf $L "%9.6f %s\n", $t, $clean;
    if (!defined $mark && $clean =~ $re) { $mark = $t; alarm $grace; }
}
close($fh);
my $st = $?;
my $end = time - $t0;
my $code = ($st & 127) ? 128 + ($st & 127) : $st >> 8;
printf "%s %d %.6f %d\n", defined $mark ? sprintf("%.6f", $mark) : 'NA', $code, $end, $killed;
PL
)

# run_one KIND RUN -> appends to the KIND's list of times; dies when the marker never appeared.
keel_times=(); linux_times=()
run_one() {
  local kind=$1 n=$2 re args log res mark code end killed note=""
  if [ "$kind" = keel ]; then re=$KEEL_RE; args=("${KEEL_ARGS[@]}"); else re=$LINUX_RE; args=("${LINUX_ARGS[@]}"); fi
  log=$LOGDIR/$kind-$n.log
  res=$(MARK_RE=$re perl -e "$STAMPER" -- "$log" "$BOOT_TIMEOUT" "$GRACE" "${QEMU[@]}" "${args[@]}")
  read -r mark code end killed <<<"$res"
  if [ "$mark" = NA ]; then
    echo "---- last lines of $log:" >&2; tail -n 15 "$log" >&2; echo "----" >&2
    if [ "$code" = 124 ] || [ "$code" = 137 ]; then
      die "$kind run $n: marker /$re/ never appeared on the serial console within ${BOOT_TIMEOUT}s (QEMU killed by timeout)"
    fi
    die "$kind run $n: marker /$re/ never appeared on the serial console (QEMU exited with status $code after ${end}s)"
  fi
  [ "$killed" = 1 ] && note=", killed ${GRACE}s after the marker"
  printf '%-5s run %d/%d: %8.4f s   (qemu exit %s after %.2f s%s)\n' "$kind" "$n" "$RUNS" "$mark" "$code" "$end" "$note"
  if [ "$kind" = keel ]; then keel_times+=("$mark"); else linux_times+=("$mark"); fi
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR%2) printf "%.4f", a[(NR+1)/2]; else printf "%.4f", (a[NR/2]+a[NR/2+1])/2 }'; }

echo "boot-time: $RUNS runs each, $(qemu-system-x86_64 --version | head -1)"
[ "$ONLY" = linux ] || echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes)"
[ "$ONLY" = keel ] || echo "  linux: $LINUX_DIR/vmlinux ($(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')) + busybox initramfs"
for ((i = 1; i <= RUNS; i++)); do
  # Interleave, and alternate which goes first so neither always runs on a warmer host.
  if ((i % 2)); then order=(keel linux); else order=(linux keel); fi
  for k in "${order[@]}"; do
    [ -n "$ONLY" ] && [ "$k" != "$ONLY" ] && continue
    run_one "$k" "$i"
  done
done

echo
[ "$ONLY" = linux ] || { keel_med=$(median "${keel_times[@]}");  echo "keel  median: $keel_med s"; }
[ "$ONLY" = keel ]  || { linux_med=$(median "${linux_times[@]}"); echo "linux median: $linux_med s"; }
if [ -n "$ONLY" ]; then echo "(BENCH_ONLY=$ONLY: $SUMMARY not written)"; exit 0; fi
ratio=$(awk -v k="$keel_med" -v l="$linux_med" 'BEGIN{printf "%.4f", k/l}')
echo "ratio keel/linux: $ratio"

join() { local IFS=,; echo "$*"; }
{
  echo "keel_median_s=$keel_med"
  echo "linux_median_s=$linux_med"
  echo "ratio=$ratio"
  echo "keel_elf_bytes=$(stat -c %s "$KEEL_ELF")"
  echo "runs=$RUNS"
  echo "keel_runs_s=$(join "${keel_times[@]}")"
  echo "linux_runs_s=$(join "${linux_times[@]}")"
  echo "linux_kernel=$(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo unknown)"
  echo "qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
} > "$SUMMARY.tmp"
mv "$SUMMARY.tmp" "$SUMMARY"
echo "summary: $SUMMARY"
