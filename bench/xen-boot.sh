#!/usr/bin/env bash
# bench/xen-boot.sh [KEEL_ELF] — on the nested Xen test bed (tests/xen/run.sh), time from `xl create`
# to the guest's first console line, to its banner / marker line, and to its end (dom0 saw it shut
# down), for keel and for a minimal Linux guest (Debian's own kernel, the one dom0 runs, booted as
# PVH with a static-busybox initramfs whose /init prints `linux-guest: up` and powers off).
# Every time is dom0's /proc/uptime clock: XENBED-TIMES create_start/created/end and XENBED-CONSOLE
# first_line/marker (run.sh --marker). One test-bed boot per configuration, `xl create` RUNS times
# in it (run.sh --count); prints every run, the medians and the ratios keel/Linux, and writes
# build/bench/xen-boot/xen-boot.txt (logs next to it). Medians are over the runs that ended as
# wanted (powered off; keel with status 0); exits 1 if any did not (a hang, a crash), after the report.
#
# Knobs (environment):
#   RUNS=5            xl create's per configuration (medians of these)
#   KEEL_MEM=16       keel's memory = (MiB); a second keel row uses LINUX_MEM for memory parity
#   LINUX_MEM=128     the Linux guest's memory = (MiB)
#   XEN_EXTRA="dom0_mem=512M,max:512M"  for every configuration alike: dom0's initramfs must hold the
#                     65 MB bare vmlinux and xl reads it whole, which 256 MiB (run.sh's default) cannot;
#                     set XEN_EXTRA= and LINUX_GZ=1 for the default bed with a gzip'd vmlinux
#   LINUX_GZ=0        1: give xl the vmlinux gzip-compressed (11 MB; libxenguest unzips it: +1.5 s)
#   ONLY=keel|linux   only those configurations (debugging)
#   TIMEOUT=30        per run, seconds (dom0 destroys a guest still running then; Linux needs ~7)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KEEL=${1:-build/keel.elf}
RUNS=${RUNS:-5} KEEL_MEM=${KEEL_MEM:-16} LINUX_MEM=${LINUX_MEM:-128} TIMEOUT=${TIMEOUT:-30}
XEN_EXTRA=${XEN_EXTRA-dom0_mem=512M,max:512M} LINUX_GZ=${LINUX_GZ:-0} ONLY=${ONLY:-}
OUT=build/bench/xen-boot
LX=build/bench/xen-linux
XB=build/xen
KEEL_MARK='keel [0-9]*'   # the banner, "keel 0.1.0 on xen"
LINUX_MARK='linux-guest: up'

die() { echo "xen-boot.sh: $*" >&2; exit 1; }
say() { echo "xen-boot.sh: $*" >&2; }
for v in RUNS KEEL_MEM LINUX_MEM TIMEOUT; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "bad $v=${!v}"
done
[ "$RUNS" -le 50 ] || die "RUNS=$RUNS: at most 50"
[ -f "$KEEL" ] || die "no kernel at $KEEL (run make)"
mkdir -p "$OUT" "$LX"

bash tests/xen/setup.sh --quiet || die "tests/xen/setup.sh failed"

# --- the Linux guest: the test bed's own Debian kernel + a static-busybox initramfs -------------
[ -s "$XB/vmlinux" ] || die "$XB/vmlinux missing (tests/xen/setup.sh)"
[ -x "$XB/root/bin/busybox" ] || die "$XB/root/bin/busybox missing (tests/xen/setup.sh)"
# PVH needs the XEN_ELFNOTE_PHYS32_ENTRY (18) note in the bare ELF (Debian: CONFIG_PVH=y).
python3 - "$XB/vmlinux" <<'PY' || die "$XB/vmlinux cannot boot as PVH"
import struct, sys
d = open(sys.argv[1], 'rb').read()
if d[:4] != b'\x7fELF':
    sys.exit('not an ELF')
phoff, = struct.unpack_from('<Q', d, 0x20)
phentsize, phnum = struct.unpack_from('<HH', d, 0x36)
for k in range(phnum):
    ptype, _, off, _, _, filesz = struct.unpack_from('<IIQQQQ', d, phoff + k * phentsize)
    q = off
    while ptype == 4 and q + 12 <= off + filesz:
        namesz, descsz, ntype = struct.unpack_from('<III', d, q)
        if d[q + 12:q + 12 + namesz].rstrip(b'\0') == b'Xen' and ntype == 18:
            sys.exit(0)
        q += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
sys.exit('no XEN_ELFNOTE_PHYS32_ENTRY note')
PY
INIT_TEXT="#!/bin/busybox sh
# /init of the Linux guest of bench/xen-boot.sh: say so, power off (a PVH domU without pm_power_off
# halts, and Xen's PVH halt is SHUTDOWN_poweroff: the bed reports reason=poweroff status=none).
/bin/busybox mount -t proc proc /proc
echo '$LINUX_MARK'
/bin/busybox poweroff -f"
if [ ! -s "$LX/initramfs.cpio.gz" ] || [ "$(cat "$LX/init" 2>/dev/null)" != "$INIT_TEXT" ] ||
	! cmp -s "$XB/root/bin/busybox" "$LX/busybox"; then
	say "building $LX/initramfs.cpio.gz"
	R=$(mktemp -d)
	mkdir -p "$R"/{bin,dev,proc,sys}
	cp "$XB/root/bin/busybox" "$R/bin/busybox"
	mknod -m 600 "$R/dev/console" c 5 1 # init's stdio, before anything could mount devtmpfs
	printf '%s\n' "$INIT_TEXT" > "$R/init"
	chmod 755 "$R/init"
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) > "$LX/initramfs.cpio.gz"
	rm -rf "$R"
	printf '%s\n' "$INIT_TEXT" > "$LX/init"
	cp "$XB/root/bin/busybox" "$LX/busybox"
fi
LINUX_KERNEL=$XB/vmlinux
if [ "$LINUX_GZ" = 1 ]; then
	if [ ! -s "$LX/vmlinux.gz" ] || [ "$LX/vmlinux.gz" -ot "$XB/vmlinux" ]; then
		gzip -6n -c "$XB/vmlinux" > "$LX/vmlinux.gz.tmp" && mv "$LX/vmlinux.gz.tmp" "$LX/vmlinux.gz"
	fi
	LINUX_KERNEL=$LX/vmlinux.gz
fi

# --- the runs -------------------------------------------------------------------------------------
# bed NAME STATUS MARK GUEST run.sh-args...: one test-bed boot, RUNS xl creates. Keeps the log and, in
# $OUT/NAME.times, "first marker created end" (seconds after xl create started) of each run that
# powered off with status STATUS (keel: 0; Linux: none, run.sh exit 6); the other runs (a hang that
# dom0 destroyed at TIMEOUT, a crash) go to $OUT/NAME.bad and make this script exit 1 at the end.
bed() {
	local name=$1 want=$2 mark=$3 guest=$4 rc
	shift 4
	say "$name: $RUNS runs in one test-bed boot ($*)"
	set +e
	bash tests/xen/run.sh "$guest" --count "$RUNS" --timeout "$TIMEOUT" --marker "$mark" \
		${XEN_EXTRA:+--xen-extra "$XEN_EXTRA"} --log "$OUT/$name.log" "$@" > "$OUT/$name.out" 2>&1
	rc=$?
	set -e
	case $rc in
	0 | 1 | 2 | 3 | 6) ;; # a result line per run: judged run by run below
	*)
		tail -n 20 "$OUT/$name.out" >&2
		die "$name: run.sh exit $rc (log: $OUT/$name.log)"
		;;
	esac
	awk -v want="$RUNS" -v status="$want" -v bad="$OUT/$name.bad" '
		function v(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "none" }
		/^XENBED-CONSOLE / { fl[v("run")] = v("first_line"); mk[v("run")] = v("marker") }
		/^XENBED-TIMES /   { r = v("run"); st[r] = v("create_start"); cr[r] = v("created"); en[r] = v("end") }
		/^XENBED-RESULT /  { n++; ok[n] = v("reason") == "poweroff" && v("status") == status; res[n] = $2 " " $3 }
		END {
			printf "" > bad
			for (r = 1; r <= want; r++) {
				if (!ok[r] || fl[r] == "none" || mk[r] == "none" || en[r] == "none" || st[r] == "") {
					printf "run %d: %s first_line=%s marker=%s create_start=%s end=%s\n", r,
						(r in res) ? res[r] : "no result", fl[r], mk[r], st[r], en[r] > bad
					continue
				}
				printf "%.2f %.2f %.2f %.2f\n", fl[r] - st[r], mk[r] - st[r], cr[r] - st[r], en[r] - st[r]
			}
		}' "$OUT/$name.out" > "$OUT/$name.times"
	if [ -s "$OUT/$name.bad" ]; then
		say "$name: $(wc -l < "$OUT/$name.bad") of $RUNS runs did not end as wanted:"
		sed 's/^/  /' "$OUT/$name.bad" >&2
		failed=1
	fi
	[ -s "$OUT/$name.times" ] || die "$name: no run ended as wanted (log: $OUT/$name.log)"
}

median() { sort -n | awk '{a[NR] = $1} END {if (NR) printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$OUT/$1.times" | median; }

NAMES=() failed=0
if [ "$ONLY" != linux ]; then
	bed keel-none 0 "$KEEL_MARK" "$KEEL" --cmdline "keel.test=none" --mem "$KEEL_MEM"
	bed keel-all 0 "$KEEL_MARK" "$KEEL" --cmdline "keel.test=all" --mem "$KEEL_MEM"
	bed keel-none-m"$LINUX_MEM" 0 "$KEEL_MARK" "$KEEL" --cmdline "keel.test=none" --mem "$LINUX_MEM"
	NAMES+=(keel-none keel-all keel-none-m"$LINUX_MEM")
fi
if [ "$ONLY" != keel ]; then
	# status none (run.sh exit 6): Linux powers off without writing data/keel/status.
	bed linux none "$LINUX_MARK" "$LINUX_KERNEL" --ramdisk "$LX/initramfs.cpio.gz" \
		--cmdline "console=hvc0 quiet" --mem "$LINUX_MEM"
	NAMES+=(linux)
fi

# --- report ---------------------------------------------------------------------------------------
{
	echo "# bench/xen-boot.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) keel=$KEEL runs=$RUNS xen_extra=${XEN_EXTRA:-none} linux=$LINUX_KERNEL"
	echo "# seconds after xl create started (dom0 clock), medians of $RUNS; per-run values below"
	printf '%-16s %6s %5s %11s %12s %14s %8s\n' config mem_mib ok first_line banner_mark xl_create_ret end
	for n in "${NAMES[@]}"; do
		case $n in linux) m=$LINUX_MEM ;; *-m*) m=$LINUX_MEM ;; *) m=$KEEL_MEM ;; esac
		printf '%-16s %6s %5s %11s %12s %14s %8s\n' "$n" "$m" "$(wc -l < "$OUT/$n.times")/$RUNS" \
			"$(col "$n" 1)" "$(col "$n" 2)" "$(col "$n" 3)" "$(col "$n" 4)"
	done
	if [ -f "$OUT/linux.times" ]; then
		for n in "${NAMES[@]}"; do
			[ "$n" != linux ] || continue
			printf 'ratio %s/linux:' "$n"
			for c in 1 2 3 4; do
				awk -v a="$(col "$n" $c)" -v b="$(col linux $c)" -v k="$c" 'BEGIN {
					split("first_line banner_mark xl_create_ret end", nm, " ")
					printf " %s=%.3f", nm[k], (b > 0 ? a / b : 0) }'
			done
			echo
		done
	fi
	echo "# runs (first_line banner_mark xl_create_ret end):"
	for n in "${NAMES[@]}"; do
		echo "$n: $(tr '\n' ';' < "$OUT/$n.times" | sed 's/;$//; s/;/; /g')"
		[ ! -s "$OUT/$n.bad" ] || sed "s/^/$n: NOT COUNTED: /" "$OUT/$n.bad"
	done
} | tee "$OUT/xen-boot.txt"
[ "$failed" = 0 ] || die "some runs did not end as wanted (see NOT COUNTED above)"
