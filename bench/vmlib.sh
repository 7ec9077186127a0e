# bench/vmlib.sh — sourced by bench/luajit.sh, ljsyscall.sh, futex.sh, net.sh and storage.sh: one
# keel image and one Linux VM running the same files in the same QEMU (-M microvm -accel tcg -cpu max), each
# serial line stamped with its arrival time.
#
#   vm_linux_ready                  build (once) the Linux VM's kernel and busybox (bench/linux-vm.sh)
#   vm_linux_cpio KEEL_DIR CPIO CMD [HOOK]
#                                   the Linux initramfs: KEEL_DIR/initrd.cpio (what `keel build`
#                                   packed, minus /.keel) plus static busybox and an /init that runs
#                                   the shell command CMD, prints "BENCH-EXIT <status>" and exits QEMU
#                                   through isa-debug-exit; HOOK, a function, is called with the root
#                                   directory before it is packed (extra files)
#   vm_linux_kmods DIR "MOD..."    the kernel's MOD.ko files from the same .deb, into DIR (cached)
#   vm_linux_args ARGS_FILE CPIO APPEND MEM [HOOK]
#                                   LARGS: keel run's QEMU arguments with the Linux VM's kernel,
#                                   initrd, command line and memory (HOOK rewrites others)
#   ... | vm_summary SUMMARY ARGS_FILE WHAT FAILURE...
#                                   the key=value summary, with the builds, QEMU and the failures
#   vm_boot keel KEEL_DIR | linux CPIO   MEM LOG MARK_RE TIMEOUT
#                                   one boot; sets MARK (arrival of the first line matching MARK_RE,
#                                   s since just before QEMU started, or NA), CODE (exit status of
#                                   timeout+QEMU) and END (s until QEMU was gone); LOG gets every line
#                                   as "<seconds> <line>"
#   vm_stamp LOG RE                 arrival time of the first line of LOG matching RE
#   vm_median N...                  the median;  vm_ratio A B: A/B;  vm_join A...: A,B,...
#   vm_each_run RUNS FUNC           FUNC keel|linux RUN, interleaved, alternating who goes first
# Uses $ROOT (the source tree) and $KEEL_ELF; sets LINUX_DIR, LINUX_APPEND, QEMU.
LINUX_DIR=${LINUX_VM_DIR:-$ROOT/build/bench/linux}
LINUX_APPEND="console=ttyS0 acpi=off quiet panic=-1"
# shellcheck disable=SC2054  # the commas belong to QEMU's -device option
QEMU=(qemu-system-x86_64 -M microvm -accel tcg -cpu max -nodefaults -no-user-config -display none
      -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)

vm_linux_ready() {
  "$ROOT/bench/linux-vm.sh" >/dev/null   # Debian's kernel as vmlinux, static busybox; cached
  [ -s "$LINUX_DIR/vmlinux" ] || { echo "vmlib: linux-vm.sh left no vmlinux in $LINUX_DIR" >&2; return 1; }
  [ -x "$LINUX_DIR/busybox" ] || { echo "vmlib: linux-vm.sh left no busybox in $LINUX_DIR" >&2; return 1; }
}

# vm_linux_kmods DIR "MOD...": the kernel modules MOD.ko from the .deb bench/linux-vm.sh downloaded,
# into DIR (kept while the .deb and the list stay the same).
vm_linux_kmods() {
  local dir=$1 mods=$2 deb m want=()
  deb=$(find "$LINUX_DIR/debs" -name 'linux-image-*.deb' 2>/dev/null | sort | head -1)
  if [ -z "$deb" ]; then
    echo "vmlib: no kernel .deb in $LINUX_DIR/debs (delete $LINUX_DIR and rerun bench/linux-vm.sh)" >&2
    return 1
  fi
  [ "$(cat "$dir/from" 2>/dev/null)" != "$(basename "$deb") $mods" ] || return 0
  rm -rf "$dir"; mkdir -p "$dir/x"
  for m in $mods; do
    want+=("$(dpkg-deb -c "$deb" | awk -v m="/$m.ko" '{p = $6} substr(p, length(p) - length(m) + 1) == m {print p}')")
  done
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/x" "${want[@]}"
  for m in $mods; do
    find "$dir/x" -name "$m.ko" -exec mv {} "$dir/" \;
    [ -s "$dir/$m.ko" ] || { echo "vmlib: $m.ko not found in $(basename "$deb")" >&2; return 1; }
  done
  rm -rf "$dir/x"
  echo "$(basename "$deb") $mods" > "$dir/from"
}

# vm_linux_args ARGS_FILE CPIO APPEND MEM [HOOK] -> LARGS: keel run's QEMU arguments (one a line in
# ARGS_FILE) with the Linux VM's kernel, initrd CPIO, command line APPEND and MEM MiB; HOOK, a
# function, is called as HOOK PREVIOUS-ARGUMENT for every other argument, which it may rewrite in
# VM_ARG. Everything else (machine, CPU, accelerator, devices) stays as keel run chose it, but for
# keel's stdio channel: with its output redirected keel run puts the serial line on a pipe
# (-serial file:/dev/fd/100) and QEMU's stdio on a virtio-serial port (-chardev stdio,id=keelio and
# its two -device); the Linux VM's console is the serial line on QEMU's stdio, without that port.
vm_linux_args() {
  local prev="" a v
  LARGS=()
  while IFS= read -r a; do
    case $a in  # an option whose value comes next, dropped with it
      -chardev|-device)
        if IFS= read -r v; then
          case $v in
            *id=keelio*|virtio-serial-device*|virtio-serial-pci*|virtserialport*) prev=$v; continue ;;
          esac
          vm_linux_arg "$prev" "$a" "$2" "$3" "$4" "${5:-}"; prev=$a; a=$v
        fi ;;
    esac
    vm_linux_arg "$prev" "$a" "$2" "$3" "$4" "${5:-}"
    prev=$a
  done < "$1"
}
# vm_linux_arg PREVIOUS ARG CPIO APPEND MEM HOOK: ARG, rewritten for the Linux VM, onto LARGS.
vm_linux_arg() {
  local a=$2
  case $1 in
    -kernel) a=$LINUX_DIR/vmlinux ;;
    -initrd) a=$3 ;;
    -append) a=$4 ;;
    -m) a=${5}M ;;
    -serial) a=stdio ;;
    *) if [ -n "$6" ]; then VM_ARG=$a; "$6" "$1"; a=$VM_ARG; fi ;;
  esac
  LARGS+=("$a")
}

# { key=value lines; } | vm_summary SUMMARY ARGS_FILE WHAT FAILURE...: writes SUMMARY from the lines
# plus keel's and Linux's builds, QEMU's version and arguments (ARGS_FILE, keel run's) and the
# failures; prints its name; 1 when there were failures (listed as "N WHAT failed").
vm_summary() {
  local out=$1 args=$2 what=$3 f
  shift 3
  {
    cat
    echo "keel_elf_sha256=$(sha256sum < "$KEEL_ELF" | cut -d' ' -f1)"
    echo "linux_kernel=$(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo unknown)"
    echo "qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
    echo "qemu_args=$(tr '\n' ' ' < "$args" 2>/dev/null)"
    echo "failures=$#"
    for f in "$@"; do echo "failure=$f"; done
  } > "$out.tmp"
  mv "$out.tmp" "$out"
  echo "summary: $out"
  [ $# -eq 0 ] && return 0
  echo "$(basename "$0"): $# $what failed:" >&2
  printf '  %s\n' "$@" >&2
  return 1
}

vm_linux_cpio() {
  local kdir=$1 cpio=$2 cmd=$3 hook=${4:-} r=$2.root a
  rm -rf "$r"; mkdir -p "$r"
  (cd "$r" && cpio -idm --quiet < "$kdir/initrd.cpio")
  rm -rf "$r/.keel"
  mkdir -p "$r"/{bin,dev,proc,sys,tmp}
  chmod 1777 "$r/tmp"
  cp "$LINUX_DIR/busybox" "$r/bin/busybox"
  for a in sh mount dd poweroff printf su; do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  mknod -m 600 "$r/dev/console" c 5 1
  mknod -m 640 "$r/dev/port" c 1 4
  cat > "$r/init" <<EOF
#!/bin/busybox sh
# /init of the bench's Linux VM (bench/vmlib.sh): run the program, report its status, exit QEMU.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
$cmd
echo "BENCH-EXIT \$?"
printf '\\000' | /bin/busybox dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
/bin/busybox poweroff -f
EOF
  chmod 755 "$r/init"
  [ -z "$hook" ] || "$hook" "$r"
  # Uncompressed, like keel's initrd: neither guest spends time inflating.
  (cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$cpio"
  rm -rf "$r"
}

# The line stamper: t0 just before QEMU starts, each serial line written to the log with its arrival
# time (s since t0). Prints "<first line matching MARK_RE, or NA> <exit status of timeout+QEMU>
# <seconds until QEMU was gone>".
VM_STAMPER=$(cat <<'PL'
use strict; use warnings; use Time::HiRes qw(time);
my ($log, $timeout, @cmd) = @ARGV;
my $re = qr/$ENV{MARK_RE}/;
open(my $L, '>', $log) or die "$log: $!";
my $t0 = time;
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open(STDIN, '<', '/dev/null'); open(STDERR, '>&', \*STDOUT);
    exec('timeout', '-k', '2', $timeout, @cmd) or die "exec: $!";
}
my $mark;
while (defined(my $line = <$fh>)) {
    my $t = time - $t0;
    (my $clean = $line) =~ s/[\r\n]+$//;
    printf $L "%9.6f %s\n", $t, $clean;
    $mark = $t if !defined $mark && $clean =~ $re;
}
close($fh);
my $st = $?;
my $code = ($st & 127) ? 128 + ($st & 127) : $st >> 8;
printf "%s %d %.6f\n", defined $mark ? sprintf("%.6f", $mark) : 'NA', $code, time - $t0;
PL
)

vm_boot() {
  local kind=$1 img=$2 mem=$3 logf=$4 re=$5 tmo=$6 res args
  if [ "$kind" = keel ]; then
    args=(-kernel "$img/keel.elf" -initrd "$img/initrd.cpio" -append keel.quiet)
  else
    args=(-kernel "$LINUX_DIR/vmlinux" -initrd "$img" -append "$LINUX_APPEND")
  fi
  res=$(MARK_RE=$re perl -e "$VM_STAMPER" -- "$logf" "$tmo" "${QEMU[@]}" -m "$mem" "${args[@]}")
  read -r MARK CODE END <<<"$res"
}

vm_stamp() { awk -v re="$2" '{ l = $0; sub(/^ *[0-9.]+ /, "", l) } l ~ re {print $1; exit}' "$1"; }
vm_median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR%2) printf "%.4f", a[(NR+1)/2]; else printf "%.4f", (a[NR/2]+a[NR/2+1])/2 }'; }
vm_ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b + 0 == 0) print "NA"; else printf "%.3f", a / b }'; }
vm_join() { local IFS=,; echo "$*"; }
# vm_each_run RUNS FUNC: FUNC KIND RUN for RUNS runs of keel and linux, interleaved, alternating
# which goes first.
vm_each_run() {
  local i k order
  for ((i = 1; i <= $1; i++)); do
    if ((i % 2)); then order="keel linux"; else order="linux keel"; fi
    for k in $order; do "$2" "$k" "$i"; done
  done
}
