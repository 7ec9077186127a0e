#!/bin/bash
# bench-report.sh - bench/report.py on the canned results in
# tests/tool/bench-report (key=value summaries, a sweep over sizes, the
# column tables xen-net.sh and xen-boot.sh write, a memory search, a
# garbled line):
# the markdown table has every keel figure beside its Linux one with
# ratio = keel/Linux (each row recomputed here), NA where a side is
# missing or zero, no row for lists, digests or keel-only keys; the bad
# line is reported, not fatal; gnuplot's SVG plots of the ratios, the
# sweep and the memory search are written; an empty or missing
# directory is a clear error. No QEMU. Work files in build/bench-report-test.
set -u
cd "$(dirname "$0")/../.."
logs=build/bench-report-test
rm -rf "$logs"
mkdir -p "$logs"
prefix=bench-report-
. tests/lib.sh
plan 5
in=tests/tool/bench-report
out=$logs/out

python3 bench/report.py "$in" --out "$out" >"$logs/table.log" 2>&1
rc=$?
md=$out/report.md
why=
[ "$rc" = 0 ] || why="$why status $rc;"
[ -s "$md" ] || why="$why no $md;"
grep -qxF '| bench | measure | keel | Linux VM | keel/Linux |' "$md" 2>/dev/null || why="$why no table header;"
for row in '| boot-time | median (s) | 0.2500 | 2.0000 | 0.125 |' \
	'| net | rps median | 3000 | 1500 | 2.000 |' \
	'| net | first answer median (s) | 0.3 | 3.0 | 0.100 |' \
	'| copy | read 65536 median | 3000.0000 | 4000.0000 | 0.750 |' \
	'| copy | read 1048576 median | 1500.0000 | NA | NA |' \
	'| net | iperf in (Mbit/s) median | NA | 900 | NA |' \
	'| net | min mem (MiB) | 12 | 0 | NA |' \
	'| xen-net | rps 1k | 734.20 | 612.36 | 1.199 |' \
	'| xen-net | guest (s) | 0.64 | 8.06 | 0.079 |' \
	'| net | roundtrips (/s) | 100 | 50 | 2.000 |' \
	'| xen-boot | keel-none: end | 0.63 | 10.74 | 0.059 |' \
	'| xen-boot | keel-all: xl create ret | 0.63 | 1.79 | 0.352 |'; do
	grep -qxF "$row" "$md" 2>/dev/null || why="$why no row '$row';"
done
result table "$([ -z "$why" ] && echo 1)" "${why# }"

# Every row: the ratio is keel / Linux to 3 places, or NA when a side is
# not a number or Linux's is 0; 21 rows in all.
why=$(awk -F' *\\| *' '/^\| [a-z]/ && $2 != "bench" {
	n++; k = $4; l = $5; r = $6
	num = "^[0-9.]+$"
	want = (k ~ num && l ~ num && l + 0 != 0) ? sprintf("%.3f", k / l) : "NA"
	if (r != want) printf "%s %s: ratio %s, want %s; ", $2, $3, r, want }
	END { if (n != 21) printf "%d rows, want 21", n }' "$md" 2>&1)
result ratios "$([ -z "$why" ] && echo 1)" "$why"

# Left out: lists (runs), digests, keys without a Linux side, the
# garbled line (reported in the notes and on stderr).
why=
grep -qE 'runs|sha256|only|elf bytes' "$md" && why="$why a list, digest or keel-only key made a row;"
grep -q 'net.txt:12: not KEY=VALUE' "$md" || why="$why the bad line is not in the notes;"
grep -q 'net.txt:12: not KEY=VALUE' "$logs/table.log" || why="$why the bad line was not reported;"
result left-out "$([ -z "$why" ] && echo 1)" "${why# }"

why=
if ! command -v gnuplot >/dev/null; then
	why="gnuplot is not installed (make deps installs gnuplot-nox)"
else
	for p in ratios sweep-copy-read-N-median mem-luajit-mem-search; do
		f=$out/plots/$p.svg
		grep -q '<svg' "$f" 2>/dev/null || why="$why no SVG $f;"
		grep -qF "(plots/$p.svg)" "$md" || why="$why $p.svg not listed in report.md;"
	done
	# The sweep's data: by size, Linux's missing figure as NaN.
	want=$'4096 2000.0 1000.0\n65536 3000.0 4000.0\n1048576 1500.0 NaN'
	[ "$(cat "$out/plots/sweep-copy-read-N-median.dat" 2>/dev/null)" = "$want" ] ||
		why="$why the sweep's data differ from '$want';"
fi
result plots "$([ -z "$why" ] && echo 1)" "${why# }"

# Nothing to report: status 1 and a message, nothing written.
why=
mkdir -p "$logs/empty"
python3 bench/report.py "$logs/empty" >"$logs/empty.log" 2>&1 && why="$why an empty directory gave status 0;"
grep -q 'no results under' "$logs/empty.log" || why="$why no 'no results' message;"
[ ! -e "$logs/empty/report.md" ] || why="$why report.md written for nothing;"
python3 bench/report.py "$logs/missing" >"$logs/missing.log" 2>&1 && why="$why a missing directory gave status 0;"
grep -q 'no such directory' "$logs/missing.log" || why="$why no 'no such directory' message;"
result empty "$([ -z "$why" ] && echo 1)" "${why# }"

echo "bench-report: $pass passed, $fail failed"
[ "$fail" = 0 ]
