#!/usr/bin/env bash
# bench/net.sh — issue 12 "Measure": keel against a Linux VM with the same virtio-net device, the same
# program and the same QEMU (7.2, -accel tcg -cpu max, --machine MACHINE), in the same run, medians of
# RUNS (5), runs interleaved and alternating which goes first:
#   1. Debian's nginx-light (stock config, `daemon off; master_process off;`) serving a 1 KiB file:
#      requests/s from `wrk -t2 -c16 -d10s` on the host through QEMU's user-net forward
#      (hostfwd on 127.0.0.1, restrict=on), and the time from QEMU's start to the first answered
#      request (a bounded curl loop);
#   2. TCP throughput with Debian's iperf3 as the server in the guest and the host's iperf3 as the
#      client, host to guest and guest to host (-R), through the same forward;
#   3. the smallest -m (whole MiB) with which nginx serves, bisected, keel and (LINUX_MEM=1) Linux.
# keel runs through `build/keel run -p HOST:GUEST -m SIZE --accel tcg --machine MACHINE -f ...`. The
# Linux VM boots Debian 12's kernel (bench/linux-vm.sh) with an initramfs holding the files that
# `keel build` packed for the same command, plus static busybox, the kernel's virtio and virtio-net
# modules from the same .deb (insmod in /init), and a static address (10.0.2.15/24, gateway
# 10.0.2.2, as QEMU's user network expects). Its QEMU command line is the one keel run used (written
# down by a stand-in for QEMU, bench/net.sh's wrapper), with only the kernel, initrd, command line,
# memory and forwarded port changed. Writes build/bench/net/net.txt (key=value) and the guests' logs.
# Knobs: RUNS (5), MEM (MiB for the measured runs, 256), MACHINE (microvm), WRK_TIME (s, 10),
# IPERF_TIME (s, 10), FIRST_TIMEOUT (s to the first answer, 120), FIRST_STEP (s between the first
# answer's tries: its resolution, 0.05), FIRST_TRY (s one try may take, 2), KEEL_RUN_ARGS (more `keel
# run` options, split at spaces, e.g. "-k keel.ip=10.0.2.15/24,gw=10.0.2.2"), SKIP_MEM=1 (no -m
# search), LINUX_MEM=0 (search keel's only), CONFIRM (passes needed at the smallest -m, 2), PORT
# (the first of 5 host ports; default from the shell's pid), PARTS (which measures: "nginx iperf
# mem"; fewer for debugging).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL=${KEEL:-$ROOT/build/keel}
read -r -a KEEL_RUN_ARGS <<<"${KEEL_RUN_ARGS:-}"
KEEL_ELF=${KEEL_ELF:-$ROOT/build/keel.elf}
RUNS=${RUNS:-5}
MEM=${MEM:-256}
MACHINE=${MACHINE:-microvm}
WRK_TIME=${WRK_TIME:-10}
IPERF_TIME=${IPERF_TIME:-10}
FIRST_TIMEOUT=${FIRST_TIMEOUT:-120}
FIRST_TRY=${FIRST_TRY:-2}
FIRST_STEP=${FIRST_STEP:-0.05}
SKIP_MEM=${SKIP_MEM:-0}
LINUX_MEM=${LINUX_MEM:-1}
CONFIRM=${CONFIRM:-2}
PORT=${PORT:-$((30000 + $$ % 20000))}
PARTS=${PARTS:-nginx iperf mem}
OUT=$ROOT/build/bench/net
LOGDIR=$OUT/logs
SUMMARY=$OUT/net.txt
. "$ROOT/bench/vmlib.sh"   # LINUX_DIR, vm_linux_ready, vm_linux_cpio, vm_median, vm_ratio, vm_join

die() { echo "net.sh: $*" >&2; exit 1; }
log() { echo "net.sh: $*" >&2; }
for v in RUNS MEM WRK_TIME IPERF_TIME FIRST_TIMEOUT CONFIRM PORT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
case $MACHINE in microvm|pc|q35) ;; *) die "MACHINE must be microvm, pc or q35";; esac
[ -x "$KEEL" ] || die "build keel first (make): no $KEEL"
[ -s "$KEEL_ELF" ] || die "build keel first (make): no $KEEL_ELF"
for p in /usr/sbin/nginx /usr/bin/iperf3 /usr/bin/wrk /usr/bin/curl; do
  [ -x "$p" ] || die "$p not found (make deps installs nginx-light, iperf3, wrk, curl)"
done
command -v python3 >/dev/null || die "python3 not found"
vm_linux_ready || die "no Linux VM"
mkdir -p "$OUT" "$LOGDIR"
rm -f "$SUMMARY"   # a failed run must not leave an older result looking current

# --- the guests' files ---------------------------------------------------------------------------
# The web root: one 1 KiB file of fixed bytes, checked on every first answer.
mkdir -p "$OUT/www"
head -c 1024 /dev/zero | tr '\0' k > "$OUT/www/1k.bin"
NGINX_FILES=(-f /etc/nginx -f "$OUT/www:/var/www/html"
             -f /usr/share/nginx -f /usr/lib/nginx -f /var/lib/nginx -f /var/log/nginx)
NGINX=(/usr/sbin/nginx -g 'daemon off; master_process off;')
IPERF=(/usr/bin/iperf3 -s -p 5201)

# The Linux kernel's virtio modules, from the .deb bench/linux-vm.sh downloaded (in load order; the
# PCI ones matter for MACHINE=pc/q35, and load harmlessly on microvm).
KMODS="virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net"
KMOD_DIR=$OUT/kmod
vm_linux_kmods "$KMOD_DIR" "$KMODS" || die "no kernel modules"
add_kmods() { mkdir -p "$1/kmod"; cp "$KMOD_DIR"/*.ko "$1/kmod/"; }

# The Linux /init's work before the program: the modules, the addresses, what nginx writes to.
LINUX_NET_UP="for m in $KMODS; do /bin/busybox insmod /kmod/\$m.ko || echo \"insmod \$m failed\"; done
/bin/busybox ip link set lo up
/bin/busybox ip link set eth0 up
/bin/busybox ip addr add 10.0.2.15/24 dev eth0
/bin/busybox ip route add default via 10.0.2.2
/bin/busybox mkdir -p /run /var/log/nginx
echo BENCH-NET-UP"
# keel build packs the same files keel run packs; the Linux cpio adds busybox, modules and /init.
build_guest() { # NAME CMD...
  local name=$1 q="" a
  shift
  "$KEEL" build -q --kernel "$KEEL_ELF" -o "$OUT/keel-$name" "${NGINX_FILES[@]}" -- "$@"
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  vm_linux_cpio "$OUT/keel-$name" "$OUT/linux-$name.cpio" "$LINUX_NET_UP
${q# }" add_kmods
}
# The Linux command line. tsc_early_khz: the host's TSC rate, which is the guest's under TCG; without
# it Linux calibrates its TSC against the emulated PIT, which fails now and then when the host is
# busy (seen: "tsc: Unable to calibrate against PIT", then the boot hangs before userspace).
gcc -O2 -Wall -o "$OUT/tsckhz" "$ROOT/bench/tsckhz.c"
TSC_KHZ=$("$OUT/tsckhz")
LINUX_CMDLINE=${LINUX_CMDLINE:-console=ttyS0 quiet panic=-1 tsc_early_khz=$TSC_KHZ}
build_guest nginx "${NGINX[@]}"
build_guest iperf "${IPERF[@]}"

# --- starting and stopping guests ----------------------------------------------------------------
# The stand-in for QEMU: keel run calls it through KEEL_QEMU (and the Linux runs call it directly).
# It notes the time just before QEMU starts, QEMU's arguments (one a line) and its pid, then becomes
# QEMU.
WRAP=$OUT/qemu-wrap
cat > "$WRAP" <<'EOF'
#!/bin/sh
# bench/net.sh's stand-in for QEMU: start time, arguments and pid to $NETB_RUN.{t0,args,pid}.
date +%s.%N > "$NETB_RUN.t0"
printf '%s\n' "$@" > "$NETB_RUN.args"
echo $$ > "$NETB_RUN.pid"
exec qemu-system-x86_64 "$@"
EOF
chmod 755 "$WRAP"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"

# The Linux VM's QEMU arguments: keel's, from its first run, with the kernel, initrd, command line,
# memory and port of the Linux run. Everything else (machine, CPU, accelerator, device, netdev
# options) stays as keel run chose it.
KEEL_ARGS_FILE=$OUT/keel-qemu.args
rm -f "$KEEL_ARGS_FILE"
net_fwd() { # the -netdev's forward to this run's ports (NET_HP, NET_GP)
  [ "$1" != -netdev ] ||
    VM_ARG=$(sed -E "s/hostfwd=tcp:127\.0\.0\.1:[0-9]+-:[0-9]+/hostfwd=tcp:127.0.0.1:$NET_HP-:$NET_GP/" <<<"$VM_ARG")
}
linux_args() { # CPIO MEM HOSTPORT GUESTPORT -> LARGS
  NET_HP=$3 NET_GP=$4
  vm_linux_args "$KEEL_ARGS_FILE" "$1" "$LINUX_CMDLINE" "$2" net_fwd
}

# start KIND NAME MEM HOSTPORT GUESTPORT TAG: boots the guest in the background; its console goes to
# $LOGDIR/TAG.log, the wrapper's notes to $LOGDIR/TAG.{t0,args,pid}. Sets GPID (keel run's or QEMU's
# process) and RUNF (the notes' prefix).
start() {
  local kind=$1 name=$2 mem=$3 hp=$4 gp=$5 tag=$6 cmd
  RUNF=$LOGDIR/$tag
  rm -f "$RUNF".{t0,args,pid,log}
  if [ "$kind" = keel ]; then
    if [ "$name" = nginx ]; then cmd=("${NGINX[@]}"); else cmd=("${IPERF[@]}"); fi
    NETB_RUN=$RUNF KEEL_QEMU=$WRAP XDG_CACHE_HOME=$OUT/cache timeout -k 5 900 \
      "$KEEL" run -q --kernel "$KEEL_ELF" --accel tcg --machine "$MACHINE" -m "${mem}M" \
      -p "$hp:$gp" "${KEEL_RUN_ARGS[@]}" "${NGINX_FILES[@]}" -- "${cmd[@]}" > "$RUNF.log" 2>&1 < /dev/null &
  else
    [ -s "$KEEL_ARGS_FILE" ] || die "internal: a Linux run before any keel run"
    linux_args "$OUT/linux-$name.cpio" "$mem" "$hp" "$gp"
    NETB_RUN=$RUNF timeout -k 5 900 "$WRAP" "${LARGS[@]}" > "$RUNF.log" 2>&1 < /dev/null &
  fi
  GPID=$!
  for _ in $(seq 200); do [ -s "$RUNF.pid" ] && [ -s "$RUNF.t0" ] && break; sleep 0.05; done
  if [ "$kind" = keel ] && [ ! -s "$KEEL_ARGS_FILE" ] && [ -s "$RUNF.args" ]; then
    cp "$RUNF.args" "$KEEL_ARGS_FILE"
  fi
}
# stop: QEMU (by the pid its wrapper wrote) and then whatever started it.
stop() {
  local qp
  qp=$(cat "$RUNF.pid" 2>/dev/null || true)
  [ -z "$qp" ] || kill "$qp" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$GPID" 2>/dev/null || break; sleep 0.1; done
  kill "$GPID" 2>/dev/null || true
  wait "$GPID" 2>/dev/null || true
}
alive() { kill -0 "$GPID" 2>/dev/null; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b - a}'; }

# first_answer HOSTPORT SECONDS: a new curl of the 1 KiB file every FIRST_STEP s (each at most
# FIRST_TRY s), at most SECONDS, until one comes back byte-exact. While the guest's network is not up,
# QEMU accepts the host's connection and its SYN to the guest goes unanswered, so one curl at a time
# would hang for its whole time limit: overlapping tries keep the resolution at FIRST_STEP. Prints
# the seconds from QEMU's start to the earliest byte-exact answer, or NA.
first_answer() {
  local url=http://127.0.0.1:$1/1k.bin end d=$RUNF.first i=0 pids=() t
  rm -rf "$d"; mkdir -p "$d"
  end=$(awk -v n="$(now)" -v s="$2" 'BEGIN{printf "%.3f", n + s}')
  while awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n < e)}'; do
    (curl -sf -m "$FIRST_TRY" -o "$d/$i" "$url" 2>/dev/null && cmp -s "$d/$i" "$OUT/www/1k.bin" &&
      now > "$d/$i.ok") &
    pids+=($!); i=$((i + 1))
    compgen -G "$d/*.ok" >/dev/null && break
    alive || break
    sleep "$FIRST_STEP"
  done
  wait "${pids[@]}" 2>/dev/null || true
  t=$(cat "$d"/*.ok 2>/dev/null | sort -g | head -1)
  cp "$d/0" "$RUNF.body" 2>/dev/null || true
  rm -rf "$d"
  if [ -n "$t" ]; then since "$(cat "$RUNF.t0")" "$t"; else echo NA; fi
}
# wait_line RE SECONDS: until the guest's console shows a line matching RE (0), or not (1).
wait_line() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    grep -qE -- "$1" "$RUNF.log" 2>/dev/null && return 0
    alive || return 1
    sleep 0.1
  done
  return 1
}
# fail_note KIND TAG WHAT: the guest's last lines, to the terminal and to the failure list.
FAILS=()
fail_note() {
  FAILS+=("$1 $2: $3 (log: $LOGDIR/$2.log)")
  log "$1 $2: $3; last lines of $LOGDIR/$2.log:"
  tail -n 15 "$LOGDIR/$2.log" | sed 's/^/    /' >&2
}

# --- 1. nginx: first answer, wrk -----------------------------------------------------------------
declare -A FIRST RPS TPUT_IN TPUT_OUT
for k in keel linux; do FIRST[$k]=""; RPS[$k]=""; TPUT_IN[$k]=""; TPUT_OUT[$k]=""; done
nginx_run() { # KIND RUN
  local k=$1 i=$2 tag=$1-nginx-$2 hp t w rps errs
  if [ "$k" = keel ]; then hp=$PORT; else hp=$((PORT + 1)); fi
  start "$k" nginx "$MEM" "$hp" 80 "$tag"
  t=$(first_answer "$hp" "$FIRST_TIMEOUT")
  if [ "$t" = NA ]; then
    fail_note "$k" "$tag" "no byte-exact answer within ${FIRST_TIMEOUT}s"; stop; return
  fi
  FIRST[$k]+=" $t"
  w=$LOGDIR/$tag.wrk
  timeout $((WRK_TIME + 60)) wrk -t2 -c16 -d"${WRK_TIME}s" "http://127.0.0.1:$hp/1k.bin" > "$w" 2>&1 || true
  rps=$(awk '/^Requests\/sec:/{print $2}' "$w")
  errs=$(grep -E 'Socket errors|Non-2xx' "$w" | tr -s ' ' | paste -sd';' - || true)
  # Still serving after the load?
  if ! curl -sf -m 10 -o "$RUNF.body" "http://127.0.0.1:$hp/1k.bin" || ! cmp -s "$RUNF.body" "$OUT/www/1k.bin"; then
    fail_note "$k" "$tag" "no byte-exact answer after wrk (wrk: ${rps:-no result} req/s${errs:+, $errs})"
    stop; return
  fi
  stop
  if [ -z "$rps" ]; then fail_note "$k" "$tag" "wrk gave no result: $(tail -n 3 "$w" | tr '\n' ' ')"; return; fi
  RPS[$k]+=" $rps"
  printf '%-5s nginx run %d/%d: first answer %6.3f s, %8.1f requests/s%s\n' "$k" "$i" "$RUNS" "$t" "$rps" "${errs:+  ($errs)}"
}

# --- 2. iperf3 -----------------------------------------------------------------------------------
# iperf_bps JSON: the receiver's bits/s.
iperf_bps() { python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"])' "$1" 2>/dev/null; }
iperf_run() { # KIND RUN
  local k=$1 i=$2 tag=$1-iperf-$2 hp dir j bps in="" out=""
  if [ "$k" = keel ]; then hp=$((PORT + 2)); else hp=$((PORT + 3)); fi
  start "$k" iperf "$MEM" "$hp" 5201 "$tag"
  if ! wait_line 'Server listening on 5201' "$FIRST_TIMEOUT"; then
    fail_note "$k" "$tag" "iperf3 -s did not say it listens within ${FIRST_TIMEOUT}s"; stop; return
  fi
  for dir in in out; do
    j=$LOGDIR/$tag-$dir.json
    if [ "$dir" = in ]; then set --; else set -- -R; fi
    timeout $((IPERF_TIME + 60)) iperf3 -c 127.0.0.1 -p "$hp" -t "$IPERF_TIME" -J "$@" > "$j" 2>&1 || true
    bps=$(iperf_bps "$j" || true)
    if [ -z "$bps" ] || [ "$bps" = 0 ]; then
      fail_note "$k" "$tag" "iperf3 $dir: no result: $(grep -o '"error":.*' "$j" | head -1)"
      continue
    fi
    bps=$(awk -v b="$bps" 'BEGIN{printf "%.1f", b / 1e6}')
    if [ "$dir" = in ]; then in=$bps; TPUT_IN[$k]+=" $bps"; else out=$bps; TPUT_OUT[$k]+=" $bps"; fi
  done
  stop
  printf '%-5s iperf run %d/%d: host->guest %8s Mbit/s, guest->host %8s Mbit/s\n' "$k" "$i" "$RUNS" "${in:-NA}" "${out:-NA}"
}

echo "net: $RUNS runs each, $(qemu-system-x86_64 --version | head -1), -M $MACHINE -accel tcg -cpu max, -m ${MEM}M"
echo "  keel:  $KEEL_ELF ($(stat -c %s "$KEEL_ELF") bytes, sha256 $(sha256sum < "$KEEL_ELF" | cut -c1-16)…)"
echo "  linux: $LINUX_DIR/vmlinux ($(cat "$LINUX_DIR/kernel-package" 2>/dev/null || echo '?')), virtio modules by insmod"
echo "  host:  $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
[[ " $PARTS " != *" nginx "* ]] || vm_each_run "$RUNS" nginx_run
[[ " $PARTS " != *" iperf "* ]] || vm_each_run "$RUNS" iperf_run

# --- 3. the smallest -m --------------------------------------------------------------------------
# serves KIND MEM: boots nginx with -m MEM MiB; 0 when the 1 KiB file comes back byte-exact.
MEM_LOG=$OUT/mem-search.txt
serves() {
  local k=$1 m=$2 t
  start "$k" nginx "$m" "$((PORT + 4))" 80 "mem-$k-$m"
  t=$(first_answer "$((PORT + 4))" "$FIRST_TIMEOUT")
  stop
  echo "$k -m $m: ${t/NA/does not serve}" >> "$MEM_LOG"
  [ "$t" != NA ]
}
# smallest KIND: halves from MEM down to the first failure, bisects to 1 MiB, then wants CONFIRM
# passes in a row at the answer (stepping up 1 MiB while one fails). Prints the MiB or NA.
smallest() {
  local k=$1 hi=$MEM lo=0 mid n probes=0
  serves "$k" "$hi" || { echo NA; return; }
  while ((hi > 1 && probes < 12)); do
    mid=$((hi / 2)); probes=$((probes + 1))
    if serves "$k" "$mid"; then hi=$mid; else lo=$mid; break; fi
  done
  while ((hi - lo > 1 && probes < 24)); do
    mid=$(((hi + lo) / 2)); probes=$((probes + 1))
    if serves "$k" "$mid"; then hi=$mid; else lo=$mid; fi
  done
  while ((hi <= MEM)); do
    for ((n = 1; n < CONFIRM; n++)); do serves "$k" "$hi" || break; done
    ((n >= CONFIRM)) && { echo "$hi"; return; }
    hi=$((hi + 1))
  done
  echo NA
}
KEEL_MIN=skipped; LINUX_MIN=skipped
if [ "$SKIP_MEM" != 1 ] && [[ " $PARTS " == *" mem "* ]]; then
  : > "$MEM_LOG"
  KEEL_MIN=$(smallest keel)
  echo "keel  smallest -m for nginx: $KEEL_MIN MiB"
  if [ "$LINUX_MEM" = 1 ]; then
    LINUX_MIN=$(smallest linux)
    echo "linux smallest -m for nginx: $LINUX_MIN MiB"
  fi
fi

# --- report --------------------------------------------------------------------------------------
med() { if [ -n "$1" ]; then vm_median $1; else echo NA; fi; }
count() { wc -w <<<"$1" | tr -d ' '; }
ratio() { if [ "$1" = NA ] || [ "$2" = NA ]; then echo NA; else vm_ratio "$1" "$2"; fi; }
declare -A M
for k in keel linux; do
  M[first_$k]=$(med "${FIRST[$k]}"); M[rps_$k]=$(med "${RPS[$k]}")
  M[in_$k]=$(med "${TPUT_IN[$k]}"); M[out_$k]=$(med "${TPUT_OUT[$k]}")
done
echo
printf '| %-44s | %10s | %10s | %10s |\n' measure keel linux keel/linux
printf '| %-44s | %10s | %10s | %10s |\n' "nginx 1 KiB, wrk -t2 -c16 -d${WRK_TIME}s, requests/s" \
  "${M[rps_keel]}" "${M[rps_linux]}" "$(ratio "${M[rps_keel]}" "${M[rps_linux]}")"
printf '| %-44s | %10s | %10s | %10s |\n' "QEMU start to first answered request, s" \
  "${M[first_keel]}" "${M[first_linux]}" "$(ratio "${M[first_keel]}" "${M[first_linux]}")"
printf '| %-44s | %10s | %10s | %10s |\n' "iperf3 host->guest, Mbit/s" \
  "${M[in_keel]}" "${M[in_linux]}" "$(ratio "${M[in_keel]}" "${M[in_linux]}")"
printf '| %-44s | %10s | %10s | %10s |\n' "iperf3 guest->host (-R), Mbit/s" \
  "${M[out_keel]}" "${M[out_linux]}" "$(ratio "${M[out_keel]}" "${M[out_linux]}")"
printf '| %-44s | %10s | %10s | %10s |\n' "smallest -m for nginx, MiB" "$KEEL_MIN" "$LINUX_MIN" \
  "$( [[ $KEEL_MIN =~ ^[0-9]+$ && $LINUX_MIN =~ ^[0-9]+$ ]] && vm_ratio "$KEEL_MIN" "$LINUX_MIN" || echo NA)"

runs_of() { vm_join $1; }
{
  echo "runs=$RUNS"
  echo "machine=$MACHINE"
  echo "mem_mib=$MEM"
  echo "keel_run_args=${KEEL_RUN_ARGS[*]}"
  for k in keel linux; do
    echo "${k}_rps_median=${M[rps_$k]}"
    echo "${k}_rps_runs=$(runs_of "${RPS[$k]}")"
    echo "${k}_first_answer_median_s=${M[first_$k]}"
    echo "${k}_first_answer_runs_s=$(runs_of "${FIRST[$k]}")"
    echo "${k}_iperf_in_mbit_median=${M[in_$k]}"
    echo "${k}_iperf_in_mbit_runs=$(runs_of "${TPUT_IN[$k]}")"
    echo "${k}_iperf_out_mbit_median=${M[out_$k]}"
    echo "${k}_iperf_out_mbit_runs=$(runs_of "${TPUT_OUT[$k]}")"
  done
  echo "rps_ratio=$(ratio "${M[rps_keel]}" "${M[rps_linux]}")"
  echo "first_answer_ratio=$(ratio "${M[first_keel]}" "${M[first_linux]}")"
  echo "iperf_in_ratio=$(ratio "${M[in_keel]}" "${M[in_linux]}")"
  echo "iperf_out_ratio=$(ratio "${M[out_keel]}" "${M[out_linux]}")"
  echo "keel_min_mem_mib=$KEEL_MIN"
  echo "linux_min_mem_mib=$LINUX_MIN"
  echo "wrk=wrk -t2 -c16 -d${WRK_TIME}s"
  echo "iperf_time_s=$IPERF_TIME"
} | vm_summary "$SUMMARY" "$KEEL_ARGS_FILE" "run(s)" "${FAILS[@]}" || exit 1
