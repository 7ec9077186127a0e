#!/bin/sh
# run.sh - run Debian's ljsyscall test suite (lua-ljsyscall) with luajit on
# the host (the reference) and inside keel, and record both results.
#
#   tests/ljsyscall/run.sh [options] [TEST...]
#
#   TEST        test_TABLE or test_TABLE.test_NAME (default: the whole suite)
#   --host      only the host run          --keel   only the keel run
#   -k WORD     add WORD to keel's kernel command line; with -k keel.strace
#               keel.txt lists the failing syscalls under each failing test
#   -t SECONDS  keel's time limit (default 600)
#   --accel A   keel's accelerator (default tcg)
#
# The suite's tree is assembled in build/ljsyscall/suite: syscall.lua and
# syscall/ from the installed package, test/ from its documentation
# (decompressed if Debian gzipped it), include/ (our own luaunit and strict)
# from this directory. Outputs in build/ljsyscall/:
#   host.log, keel.log   the runs' full output
#   host.txt, keel.txt   pass count, end reached or not, failing tests with
#                        their first error line, keel's "not implemented" lines
# Exits 0 when the runs it was asked for reached the suite's end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build/ljsyscall"
suite="$out/suite"
doc=/usr/share/doc/lua-ljsyscall/test
lua=/usr/share/lua/5.1

do_host=1 do_keel=1 kargs="" ktimeout=600 accel=tcg
while [ $# -gt 0 ]; do
	case "$1" in
	--host) do_keel=0 ;;
	--keel) do_host=0 ;;
	-k) kargs="$kargs -k $2"; shift ;;
	-t) ktimeout=$2; shift ;;
	--accel) accel=$2; shift ;;
	-h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done

if [ ! -f "$lua/syscall.lua" ] || [ ! -d "$doc" ]; then
	echo "run.sh: lua-ljsyscall is not installed (apt-get install lua-ljsyscall)" >&2
	exit 2
fi

# The tree. Copies, not symlinks: keel packs symlinks as symlinks.
assemble() {
	rm -rf "$suite"
	mkdir -p "$suite/test"
	cp "$lua/syscall.lua" "$suite/"
	cp -R "$lua/syscall" "$suite/"
	for f in "$doc"/*; do
		case "$f" in
		*.gz) gzip -dc "$f" >"$suite/test/$(basename "$f" .gz)" ;;
		*) cp -R "$f" "$suite/test/" ;;
		esac
	done
	cp -R "$here/include" "$suite/"
}
assemble

# summarize LOG STATUS WHERE > TXT
summarize() {
	log=$1 status=$2 where=$3
	total=$(grep -E '^[0-9]+ passed, [0-9]+ failed of [0-9]+$' "$log" | tail -1 || true)
	echo "ljsyscall suite, $where"
	echo "exit status: $status"
	if [ -n "$total" ]; then
		echo "result: $total"
		echo "end reached: yes"
	else
		np=$(grep -c '^PASS ' "$log" || true)
		nf=$(grep -c '^FAIL ' "$log" || true)
		last=$(grep -E '^(PASS|FAIL) ' "$log" | tail -1 | sed 's/^[A-Z]* //; s/:.*//')
		echo "result: $np passed, $nf failed before the run stopped"
		echo "end reached: no (last test reported: ${last:-none}; see $(basename "$log"))"
		echo "last lines of output:"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
	echo "failing tests:"
	if grep -q '^strace: ' "$log"; then
		# With -k keel.strace: after each failing test, the system calls
		# that returned an error while it ran (name=-errno, first seen).
		awk '/^PASS / { n = 0; split("", seen); next }
		/^strace: [a-z_0-9]+\(.*\) = -[0-9]+$/ {
			c = $2; sub(/\(.*/, "", c); e = $NF
			if (!((c "=" e) in seen)) { seen[c "=" e] = 1; l[++n] = c "=" e }
			next }
		/^FAIL / { sub(/^FAIL /, "    "); s = ""
			for (i = 1; i <= n; i++) s = s " " l[i]
			print $0; if (s != "") print "        errors:" s
			n = 0; split("", seen) }' "$log"
	else
		grep '^FAIL ' "$log" | sed 's/^FAIL /    /' || true
	fi
	ni=$(grep -oE 'keel: syscall [a-z_0-9]+ \([0-9]+\) is not implemented' "$log" | sort | uniq -c | sort -rn || true)
	if [ -n "$ni" ]; then
		echo "not implemented (count, message):"
		echo "$ni" | sed 's/^ */    /'
	fi
}

ok=0
if [ "$do_host" = 1 ]; then
	echo "ljsyscall: host run (luajit $(luajit -v 2>&1 | awk '{print $2}'))"
	st=0
	(cd "$suite" && timeout 600 luajit test/test.lua "$@") >"$out/host.log" 2>&1 || st=$?
	summarize "$out/host.log" "$st" "host (Linux $(uname -r))" >"$out/host.txt"
	grep -E '^(result|end reached):' "$out/host.txt" | sed 's/^/  host /'
	grep -q '^end reached: yes' "$out/host.txt" || ok=1
	# Files the suite leaves behind when it stops early must not reach keel.
	assemble
fi

if [ "$do_keel" = 1 ]; then
	[ -x "$root/build/keel" ] || { echo "run.sh: build keel first (make)" >&2; exit 2; }
	echo "ljsyscall: keel run (--accel $accel -t $ktimeout$kargs)"
	st=0
	# shellcheck disable=SC2086 # kargs is a list of words
	"$root/build/keel" run -q --accel "$accel" -t "$ktimeout" -m 256M $kargs \
		--file "$suite:/ljs" -C /ljs -- /usr/bin/luajit test/test.lua "$@" \
		</dev/null >"$out/keel.raw" 2>&1 || st=$?
	tr -d '\r' <"$out/keel.raw" >"$out/keel.log" # the serial console's CRLF
	rm -f "$out/keel.raw"
	summarize "$out/keel.log" "$st" "keel (--accel $accel)" >"$out/keel.txt"
	grep -E '^(result|end reached):' "$out/keel.txt" | sed 's/^/  keel /'
	grep -q '^end reached: yes' "$out/keel.txt" || ok=1
fi
echo "ljsyscall: details in $out/host.txt and $out/keel.txt"
exit $ok
