#!/usr/bin/env bash
# bench/storage.sh — issue 14 "Measure": keel against a Linux VM on the same raw ext2 image format and
# the same QEMU virtio-blk device (microvm's virtio-blk-device, -drive ...,format=raw,cache=none),
# the same QEMU (7.2, -accel tcg -cpu max), in the same run, medians of RUNS (5), runs interleaved and
# alternating which goes first. Each run gives each guest a fresh 1 GiB sparse image (mke2fs -t ext2
# -b 4096) mounted at /data and boots it once per measure, every time inside the guest
# (clock_gettime, or sqlite's julianday('now')), so boot time is excluded:
#   write   bench/seqio.c: 256 MiB (MIB) in 1 MiB blocks, one fsync at the end, MB/s (10^6 B/s);
#   read    seqio in a fresh boot (no cache to drop: keel has neither drop_caches nor O_DIRECT),
#           reads the file back in 1 MiB blocks, checking a stamp in every 4 KiB, MB/s;
#   fio     Debian's fio, unmodified: --thread (one process; fio keeps its job area in SysV shared
#           memory either way) --rw=randread --bs=4k --ioengine=psync on that file for RAND_TIME s,
#           in a fresh boot, read IOPS;
#   rand    seqio's own random 4 KiB pread()s (fixed-seed offsets, stamps checked) for RAND_TIME s in
#           a fresh boot, IOPS (what fio measures, without fio's own work per I/O);
#   sqlite  Debian's sqlite3 reads a script of 100,000 INSERTs in one transaction (one.db), then
#           100,000 in transactions of 100 (per100.db), inserts/s, the row count and sum checked.
# After a guest's last boot the host runs e2fsck -fn on its image (a run with findings fails).
# keel runs through `build/keel run --disk IMG:/data`; keel run names no cache mode, so the stand-in
# for QEMU (KEEL_QEMU) adds cache=none to each -drive without one, for both guests. The Linux VM boots
# Debian 12's kernel (bench/linux-vm.sh) with an initramfs of the files `keel build` packed for the
# same command, static busybox and the kernel's virtio_blk and ext4 modules (ext4 mounts ext2) from
# the same .deb, insmod'ed by /init, which mounts /dev/vda at /data and unmounts it after the program.
# Its QEMU command line is keel run's (as the stand-in wrote it down) with only the kernel, initrd,
# command line, memory and image changed. Writes build/bench/storage/storage.txt (key=value) and the
# guests' logs. Knobs: RUNS (5), MEM (MiB, 256), MIB (file size, 256), IMG_SIZE (1G), RAND_TIME (s,
# 10), MEM_FIO (MiB for both guests' fio boots, 512: fio's files make a 90 MB initramfs, which Linux
# cannot unpack into a 256 MiB guest), BOOT_TIMEOUT (s per boot, 900), PARTS (which boots: "write read fio rand sqlite").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
MEM=${MEM:-256}
MEM_FIO=${MEM_FIO:-512}
MIB=${MIB:-256}
IMG_SIZE=${IMG_SIZE:-1G}
RAND_TIME=${RAND_TIME:-10}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
PARTS=${PARTS:-write read fio rand sqlite}
ROWS=100000
OUT=$ROOT/build/bench/storage
LOGDIR=$OUT/logs
SUMMARY=$OUT/storage.txt
. "$ROOT/bench/vmlib.sh"   # LINUX_DIR, vm_linux_ready, vm_linux_cpio, vm_median, vm_ratio, vm_join

die() { echo "storage.sh: $*" >&2; exit 1; }
log() { echo "storage.sh: $*" >&2; }
for v in RUNS MEM MEM_FIO MIB RAND_TIME BOOT_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -x "$KEEL" ] || die "build keel first (make): no $KEEL"
[ -s "$KEEL_ELF" ] || die "build keel first (make): no $KEEL_ELF"
for p in /usr/bin/fio /usr/bin/sqlite3 /usr/sbin/mke2fs /usr/sbin/e2fsck; do
  [ -x "$p" ] || die "$p not found (make deps installs fio, sqlite3, e2fsprogs)"
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"   # a failed run must not leave an older result looking current

# --- the guests' files ---------------------------------------------------------------------------
SEQIO=$OUT/seqio
gcc -O2 -Wall -Wextra -static -o "$SEQIO" "$ROOT/bench/seqio.c"
# The sqlite script: timestamps (seconds, ms resolution, the guest's clock) around each part.
SQLDIR=$OUT/sql
mkdir -p "$SQLDIR"
awk -v n=$ROWS 'function ins(i) {
    printf "INSERT INTO t VALUES(%d,%cbench row %d, some text to make it longer%c,%d);\n", i, 39, i, 39, (i * 7) % 1000
  }
  function stamp(w) {
    printf "SELECT %cSQLITE-T%c, %c%s%c, printf(%c%%.3f%c, (julianday(%cnow%c) - 2440587.5) * 86400.0);\n", 39, 39, 39, w, 39, 39, 39, 39, 39
  }
  function table(db) { printf ".open /data/%s.db\nCREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, v INTEGER);\n", db }
  function check(w) { printf "SELECT %cSQLITE-CHECK%c, %c%s%c, count(*), sum(v) FROM t;\n", 39, 39, 39, w, 39 }
  BEGIN {
    table("one"); stamp("one-start"); print "BEGIN;"
    for (i = 1; i <= n; i++) ins(i)
    print "COMMIT;"; stamp("one-end"); check("one")
    table("per100"); stamp("per100-start")
    for (i = 1; i <= n; i++) { if (i % 100 == 1) print "BEGIN;"; ins(i); if (i % 100 == 0) print "COMMIT;" }
    stamp("per100-end"); check("per100")
  }' > "$SQLDIR/bench.sql"
SQL_SUM=$(awk -v n=$ROWS 'BEGIN { for (i = 1; i <= n; i++) s += (i * 7) % 1000; print s }')

# The commands, the same in both guests: cmd_of JOB sets C.
cmd_of() {
  case $1 in
    write) C=("$SEQIO" write /data/seq.bin "$MIB") ;;
    read) C=("$SEQIO" read /data/seq.bin) ;;
    rand) C=("$SEQIO" rand /data/seq.bin "$RAND_TIME") ;;
    fio) C=(/usr/bin/fio --thread --name=randread --filename=/data/seq.bin --size="${MIB}M" --rw=randread
            --bs=4k --ioengine=psync --runtime="$RAND_TIME" --time_based --output-format=terse) ;;
    sqlite) C=(/usr/bin/sqlite3 -batch :memory: ".read /bench/bench.sql") ;;
  esac
}
files_of() { [ "$1" != sqlite ] || echo "-f $SQLDIR:/bench"; }

# The Linux kernel's modules, from the .deb bench/linux-vm.sh downloaded, in load order (depends= in
# each module's .modinfo: virtio_blk on virtio and virtio_ring, ext4 on jbd2, mbcache and crc16; ext4
# asks for crc32c when an image has checksums, and no modprobe would answer in this initramfs).
KMODS="virtio_ring virtio virtio_mmio virtio_blk crc16 mbcache jbd2 crc32c_generic ext4"
KMOD_DIR=$OUT/kmod
vm_linux_kmods "$KMOD_DIR" "$KMODS" || die "no kernel modules"
add_kmods() { mkdir -p "$1/kmod" "$1/data"; cp "$KMOD_DIR"/*.ko "$1/kmod/"; }
LINUX_DISK_UP="for m in $KMODS; do /bin/busybox insmod /kmod/\$m.ko || echo \"insmod \$m failed\"; done
/bin/busybox mount -t ext4 /dev/vda /data || echo BENCH-MOUNT-FAILED"
LINUX_DISK_DOWN="st=\$?
/bin/busybox umount /data || echo BENCH-UMOUNT-FAILED
(exit \$st)"
# keel build packs the files keel run packs; the Linux cpio adds busybox, the modules and /init.
for job in write fio sqlite; do
  cmd_of "$job"
  # shellcheck disable=SC2046
  "$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel-$job" $(files_of "$job") -- "${C[@]}"
  [ "$job" != write ] || continue   # its cpio is below
  q=""; for a in "${C[@]}"; do q+=" $(printf '%q' "$a")"; done
  vm_linux_cpio "$OUT/keel-$job" "$OUT/linux-$job.cpio" "$LINUX_DISK_UP
${q# }
$LINUX_DISK_DOWN" add_kmods
done
# seqio's read and rand use write's files; the command comes from the kernel command line's
# bench.args= (commas for spaces), so one cpio serves the three.
cpio_of() { case $1 in write|read|rand) echo "$OUT/linux-write.cpio" ;; *) echo "$OUT/linux-$1.cpio" ;; esac; }
vm_linux_cpio "$OUT/keel-write" "$OUT/linux-write.cpio" "$LINUX_DISK_UP
args=\$(/bin/busybox sed -n 's/.*bench\.args=\([^ ]*\).*/\1/p' /proc/cmdline | /bin/busybox tr , ' ')
$SEQIO \$args
$LINUX_DISK_DOWN" add_kmods

gcc -O2 -Wall -o "$OUT/tsckhz" "$ROOT/bench/tsckhz.c"
TSC_KHZ=$("$OUT/tsckhz")
LINUX_CMDLINE=${LINUX_CMDLINE:-console=ttyS0 quiet panic=-1 tsc_early_khz=$TSC_KHZ}

# --- starting guests -----------------------------------------------------------------------------
# The stand-in for QEMU: adds cache=none to each -drive that names no cache mode, writes the
# arguments it passes (one a line) to $STOB_RUN.args, then becomes QEMU.
WRAP=$OUT/qemu-wrap
cat > "$WRAP" <<'EOF'
#!/bin/bash
# bench/storage.sh's stand-in for QEMU: cache=none on every -drive, the arguments to $STOB_RUN.args.
a=() prev=
for x in "$@"; do
  if [ "$prev" = -drive ] && [[ ,$x, != *,cache=* ]]; then x+=,cache=none; fi
  a+=("$x"); prev=$x
done
printf '%s\n' "${a[@]}" > "$STOB_RUN.args"
exec qemu-system-x86_64 "${a[@]}"
EOF
chmod 755 "$WRAP"
KEEL_ARGS_FILE=$OUT/keel-qemu.args
rm -f "$KEEL_ARGS_FILE"
stob_drive() { # the -drive's image: this run's (STOB_IMG)
  [ "$1" != -drive ] || VM_ARG=$(sed -E "s|^file=[^,]*,|file=$STOB_IMG,|" <<<"$VM_ARG")
}
linux_args() { # CPIO IMAGE APPEND MEM -> LARGS
  STOB_IMG=$2
  vm_linux_args "$KEEL_ARGS_FILE" "$1" "$LINUX_CMDLINE $3" "$4" stob_drive
}

# boot KIND JOB IMAGE TAG: one boot, the console to $LOGDIR/TAG.log (CR removed). 0 when the guest
# said its program exited 0.
boot() {
  local k=$1 job=$2 img=$3 tag=$4 st=0 mem=$MEM
  [ "$job" != fio ] || mem=$MEM_FIO
  local runf=$LOGDIR/$tag
  rm -f "$runf".{args,log}
  if [ "$k" = keel ]; then
    cmd_of "$job"
    # shellcheck disable=SC2046
    STOB_RUN=$runf KEEL_QEMU=$WRAP XDG_CACHE_HOME=$OUT/cache timeout -k 5 "$BOOT_TIMEOUT" \
      "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg --machine microvm -m "${mem}M" \
      --disk "$img:/data" $(files_of "$job") -- "${C[@]}" < /dev/null 2>&1 | tr -d '\r' > "$runf.log" || st=$?
    if [ ! -s "$KEEL_ARGS_FILE" ] && [ -s "$runf.args" ]; then cp "$runf.args" "$KEEL_ARGS_FILE"; fi
  else
    [ -s "$KEEL_ARGS_FILE" ] || die "internal: a Linux boot before any keel boot"
    local extra=""
    case $job in write|read|rand) cmd_of "$job"; extra="bench.args=$(vm_join "${C[@]:1}")" ;; esac
    linux_args "$(cpio_of "$job")" "$img" "$extra" "$mem"
    STOB_RUN=$runf timeout -k 5 "$BOOT_TIMEOUT" "$WRAP" "${LARGS[@]}" < /dev/null 2>&1 | tr -d '\r' > "$runf.log" || st=$?
  fi
  if [ "$k" = keel ]; then [ "$st" = 0 ]; else grep -q '^BENCH-EXIT 0' "$runf.log"; fi
}
FAILS=()
fail_note() { # KIND TAG WHAT
  FAILS+=("$1 $2: $3 (log: $LOGDIR/$2.log)")
  log "$1 $2: $3; last lines of $LOGDIR/$2.log:"
  tail -n 12 "$LOGDIR/$2.log" 2>/dev/null | sed 's/^/    /' >&2
}

# --- one run of one guest: a fresh image, one boot per measure -----------------------------------
declare -A R
for k in keel linux; do for m in write read fio rand one per100; do R[${m}_$k]=""; done; done
want() { [[ " $PARTS " == *" $1 "* ]]; }
run_guest() { # KIND RUN
  local k=$1 i=$2 img=$OUT/$1.img tag v line t0 t1 ck line_out=""
  rm -f "$img"; truncate -s "$IMG_SIZE" "$img"
  mke2fs -q -t ext2 -b 4096 -F "$img"
  for job in write read fio rand sqlite; do
    want "$job" || continue
    tag=$k-$job-$i
    if ! boot "$k" "$job" "$img" "$tag"; then
      # Report what a guest lacked (ENOSYS lines), once per run.
      fail_note "$k" "$tag" "$job did not finish with status 0$(grep -o 'syscall [a-z_0-9]* ([0-9]*) is not implemented' "$LOGDIR/$tag.log" | sort -u | sed 's/^/; /' | tr -d '\n')"
      [ "$job" = write ] && break   # nothing to read
      continue
    fi
    case $job in
      write|read)
        v=$(sed -n "s/^SEQIO $job .*mbps=\([0-9.]*\).*/\1/p" "$LOGDIR/$tag.log")
        if [ -z "$v" ]; then fail_note "$k" "$tag" "no SEQIO $job line"; continue; fi
        R[${job}_$k]+=" $v"; line_out+=" $job ${v} MB/s," ;;
      rand)
        v=$(sed -n 's/^SEQIO rand .*iops=\([0-9.]*\).*/\1/p' "$LOGDIR/$tag.log")
        if [ -z "$v" ]; then fail_note "$k" "$tag" "no SEQIO rand line"; continue; fi
        R[rand_$k]+=" $v"; line_out+=" seqio-rand $v IOPS," ;;
      fio)
        # terse v3: field 8 is the read IOPS, field 5 the error.
        line=$(grep -m1 '^3;fio-' "$LOGDIR/$tag.log" || true)
        v=$(awk -F';' '$5 == 0 {print $8}' <<<"$line")
        if [ -z "$v" ]; then fail_note "$k" "$tag" "no fio terse line with error 0"; continue; fi
        R[fio_$k]+=" $v"; line_out+=" fio $v IOPS," ;;
      sqlite)
        for p in one per100; do
          t0=$(sed -n "s/^SQLITE-T|$p-start|//p" "$LOGDIR/$tag.log")
          t1=$(sed -n "s/^SQLITE-T|$p-end|//p" "$LOGDIR/$tag.log")
          ck=$(grep -c "^SQLITE-CHECK|$p|$ROWS|$SQL_SUM\$" "$LOGDIR/$tag.log" || true)
          if [ -z "$t0" ] || [ -z "$t1" ] || [ "$ck" != 1 ]; then
            fail_note "$k" "$tag" "sqlite $p: no timestamps or a wrong count/sum (want $ROWS|$SQL_SUM)"; continue
          fi
          v=$(awk -v a="$t0" -v b="$t1" -v n=$ROWS 'BEGIN { printf "%.1f", n / (b - a) }')
          R[${p}_$k]+=" $v"; line_out+=" sqlite-$p $v inserts/s,"
        done ;;
    esac
  done
  if ! e2fsck -fn "$img" > "$LOGDIR/$k-fsck-$i.txt" 2>&1; then
    fail_note "$k" "$k-fsck-$i" "e2fsck -fn found problems on the image after run $i"
    cp "$LOGDIR/$k-fsck-$i.txt" "$LOGDIR/$k-fsck-$i.log"
  fi
  printf '%-5s run %d/%d:%s\n' "$k" "$i" "$RUNS" "${line_out%,}"
}

echo "storage: $RUNS runs each, $(qemu-system-x86_64 --version | head -1), -M microvm -accel tcg -cpu max, -m ${MEM}M (fio: ${MEM_FIO}M), cache=none"
echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes, sha256 $(sha256sum < "$KEEL_ELF" | cut -c1-16)…)"
echo "  linux: $LINUX_DIR/vmlinux ($(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')), $KMODS by insmod"
echo "  host:  $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
vm_each_run "$RUNS" run_guest

# --- report --------------------------------------------------------------------------------------
med() { if [ -n "$1" ]; then vm_median $1; else echo NA; fi; }
ratio() { if [ "$1" = NA ] || [ "$2" = NA ]; then echo NA; else vm_ratio "$1" "$2"; fi; }
declare -A M
NAMES=(write read fio rand one per100)
declare -A DESC=([write]="sequential write ${MIB} MiB, 1 MiB blocks + fsync, MB/s"
  [read]="sequential read ${MIB} MiB (fresh boot), MB/s"
  [fio]="fio randread 4 KiB psync ${RAND_TIME}s, IOPS"
  [rand]="seqio random 4 KiB pread ${RAND_TIME}s, IOPS"
  [one]="sqlite3 100,000 inserts, 1 transaction, /s"
  [per100]="sqlite3 100,000 inserts, 100 per transaction, /s")
echo
printf '| %-52s | %10s | %10s | %10s |\n' measure keel linux keel/linux
for m in "${NAMES[@]}"; do
  for k in keel linux; do M[${m}_$k]=$(med "${R[${m}_$k]}"); done
  printf '| %-52s | %10s | %10s | %10s |\n' "${DESC[$m]}" "${M[${m}_keel]}" "${M[${m}_linux]}" \
    "$(ratio "${M[${m}_keel]}" "${M[${m}_linux]}")"
done
{
  echo "runs=$RUNS"
  echo "mem_mib=$MEM"
  echo "mem_fio_mib=$MEM_FIO"
  echo "file_mib=$MIB"
  echo "image=raw ext2 (mke2fs -t ext2 -b 4096), $IMG_SIZE sparse, fresh per run and guest"
  echo "rand_time_s=$RAND_TIME"
  for m in "${NAMES[@]}"; do
    for k in keel linux; do
      echo "${k}_${m}_median=${M[${m}_$k]}"
      echo "${k}_${m}_runs=$(vm_join ${R[${m}_$k]})"
    done
    echo "${m}_ratio=$(ratio "${M[${m}_keel]}" "${M[${m}_linux]}")"
  done
  echo "units=write/read MB/s (10^6 B/s); fio/rand IOPS; one/per100 inserts/s"
  cmd_of fio; echo "fio=${C[*]}"
  echo "linux_modules=$KMODS"
} | vm_summary "$SUMMARY" "$KEEL_ARGS_FILE" "boot(s)" "${FAILS[@]}" || exit 1
