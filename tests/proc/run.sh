#!/bin/bash
# run.sh - processes in the guest (issue 15: fork, execve, wait), `make
# test-proc`: each case runs on the host first, as the reference, then in
# keel (keel run, QEMU TCG), whose output (the console minus the kernel's
# lines) and status must match. Cases: tests/guest/t_fork, t_exec (with
# t_exec_helper), t_wait, t_pgrp (static and dynamic), t_forkbomb; a
# busybox sh script (tests/proc/script.sh: pipelines, command
# substitution, 200 forking loop iterations, background jobs, trap,
# redirections, subshells); LuaJIT's os.execute and io.popen
# (tests/proc/popen.lua); gawk's print | "sort"; python3's subprocess,
# os.fork/os.waitpid and multiprocessing.Pool(2) (tests/proc/procs.py).
# In keel /bin/sh is busybox (the host's is dash: the cases use only what
# both print alike).
#
# The host's references are special in two cases: t_pgrp runs under
# script(1), so it has a terminal as the guest has its console; and
# t_forkbomb runs as user nobody (setpriv --reuid=65534 --regid=65534
# --clear-groups), since Linux does not hold root to RLIMIT_NPROC.
#
# `run.sh --host` runs the host's references only, each judged by its own
# checks (status 0, "t_NAME: 0 failed", the expected lines): they must
# pass on any Linux host. A failing keel case quotes the kernel's own
# lines. Part of make test (tests/run.sh).
# Logs in build/proc-logs.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
host_only=0
[ "${1:-}" = --host ] && host_only=1
top=$PWD
keel=$PWD/build/keel
logs=build/proc-logs
bin=$PWD/build/proc
rm -rf "$logs" "$bin" # no stale program may pass for one that failed to build
mkdir -p "$logs" "$bin"
chmod 755 "$bin" # t_forkbomb's reference runs as nobody
prefix=proc-
. tests/lib.sh
if [ "$host_only" = 1 ]; then prefix=proc-host-; fi
plan 15
export XDG_CACHE_HOME=$PWD/$logs/cache

for t in fork exec_helper exec wait pgrp forkbomb; do
	gcc -O1 -static -o "$bin/t_$t-static" tests/guest/t_$t.c &&
		gcc -O1 -o "$bin/t_$t-dynamic" tests/guest/t_$t.c ||
		echo "proc tests: cannot compile t_$t.c"
done
bb=/bin/busybox
py=/usr/bin/python3.11
# What a forked or exec'd program needs in the guest besides the main
# program: /bin/sh (busybox), the helpers and the dynamic helper's
# libraries, for a static program (a dynamic one brings the same; keel
# refuses a guest path given twice).
files=(-f "$bb:/bin/sh" -f "$bin/t_exec_helper-static" -f "$bin/t_exec_helper-dynamic")
libs=()
for o in $("$keel" ldd "$bin/t_exec_helper-dynamic" 2>/dev/null | grep -o '/[^ ]*'); do
	libs+=(-f "$(readlink -f "$o"):$o")
done

# ref NAME COMMAND...: the host's run into $want (output and stderr) and
# $want_rc, bounded, in a fresh empty directory $dir (also the guest's).
ref() {
	local name=$1
	shift
	dir=$(mktemp -d "/tmp/keel-proc-$name.XXXXXX")
	chmod 755 "$dir"
	(cd "$dir" && exec timeout -k 5 120 "$@" >"$top/$logs/$name.host" 2>&1)
	want_rc=$?
	want=$(tr -d '\r' <"$logs/$name.host")
	rm -rf "$dir" && mkdir -m 755 "$dir"
}

# why_keel NAME: the kernel's line about what it refused (fork, clone,
# execve, wait...; else its first ENOSYS, else the keel tool's error) and
# the program's last line of output.
why_keel() {
	local log=$logs/$1.log line last
	# the kernel's lines: on stderr with stdout redirected (docs/boot.md)
	line=$(cat "$logs/$1.err" "$log" | tr -d '\r' | grep -aiE -m1 '^keel.*(clone|fork|exec|wait|one process)')
	[ -n "$line" ] || line=$(cat "$logs/$1.err" "$log" | tr -d '\r' | grep -aE -m1 '^keel.*(ENOSYS|not implemented)')
	[ -n "$line" ] || line=$(grep -a -m1 'error' "$logs/$1.err")
	last=$(tr -d '\r' <"$log" | grep -avE '^(keel|strace:)' | tail -1)
	echo "the guest's kernel said: ${line:-nothing}; the program's last line: ${last:-none}"
}

# case NAME OK-PATTERN KEEL-ARGS... -- PROGRAM ARGS: after ref, judge the
# host's run by its status and OK-PATTERN (a line grep -x must find), and
# (unless --host) run the guest and compare.
case_() {
	local name=$1 ok=$2 rc out
	shift 2
	if [ "$want_rc" != 0 ] || ! grep -qxE "$ok" <<<"$want"; then
		result "$name" 0 "the host's reference failed (status $want_rc): $(grep -vE '^(ok |helper: .*: ok)' <<<"$want" | head -4 | tr '\n' ' ')"
		rm -rf "$dir"
		return
	fi
	if [ "$host_only" = 1 ]; then
		result "$name" 1
		rm -rf "$dir"
		return
	fi
	timeout -k 5 330 "$keel" run -q --accel tcg -t 300 -C "$dir" "$@" \
		>"$logs/$name.log" 2>"$logs/$name.err"
	rc=$?
	out=$(tr -d '\r' <"$logs/$name.log" | grep -avE '^(keel|strace:)')
	if [ "$rc" != "$want_rc" ]; then
		result "$name" 0 "status $rc, want $want_rc; $(why_keel "$name")"
	elif [ "$out" != "$want" ]; then
		result "$name" 0 "output differs from the host's (diff host guest): $(diff <(echo "$want") <(echo "$out") | head -6 | tr '\n' ' ')"
	else
		result "$name" 1
	fi
	rm -rf "$dir"
}

for t in fork exec wait pgrp; do
	for kind in static dynamic; do
		p=$bin/t_$t-$kind
		if [ "$t" = pgrp ]; then
			# a terminal on stdin, as the guest's console
			ref "t_$t-$kind" script -qec "$p" /dev/null
		else
			ref "t_$t-$kind" "$p"
		fi
		more=()
		[ "$kind" = static ] && more=("${libs[@]}")
		case_ "t_$t-$kind" "t_$t: 0 failed" "${files[@]}" "${more[@]}" -- "$p"
	done
done
ref t_forkbomb setpriv --reuid=65534 --regid=65534 --clear-groups "$bin/t_forkbomb-static"
case_ t_forkbomb "t_forkbomb: 0 failed" -- "$bin/t_forkbomb-static"

ref busybox-sh-script "$bb" sh "$PWD/tests/proc/script.sh"
case_ busybox-sh-script "end" "${files[@]}" -f tests/proc/script.sh:/script.sh -- "$bb" sh /script.sh

ref luajit-popen luajit "$PWD/tests/proc/popen.lua"
case_ luajit-popen "popen 20 times, sum:.210" "${files[@]}" -f tests/proc/popen.lua:/popen.lua \
	-- /usr/bin/luajit /popen.lua

awkprog='BEGIN { print "pear" | "sort"; print "apple" | "sort"; close("sort")
print "after sort"; "echo piped" | getline v; print "getline:", v
print "system:", system("exit 2") }'
ref gawk-print-pipe gawk "$awkprog"
case_ gawk-print-pipe "system: 2" "${files[@]}" -- /usr/bin/gawk "$awkprog"

for what in subprocess fork pool; do
	ref "python-$what" "$py" -u "$PWD/tests/proc/procs.py" "$what"
	case_ "python-$what" "$what done" "${files[@]}" -f "$bb:/bin/ls" -f "$bb:/bin/echo" \
		-m 384M -f /usr/lib/python3.11 -f tests/proc/procs.py:/procs.py -- "$py" -u /procs.py "$what"
done

echo "proc: $pass passed, $fail failed"
[ "$fail" = 0 ]
