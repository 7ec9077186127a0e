# lib.sh - the ljsyscall suite's shared parts (sourced by run.sh,
# conformance.sh, tests/xen/tests.sh and bench/ljsyscall.sh): where the
# suite comes from, how its tree is assembled, the command that runs it,
# how a run's log is read, and the floor check.
#
# The caller may set ljs_root (the source tree) before sourcing.
ljs_root=${ljs_root:-$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)}
ljs_here=$ljs_root/tests/ljsyscall
ljs_out=$ljs_root/build/ljsyscall
ljs_suite=$ljs_out/suite
ljs_doc=/usr/share/doc/lua-ljsyscall/test
ljs_lua=/usr/share/lua/5.1
# In the guest the tree is /ljs and the suite runs from there.
ljs_guest_dir=/ljs
ljs_prog="/usr/bin/luajit test/test.lua"
# The guest's memory: the suite maps and writes files of several MiB.
ljs_mem_mib=256

ljs_installed() { [ -f "$ljs_lua/syscall.lua" ] && [ -d "$ljs_doc" ]; }

# ljs_assemble [DIR]: the suite's tree (default build/ljsyscall/suite):
# syscall.lua and syscall/ from the installed package, test/ from its
# documentation (decompressed where Debian gzipped it), include/ (our own
# luaunit and strict) from tests/ljsyscall. Copies, not symlinks: keel packs
# symlinks as symlinks. Made afresh, so files a stopped run left are gone.
ljs_assemble() {
	local d=${1:-$ljs_suite} f
	rm -rf "$d"
	mkdir -p "$d/test"
	cp "$ljs_lua/syscall.lua" "$d/"
	cp -R "$ljs_lua/syscall" "$d/"
	for f in "$ljs_doc"/*; do
		case "$f" in
		*.gz) gzip -dc "$f" >"$d/test/$(basename "$f" .gz)" ;;
		*) cp -R "$f" "$d/test/" ;;
		esac
	done
	cp -R "$ljs_here/include" "$d/"
}

# ljs_keel_args [DIR]: the keel build/run/xl arguments that pack the tree
# DIR as /ljs and run the suite there (append test names to select).
ljs_keel_args() {
	# shellcheck disable=SC2086 # ljs_prog is a list of words
	echo --file "${1:-$ljs_suite}:$ljs_guest_dir" -C "$ljs_guest_dir" -- $ljs_prog
}

# ljs_total LOG: the runner's closing line "N passed, M failed of T", or
# nothing when the run did not reach the end.
ljs_total() {
	grep -aE '^[0-9]+ passed, [0-9]+ failed of [0-9]+$' "$1" | tail -1 || true
}

# ljs_summarize LOG STATUS WHERE > TXT: pass count, end reached or not,
# failing tests with their first error line (with keel.strace in the log:
# the system calls that failed while each ran), keel's "not implemented".
ljs_summarize() {
	local log=$1 status=$2 where=$3 total np nf last ni
	total=$(ljs_total "$log")
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

# ljs_passed TXT: the pass count of a summary written by ljs_summarize
# when its run reached the end, else nothing.
ljs_passed() {
	grep -q '^end reached: yes' "$1" 2>/dev/null &&
		sed -n 's/^result: \([0-9]*\) passed.*/\1/p' "$1"
}

# ljs_floor: the committed floor (tests/ljsyscall/floor.txt: the first
# number in the file); LJS_FLOOR overrides it (to check the check).
ljs_floor() {
	if [ -n "${LJS_FLOOR:-}" ]; then
		echo "$LJS_FLOOR"
	else
		grep -oE '^[0-9]+' "$ljs_here/floor.txt" | head -1
	fi
}

# ljs_check TXT: "ok" when the run of TXT reached the end with at least the
# floor passing; else the reason. Always returns 0; the caller decides.
ljs_check() {
	local n floor
	floor=$(ljs_floor)
	n=$(ljs_passed "$1")
	if [ ! -s "$1" ]; then
		echo "no result ($1 missing)"
	elif [ -z "$n" ]; then
		echo "the suite did not reach its end: $(sed -n 's/^end reached: //p' "$1")"
	elif [ -z "$floor" ]; then
		echo "no floor in tests/ljsyscall/floor.txt"
	elif [ "$n" -lt "$floor" ]; then
		echo "$n passed, below the floor of $floor (${LJS_FLOOR:+LJS_FLOOR, not }tests/ljsyscall/floor.txt)"
	else
		echo ok
	fi
}
