#!/bin/bash
# run.sh GUEST_ELF [options] - boot Xen 4.17 + a Debian PV dom0 under QEMU TCG (the test bed setup.sh
# caches in build/xen/), have dom0 `xl create` GUEST_ELF as a PVH guest, capture the whole serial log
# (each line stamped with host seconds since QEMU started), print the XENBED-RESULT line(s) and exit
# with a status for the outcome (see usage below and README.md). Always bounded by a host timeout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${XENBED_DIR:-$root/build/xen}

usage() {
	cat <<'EOF'
usage: tests/xen/run.sh GUEST_ELF [options]      (GUEST_ELF may be gzip-compressed)
       tests/xen/run.sh --xl-dir DIR [options]
  --xl-dir DIR        boot what `keel xl -o DIR --guest-dir /guest` wrote: DIR's files go to
                      /guest and DIR/keel.cfg is the config, with the bed's on_* and tsc lines
                      appended (--cmdline, --mem and --ramdisk do not apply)
  --cmdline "..."     guest command line (cmdline = in the xl config)
  --mem MiB           guest memory (default 16)
  --timeout S         guest run time limit, per run, enforced by dom0 (default 60)
  --action A          shutdown-after:N or destroy-after:N: xl shutdown/destroy N s after creation
  --count K           create the guest K times in sequence, one XENBED-RESULT line each (default 1)
  --ramdisk FILE      give the guest FILE as its ramdisk (/guest/ramdisk, ramdisk = in the config)
  --marker GLOB       dom0 also prints XENBED-CONSOLE run=I first_line=S marker=S per run: dom0 uptime
                      when the guest's first console bytes, and its first console line matching the
                      shell glob GLOB (e.g. 'keel [0-9]*'), arrived (same clock as XENBED-TIMES)
  --cfg-extra "line"  extra xl config line (repeatable; a later setting overrides an earlier one,
                      e.g. --cfg-extra 'tsc_mode="default"' to undo the default tsc_mode="native")
  --input FILE        once the guest exists, dom0 writes FILE to its console (the pty xenconsoled
                      made for it), as typed at `xl console`
  --dom0-script FILE  a busybox sh script dom0 runs in /guest once `xl create` returned, with DOMID
                      (and XENBED_RUN, XENBED_NAME, XENBED_CREATE_START, XENBED_CREATED: dom0 uptime s)
                      set; its output is printed as "dom0-script: ..." and its exit status as
                      "XENBED-SCRIPT run=I rc=N" before XENBED-RESULT. A guest still running when
                      it returns gets `xl shutdown` and 20 s (then destroy: reason=timeout)
  --dom0-file SRC[:NAME]  put SRC into dom0's /guest as NAME (default: its basename; repeatable)
  --dom0-wrk          also give dom0 Debian's wrk (/usr/bin/wrk; setup.sh --wrk builds it, cached)
  A `vif` line in the config (e.g. --cfg-extra 'vif = ["mac=00:16:3e:6b:00:03"]') makes dom0 build
  the bridge xenbr0 (169.254.1.1/16, no uplink) that the guest's vif joins (README.md, Network).
  --log FILE          serial log (default build/xen/logs/NAME-DATE.log)
  --host-timeout S    bound on the whole QEMU run (default 120 + K*(timeout+20))
  --xen-extra "..."   extra Xen command line options
  --dom0-extra "..."  extra dom0 kernel command line options
  -v, --verbose       also copy the serial log to stdout as it comes
  --shell             interactive: a shell in dom0 on this terminal instead of the run
                      (the guest and its config are in /guest; Ctrl-A X quits QEMU)
exit status (with K runs: the first run that is not 0 decides):
  0 guest powered off and wrote status 0        1 powered off with a non-zero status
  2 guest crashed or rebooted (triple fault)     3 timeout: still running after --timeout
  4 xl create failed                             5 test bed broken: setup, QEMU or dom0 failed,
  6 powered off without writing a status           no result line, or the host timeout hit
  7 destroyed by --action destroy-after:N, as asked
EOF
}

die5() {
	echo "xenbed: TEST BED UNAVAILABLE: $*" >&2
	exit 5
}

ELF='' XLDIR='' CMDLINE='' RAMDISK='' MARKER='' INPUT='' SCRIPT='' WRK='' MEM=16 TMO=60 ACTION='' COUNT=1 LOG='' HOST_TMO='' XEN_EXTRA='' DOM0_EXTRA='' VERBOSE='' SHELL1=''
CFG_EXTRA=() DOM0_FILES=()
while [ $# -gt 0 ]; do
	case $1 in
	--cmdline) CMDLINE=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--ramdisk) RAMDISK=$2; shift 2 ;;
	--xl-dir) XLDIR=$2; shift 2 ;;
	--marker) MARKER=$2; shift 2 ;;
	--input) INPUT=$2; shift 2 ;;
	--dom0-script) SCRIPT=$2; shift 2 ;;
	--dom0-file) DOM0_FILES+=("$2"); shift 2 ;;
	--dom0-wrk) WRK=1; shift ;;
	--timeout) TMO=$2; shift 2 ;;
	--action) ACTION=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	--cfg-extra) CFG_EXTRA+=("$2"); shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--host-timeout) HOST_TMO=$2; shift 2 ;;
	--xen-extra) XEN_EXTRA=$2; shift 2 ;;
	--dom0-extra) DOM0_EXTRA=$2; shift 2 ;;
	-v | --verbose) VERBOSE=1; shift ;;
	--shell) SHELL1=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; die5 "unknown option $1" ;;
	*) [ -z "$ELF" ] || { usage >&2; die5 "more than one guest ELF"; }; ELF=$1; shift ;;
	esac
done
if [ -n "$XLDIR" ]; then
	[ -z "$ELF" ] || die5 "give a guest ELF or --xl-dir, not both"
	[ -f "$XLDIR/keel.cfg" ] || die5 "no $XLDIR/keel.cfg (write it with keel xl -o DIR --guest-dir /guest)"
	ELF=$XLDIR/keel.elf
fi
[ -n "$ELF" ] || { usage >&2; die5 "no guest ELF given"; }
[ -f "$ELF" ] || die5 "no such guest ELF: $ELF"
# A gzip-compressed ELF is fine too: libxenguest unzips the kernel (e.g. a 65 MB Linux vmlinux).
[ "$(head -c4 "$ELF" | od -An -c | tr -d ' ')" = '177ELF' ] || [ "$(head -c2 "$ELF" | od -An -tx1 | tr -d ' ')" = 1f8b ] ||
	die5 "$ELF is not an ELF file (nor a gzip-compressed one)"
[ -z "$RAMDISK" ] || [ -f "$RAMDISK" ] || die5 "no such ramdisk: $RAMDISK"
[ -z "$SCRIPT" ] || [ -f "$SCRIPT" ] || die5 "no such dom0 script: $SCRIPT"
DF_SRC=() DF_NAME=()
for f in ${DOM0_FILES[@]+"${DOM0_FILES[@]}"}; do
	src=${f%%:*} name=${f#*:}
	[ "$name" != "$f" ] || name=$(basename "$src")
	DF_SRC+=("$src") DF_NAME+=("$name")
	[ -f "$src" ] || die5 "no such file for --dom0-file: $src"
	case $name in
	"" | */* | .* | guest.cfg | kernel.elf | keel.elf | keel-xl.cfg | ramdisk | marker | input | dom0-script)
		die5 "--dom0-file $f: the name '$name' is not a plain file name of its own in /guest" ;;
	esac
done
for v in MEM TMO COUNT; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die5 "bad number ${!v} (--mem, --timeout or --count)"
done
[ -z "$ACTION" ] || [[ $ACTION =~ ^(shutdown|destroy)-after:[0-9]+$ ]] ||
	die5 "bad --action $ACTION (want shutdown-after:N or destroy-after:N)"
HOST_TMO=${HOST_TMO:-$((120 + COUNT * (TMO + 20)))}

# The test bed (idempotent, quick when cached); it installs QEMU if the host lacks it.
"$here/setup.sh" --quiet || die5 "setup.sh failed (see above)"
command -v qemu-system-x86_64 >/dev/null || die5 "qemu-system-x86_64 is not installed"
command -v python3 >/dev/null || die5 "python3 is not installed"
for f in xen.elf vmlinux dom0.cpio.gz; do [ -s "$B/$f" ] || die5 "$B/$f missing: rerun tests/xen/setup.sh"; done

mkdir -p "$B/logs" "$B/runs"
LOG=${LOG:-$B/logs/$(basename "$ELF" .elf)-$(date +%Y%m%d-%H%M%S)-$$.log}
mkdir -p "$(dirname "$LOG")"
T=$(mktemp -d "$B/runs/run.XXXXXX")
trap 'rm -rf "$T"' EXIT
case "$B$T" in *,* | *' '*) die5 "QEMU's -initrd cannot take a path with a comma or space: $T" ;; esac

# Per-run initrd: dom0's cached cpio with a second one appended that carries /guest/.
mkdir -p "$T/g/guest"
if [ -n "$XLDIR" ]; then
	cp "$XLDIR"/* "$T/g/guest/"
	mv "$T/g/guest/keel.cfg" "$T/g/guest/keel-xl.cfg"
else
	cp "$ELF" "$T/g/guest/kernel.elf"
fi
[ -z "$RAMDISK" ] || cp "$RAMDISK" "$T/g/guest/ramdisk"
[ -z "$MARKER" ] || printf '%s\n' "$MARKER" > "$T/g/guest/marker"
[ -z "$INPUT" ] || cp "$INPUT" "$T/g/guest/input"
[ -z "$SCRIPT" ] || cp "$SCRIPT" "$T/g/guest/dom0-script"
for i in "${!DF_SRC[@]}"; do cp "${DF_SRC[$i]}" "$T/g/guest/${DF_NAME[$i]}"; done
q() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; } # an xl config string
bed_lines() {
	echo '# preserve: dom0 reads the shutdown reason and data/keel/status, then destroys it'
	echo 'on_poweroff = "preserve"'
	echo 'on_reboot = "preserve"'
	echo 'on_crash = "preserve"'
	for l in ${CFG_EXTRA[@]+"${CFG_EXTRA[@]}"}; do echo "$l"; done
}
if [ -n "$XLDIR" ]; then
	{
		cat "$T/g/guest/keel-xl.cfg"
		bed_lines
	} > "$T/g/guest/guest.cfg"
else
	{
		echo 'name = "keel"'
		echo 'type = "pvh"'
		echo 'kernel = "/guest/kernel.elf"'
		echo "memory = $MEM"
		echo 'vcpus = 1'
		echo "cmdline = $(q "$CMDLINE")"
		[ -z "$RAMDISK" ] || echo 'ramdisk = "/guest/ramdisk"'
		echo '# rdtsc traps (35-40 us) under nested Xen unless native (tests/xen/README.md)'
		echo 'tsc_mode = "native"'
		bed_lines
	} > "$T/g/guest/guest.cfg"
fi
(cd "$T/g" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$T/guest.cpio.gz"
if [ -n "$WRK" ]; then
	"$here/setup.sh" --quiet --wrk || die5 "setup.sh --wrk failed (see above)"
	cat "$B/dom0.cpio.gz" "$B/wrk.cpio.gz" "$T/guest.cpio.gz" > "$T/initrd.img"
else
	cat "$B/dom0.cpio.gz" "$T/guest.cpio.gz" > "$T/initrd.img"
fi

# smap=0: with QEMU 7.2 TCG and SMAP on, the PV dom0 dies in create_bounce_frame (TESTBEDS.md).
# No "noreboot": a Xen or dom0 panic then reboots and -no-reboot turns that into a QEMU exit.
XENARGS="console=com1 com1=115200,8n1 dom0_mem=256M,max:256M dom0_max_vcpus=1 loglvl=all guest_loglvl=all smap=0 $XEN_EXTRA"
# tsc=reliable: under TCG dom0's TSC drifts from Xen's clock by ~0.1 %; after ~30 s the clocksource
# watchdog then switched dom0 from tsc to xen, and once that left dom0 hung (timers stopped firing).
DOM0ARGS="console=hvc0 earlyprintk=xen tsc=reliable xenbed.timeout=$TMO xenbed.count=$COUNT"
[ -z "$ACTION" ] || DOM0ARGS="$DOM0ARGS xenbed.action=$ACTION"
[ -z "$SHELL1" ] || DOM0ARGS="$DOM0ARGS xenbed.shell=1"
DOM0ARGS="$DOM0ARGS $DOM0_EXTRA"
case $DOM0ARGS in *,*) die5 "dom0's command line cannot contain a comma (QEMU -initrd splits on it)" ;; esac
QMEM=$((MEM + 768 > 1024 ? MEM + 768 : 1024))
CMD=(timeout -k 5 "$HOST_TMO" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$QMEM"
	-nodefaults -display none -vga none -nic none -monitor none -serial stdio -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-kernel "$B/xen.elf" -append "$XENARGS"
	-initrd "$B/vmlinux $DOM0ARGS,$T/initrd.img")

if [ -n "$SHELL1" ]; then
	CMD=("${CMD[@]:4}") # no host timeout, and the serial port shared with QEMU's monitor
	"${CMD[@]/#stdio/mon:stdio}"
	exit 0
fi
{
	echo "# guest: $ELF"
	echo "# cfg: $(grep -v '^#' "$T/g/guest/guest.cfg" | tr '\n' ';')"
	echo "# qemu: ${CMD[*]}"
} > "$LOG"
# Stamp each line with host seconds since QEMU started (t0 taken just before it starts).
stamp='
import os, sys, time
t0, log, echo = float(sys.argv[1]), open(sys.argv[2], "ab"), sys.argv[3] == "1"
buf = b""
while True:
    d = os.read(0, 65536)
    if not d:
        break
    buf += d.replace(b"\r", b"")
    *lines, buf = buf.split(b"\n")
    now = time.time() - t0
    for l in lines:
        out = b"[%8.3f] %s\n" % (now, l)
        log.write(out)
        if echo:
            sys.stdout.buffer.write(out)
    log.flush()
    sys.stdout.flush()
if buf:
    log.write(b"[%8.3f] %s\n" % (time.time() - t0, buf))
'
t0=$(date +%s.%N)
set +e
"${CMD[@]}" </dev/null 2>&1 | python3 -c "$stamp" "$t0" "$LOG" "${VERBOSE:-0}"
rc=${PIPESTATUS[0]}
set -e
t_total=$(python3 -c "import time; print('%.3f' % (time.time() - $t0))")
echo "# qemu exit $rc after ${t_total}s" >> "$LOG"

# Timings (host seconds since QEMU start) from the stamped log.
mark() { grep -m1 -E "$1" "$LOG" | sed -nE 's/^\[ *([0-9.]+)\].*/\1/p' || true; }
t_xen=$(mark '^\[ *[0-9.]+\] \(XEN\) Xen version [0-9]')
t_dom0=$(mark '^\[ *[0-9.]+\] dom0: \[[0-9.]+\] userspace up')
t_guest=$(mark '^\[ *[0-9.]+\] \(d[1-9][0-9]*\) ')
t_result=$(mark '^\[ *[0-9.]+\] XENBED-RESULT ')

results=$(sed -nE 's/^\[ *[0-9.]+\] (XENBED-(RESULT|TIMES|CONSOLE|SCRIPT) .*|dom0-script: .*)/\1/p' "$LOG")
nres=$(grep -c '^XENBED-RESULT' <<<"$results" || true)
[ -z "$results" ] || echo "$results"

# With --count: medians of the dom0-side times (xl create's own time; xl create start to guest end).
median() { sort -n | awk '{a[NR] = $1} END {if (NR) printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
med=
if [ "$COUNT" -gt 1 ]; then
	times=$(sed -nE 's/^XENBED-TIMES .*create_start=([0-9.]+) created=([0-9.]+) end=([0-9.]+)$/\1 \2 \3/p' <<<"$results")
	if [ -n "$times" ]; then
		med="runs=$(wc -l <<<"$times") median_create=$(awk '{print $2 - $1}' <<<"$times" | median)s"
		med="$med median_create_to_end=$(awk '{print $3 - $1}' <<<"$times" | median)s"
		echo "xenbed: $med"
	fi
fi

# One run's exit status from its XENBED-RESULT line.
status_of() {
	local reason status
	reason=$(sed -nE 's/.* reason=([^ ]*).*/\1/p' <<<"$1")
	status=$(sed -nE 's/.* status=([^ ]*).*/\1/p' <<<"$1")
	case $reason in
	poweroff)
		case $status in
		0) echo 0 ;;
		none) echo 6 ;;
		*) echo 1 ;;
		esac
		;;
	timeout) echo 3 ;;
	create-failed) echo 4 ;;
	destroyed) echo 7 ;;
	*) echo 2 ;; # crash, reboot, or a domain that went away by itself
	esac
}

why=
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	why="host timeout: QEMU still running after ${HOST_TMO}s"
elif [ "$nres" -lt "$COUNT" ]; then
	why="dom0 printed $nres of $COUNT XENBED-RESULT lines (QEMU exit $rc)"
elif [ "$rc" = 45 ]; then
	why="dom0 could not start the Xen toolstack"
elif ! [[ $rc =~ ^(33|35|37|39|41|43)$ ]]; then
	echo "xenbed: warning: QEMU exit $rc, expected isa-debug-exit 33..43" >&2
fi
st=0
if [ -n "$why" ]; then
	st=5
else
	while read -r line; do
		s=$(status_of "$line")
		if [ "$s" != 0 ]; then
			st=$s
			break
		fi
	done < <(grep '^XENBED-RESULT' <<<"$results")
fi
summary="xenbed: exit=$st qemu_rc=$rc t_xen=${t_xen:-none} t_dom0_user=${t_dom0:-none} t_guest_first=${t_guest:-none} t_result=${t_result:-none} t_total=$t_total log=$LOG"
echo "# $summary" >> "$LOG"
echo "$summary"
if [ -n "$why" ]; then
	echo "xenbed: TEST BED BROKEN: $why; last lines of the log:" >&2
	tail -n 15 "$LOG" >&2
fi
exit "$st"
