#!/usr/bin/env bash
# bench/xen-net.sh [GUEST...] - the network on the nested Xen bed (tests/xen/run.sh): per guest (default
# linux; keel once it has its Xen netfront) one bed boot that creates the guest RUNS times (run.sh
# --count), and in each run dom0 (bench/xen-net-dom0.sh as --dom0-script, Debian's wrk via --dom0-wrk)
# measures the time from `xl create` to the first answered HTTP request (bench/xen-httpwait.c, static:
# a new GET every 10 ms) and nginx's requests/s for the 1 KiB /index.html with `wrk $WRK_ARGS` over xenbr0.
# Prints each run and the medians and writes build/bench/xen-net/xen-net.txt (logs next to it).
# The guests are tests/xen/net-guests.sh's (net_guest NAME: run.sh's arguments, address, MAC).
# Knobs: RUNS=5, WRK_ARGS="-t1 -c8 -d5s", UP_S=30 (longest wait for the first answer, per run).
# Exits 1 if a run gave no number (no answer, wrk errors), after the report.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5} WRK_ARGS=${WRK_ARGS:--t1 -c8 -d5s} UP_S=${UP_S:-30}
OUT=build/bench/xen-net
GUESTS=("$@")
[ ${#GUESTS[@]} -gt 0 ] || GUESTS=(linux)
die() { echo "xen-net.sh: $*" >&2; exit 1; }
for v in RUNS UP_S; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "bad $v=${!v}"; done
[ "$RUNS" -le 20 ] || die "RUNS=$RUNS: at most 20"
mkdir -p "$OUT"
. tests/xen/net-guests.sh
gcc -O2 -Wall -static -o "$OUT/xen-httpwait" bench/xen-httpwait.c || die "cannot build bench/xen-httpwait.c"
median() { sort -n | awk '{a[NR] = $1} END {if (NR) printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; else printf "none"}'; }

# bench GUEST: one bed boot, RUNS creates; $OUT/GUEST.runs gets "first_answer rps" per run.
failed=0
bench() {
	local g=$1 w=$OUT/$1 rc
	mkdir -p "$w"
	net_guest "$g" "$w" >"$w/guest.why" || { echo "$g: $(cat "$w/guest.why")" >&2; failed=1; return; }
	printf '%s\n' "IP=$IP" "MAC=$MAC" URL=/index.html "UP_S=$UP_S" "WRK_ARGS='$WRK_ARGS'" >"$w/net.env"
	echo "xen-net.sh: $g: $RUNS runs in one bed boot" >&2
	set +e
	bash tests/xen/run.sh "${ARGS[@]}" --count "$RUNS" --timeout $((UP_S + 90)) --dom0-wrk \
		--dom0-script bench/xen-net-dom0.sh --dom0-file "$w/net.env" \
		--dom0-file "$OUT/xen-httpwait" --log "$OUT/$g.log" >"$OUT/$g.out" 2>&1
	rc=$?
	set -e
	# Per run: first answer, req/s, and how long `xl create` itself took (run.sh's XENBED-TIMES, the
	# toolstack's share of the first answer; the guest runs only once xl create has unpaused it).
	paste -d' ' <(sed -n 's/^dom0-script: BENCH first_answer=\([^ ]*\) rps=\([^ ]*\)$/\1 \2/p' "$OUT/$g.out") \
		<(sed -n 's/^XENBED-TIMES run=[0-9]* create_start=\([^ ]*\) created=\([^ ]*\) .*/\1 \2/p' "$OUT/$g.out" |
			awk '{printf "%.2f\n", $2 - $1}') | awk 'NF == 3' >"$OUT/$g.runs"
	if [ "$(grep -vc none "$OUT/$g.runs")" != "$RUNS" ] || [ "$(wc -l <"$OUT/$g.runs")" != "$RUNS" ]; then
		echo "$g: run.sh exit $rc, $(grep -vc none "$OUT/$g.runs") of $RUNS runs measured (see $OUT/$g.out)" >&2
		failed=1
	fi
}
for g in "${GUESTS[@]}"; do bench "$g"; done

{
	echo "# bench/xen-net.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) runs=$RUNS wrk=\"$WRK_ARGS\" (in dom0, over xenbr0)"
	printf '%-8s %5s %16s %10s %14s %10s\n' guest ok first_answer_s rps_1k xl_create_s guest_s
	for g in "${GUESTS[@]}"; do
		[ -f "$OUT/$g.runs" ] || continue
		printf '%-8s %5s %16s %10s %14s %10s\n' "$g" "$(grep -vc none "$OUT/$g.runs")/$RUNS" \
			"$(awk '$1 != "none" {print $1}' "$OUT/$g.runs" | median)" \
			"$(awk '$2 != "none" {print $2}' "$OUT/$g.runs" | median)" \
			"$(awk '{print $3}' "$OUT/$g.runs" | median)" \
			"$(awk '$1 != "none" {printf "%.2f\n", $1 - $3}' "$OUT/$g.runs" | median)"
	done
	echo "# xl_create_s: xl create's own time (toolstack: domain build, image and ramdisk load, vif hotplug);"
	echo "# guest_s: first answer minus that (the guest runs from xl create's unpause); medians per column"
	echo "# runs (first_answer_s rps xl_create_s):"
	for g in "${GUESTS[@]}"; do
		[ ! -f "$OUT/$g.runs" ] || echo "$g: $(tr '\n' ';' <"$OUT/$g.runs" | sed 's/;$//; s/;/; /g')"
	done
} | tee "$OUT/xen-net.txt"
[ "$failed" = 0 ] || die "some runs gave no number (see above)"
