#!/usr/bin/env bash
# bench/xen-mem.sh [GUEST...] - the smallest `memory =` with which a guest's nginx serves on the nested
# Xen bed (tests/xen/run.sh), keel's against Linux's (tests/xen/net-guests.sh: the same nginx, the same
# files). For each guest (default: keel linux) and each size of its list, from the largest down, one
# bed boot: dom0 (bench/xen-net-dom0.sh, without wrk) waits at most UP_S s for the first answered
# request of the 1 KiB file, the only file the guest has (NET_1K=1: the 16 MiB one of the network
# tests would set the floor itself). The smallest size answered, with every larger one answered too, is the
# guest's floor. Prints each try and writes build/bench/xen-mem/xen-mem.txt (logs next to it).
# Knobs: KEEL_MEMS="32 24 16 12 10 8 6", LINUX_MEMS="256 128 96 64 48 32" (MiB), UP_S=60.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KEEL_MEMS=${KEEL_MEMS:-32 24 16 12 10 8 6} LINUX_MEMS=${LINUX_MEMS:-256 128 96 64 48 32} UP_S=${UP_S:-60}
OUT=build/bench/xen-mem
GUESTS=("$@")
[ ${#GUESTS[@]} -gt 0 ] || GUESTS=(keel linux)
die() { echo "xen-mem.sh: $*" >&2; exit 1; }
[[ $UP_S =~ ^[1-9][0-9]*$ ]] || die "bad UP_S=$UP_S"
for m in $KEEL_MEMS $LINUX_MEMS; do [[ $m =~ ^[1-9][0-9]*$ ]] || die "bad size $m"; done
mkdir -p "$OUT"
. tests/xen/net-guests.sh
gcc -O2 -Wall -static -o "$OUT/xen-httpwait" bench/xen-httpwait.c || die "cannot build bench/xen-httpwait.c"

: >"$OUT/tries"
: >"$OUT/floors"
for g in "${GUESTS[@]}"; do
	case $g in keel) mems=$KEEL_MEMS ;; linux) mems=$LINUX_MEMS ;; *) die "no guest '$g' (keel, linux)" ;; esac
	floor=none
	for m in $mems; do
		w=$OUT/$g-$m
		mkdir -p "$w"
		NET_1K=1 KEEL_MEM=$m net_guest "$g" "$w" >"$w/guest.why" || die "$g: $(cat "$w/guest.why")"
		printf '%s\n' "IP=$IP" "MAC=$MAC" URL=/index.html "UP_S=$UP_S" "WRK_ARGS=''" >"$w/net.env"
		# --mem: the last one wins (the Linux guest's ARGS give 256); keel's keel.cfg has KEEL_MEM.
		set +e
		bash tests/xen/run.sh "${ARGS[@]}" $([ "$g" = keel ] || echo --mem "$m") --timeout $((UP_S + 60)) \
			--dom0-script bench/xen-net-dom0.sh --dom0-file "$w/net.env" \
			--dom0-file "$OUT/xen-httpwait" --log "$w/serial.log" >"$w/out" 2>&1
		set -e
		fa=$(sed -n 's/^dom0-script: BENCH first_answer=\([^ ]*\) .*/\1/p' "$w/out")
		echo "$g memory=$m first_answer=${fa:-none}" | tee -a "$OUT/tries"
		[ -n "$fa" ] && [ "$fa" != none ] || break
		floor=$m
	done
	echo "$g $floor" >>"$OUT/floors"
done
{
	echo "# bench/xen-mem.sh $(date -u +%Y-%m-%dT%H:%M:%SZ): smallest memory = (MiB) whose nginx answers (UP_S=$UP_S)"
	for g in "${GUESTS[@]}"; do
		echo "$g: $(grep "^$g " "$OUT/floors" | tail -1 | cut -d' ' -f2) MiB (tried: $(grep "^$g " "$OUT/tries" | sed 's/.*memory=\([0-9]*\) first_answer=\(.*\)/\1:\2/' | tr '\n' ' '))"
	done
} | tee "$OUT/xen-mem.txt"
