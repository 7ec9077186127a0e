# lib.sh - the ljsyscall suite's shared parts (sourced by run.sh,
# conformance.sh, tests/xen/tests.sh and bench/ljsyscall.sh): where the
# suite comes from, how its tree is assembled, the command that runs it,
# how a run's log is read, and the check against the tests allowed to fail.
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
# The tests allowed to fail and the expected count: causes.txt for the
# ordinary run, causes-root.txt for the root run (run.sh --root; a caller
# picks it with ljs_root_mode after sourcing, never the environment).
ljs_causes=$ljs_here/causes.txt
ljs_root_mode() { ljs_causes=$ljs_here/causes-root.txt; }

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

# ljs_keep_root [DIR]: the tree for keel's root run (run.sh --root). As
# root the suite keeps its *_root tests only when unshare(newnet, newns,
# newuts) works: on a Linux host they would otherwise touch the host's own
# interfaces, mounts and host name. keel has no namespaces and needs none
# for this: the VM is the program's own machine. So the tree's test.lua
# takes that unshare as done (its other uses, test_namespaces, still call
# it); the setup after it (lo up, /sys) runs as on the host. Returns 1
# when the line is not there (another ljsyscall version).
ljs_keep_root() {
	local f=${1:-$ljs_suite}/test/test.lua
	local line='    local ok, err = S.unshare("newnet, newns, newuts")'
	grep -qxF "$line" "$f" || return 1
	awk -v l="$line" '$0 == l { print "    local ok, err = true -- keel: the VM is the namespace (tests/ljsyscall/lib.sh)"; next } { print }' \
		"$f" >"$f.new" && mv "$f.new" "$f"
}

# ljs_keel_args [DIR]: the keel build/run/xl arguments that pack the tree
# DIR as /ljs and run the suite there (append test names to select), with
# busybox as /bin/sh (test_execve runs a script; without a shell its
# forked child would go on running the suite beside its parent).
ljs_keel_args() {
	# shellcheck disable=SC2086 # ljs_prog is a list of words
	echo --file "${1:-$ljs_suite}:$ljs_guest_dir" --file /bin/busybox:/bin/sh \
		-C "$ljs_guest_dir" -- $ljs_prog
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
		# that returned an error while it ran (name=ERRNO, first seen;
		# keel prints "= -1 ENOENT (No such file or directory)").
		awk '/^PASS / { n = 0; split("", seen); next }
		/^strace: [a-z_0-9]+\(.*\) = (-1|\?) E[A-Z0-9_?]+ \(/ {
			c = $2; sub(/\(.*/, "", c)
			e = $0; sub(/.* = (-1|\?) /, "", e); sub(/ .*/, "", e)
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

# ljs_total_expected: the number of tests keel's run must hold (the
# "total N" line of $ljs_causes, tests/ljsyscall/causes.txt by default).
ljs_total_expected() {
	awk '$1 == "total" { print $2 }' "$ljs_causes"
}

# ljs_allowed: the tests allowed to fail ($ljs_causes).
ljs_allowed() {
	sed 's/#.*//' "$ljs_causes" | awk 'NF >= 2 && $1 != "total" { print $1 }' | sort -u
}

# ljs_failing TXT: the failing tests of a summary (ljs_summarize), sorted.
ljs_failing() {
	sed -n '/^failing tests:/,/^not implemented/p' "$1" |
		sed -n 's/^    \([^ :][^ :]*\):.*/\1/p' | sort -u
}

# ljs_fixed TXT: tests allowed to fail that did not fail in TXT's run.
ljs_fixed() {
	comm -23 <(ljs_allowed) <(ljs_failing "$1")
}

# ljs_check TXT [MARK]: "ok" when the run of TXT reached the end, held
# exactly the expected number of tests and failed none but those allowed
# ($ljs_causes: causes.txt, or causes-root.txt after ljs_root_mode); else
# the reason. With MARK (a file made before the run), a TXT not newer than MARK is a stale result. Always
# returns 0; the caller decides. Nothing in the environment loosens it.
ljs_check() {
	local txt=$1 mark=${2:-} total want new
	if [ ! -s "$txt" ]; then
		echo "no result ($txt missing)"
		return 0
	fi
	if [ -n "$mark" ] && ! [ "$txt" -nt "$mark" ]; then
		echo "stale result: $txt was not written by this run"
		return 0
	fi
	if [ -z "$(ljs_passed "$txt")" ]; then
		echo "the suite did not reach its end: $(sed -n 's/^end reached: //p' "$txt")"
		return 0
	fi
	total=$(sed -n 's/^result: .* of \([0-9]*\)$/\1/p' "$txt")
	want=$(ljs_total_expected)
	if [ -z "$want" ]; then
		echo "no 'total N' line in ${ljs_causes#"$ljs_root"/}"
	elif [ "$total" != "$want" ]; then
		echo "the run held ${total:-no} tests, not $want (${ljs_causes#"$ljs_root"/})"
	else
		new=$(comm -13 <(ljs_allowed) <(ljs_failing "$txt") | tr '\n' ' ')
		if [ -n "$new" ]; then
			echo "failures not allowed by ${ljs_causes#"$ljs_root"/}: ${new% }"
		else
			echo ok
		fi
	fi
}

# ljs_report TXT: one line for a run that passed the check: its count, and
# the tests on the list that pass now (their lines can go).
ljs_report() {
	local fixed
	fixed=$(ljs_fixed "$1" | tr '\n' ' ')
	echo "  $(sed -n 's/^result: //p' "$1"); every failure allowed by ${ljs_causes#"$ljs_root"/}"
	if [ -n "$fixed" ]; then
		echo "  note: these pass now, remove them from ${ljs_causes#"$ljs_root"/}: ${fixed% }"
	fi
}
