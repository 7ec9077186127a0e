#!/bin/bash
# procfs.sh - /proc per process in the guest (keel run, QEMU TCG), read by
# Debian's busybox (static) one command a boot: ps and top list the
# process from /proc/PID/stat, /proc/self is a link to its pid, /proc
# lists it, /proc/1/stat has the 52 fields of proc(5) in Linux's order
# (as many as the host's own /proc/self/stat, every one after the name a
# number), status names it, fd/ shows the standard descriptors. PASS/FAIL
# per case; logs in build/procfs-logs.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
logs=build/procfs-logs
bb=/bin/busybox
rm -rf "$logs"
mkdir -p "$logs"
prefix=procfs-
. tests/lib.sh
plan 7

# guest NAME ARGS...: busybox ARGS in the guest; sets rc and out (the
# program's output without the kernel's lines).
guest() {
	local name=$1
	shift
	timeout -k 5 150 "$keel" run -q --accel tcg -t 120 -- "$bb" "$@" >"$logs/$name.log" 2>"$logs/$name.err"
	rc=$?
	out=$(tr -d '\r' <"$logs/$name.log" | grep -avE '^(keel|strace:)')
}

# stat_check LINE: "ok" when LINE is a stat line of N fields (N the
# host's count), with "(name)" second and numbers elsewhere; else why.
host_fields=$(sed 's/.*) //' /proc/self/stat | wc -w)
host_fields=$((host_fields + 2))
stat_check() {
	local rest n bad
	rest=$(sed 's/^[0-9]* (.*) //' <<<"$1")
	[ "$rest" != "$1" ] || { echo "no 'pid (name) ' start: $1"; return; }
	n=$(($(wc -w <<<"$rest") + 2))
	bad=$(tr ' ' '\n' <<<"$rest" | tail -n +2 | grep -cvxE -- '-?[0-9]+')
	if [ "$n" != "$host_fields" ]; then
		echo "$n fields, the host's /proc/self/stat has $host_fields"
	elif ! grep -qE '^[RSDZTtX]$' <<<"${rest%% *}"; then
		echo "state '${rest%% *}' is not a state letter"
	elif [ "$bad" != 0 ]; then
		echo "$bad fields after the state are not numbers: $rest"
	else
		echo ok
	fi
}

guest ps ps
if [ "$rc" = 0 ] && grep -qE '^PID +USER' <<<"$out" &&
	grep -qE '^ +1 +[^ ]+ +/bin/busybox ps$' <<<"$out"; then
	result ps 1
else
	result ps 0 "status $rc; ps did not list pid 1 as '/bin/busybox ps': $(tr '\n' '|' <<<"$out")"
fi

guest top top -b -n 1
if [ "$rc" = 0 ] && grep -qE '^ +1 +0 +[^ ]+ +R +[0-9]+ .*/bin/busybox top -b -n 1$' <<<"$out"; then
	result top 1
else
	result top 0 "status $rc; top did not list pid 1 running (R) with its VSZ: $(tr '\n' '|' <<<"$out")"
fi

guest self readlink /proc/self
if [ "$rc" = 0 ] && [ "$out" = 1 ]; then
	result self 1
else
	result self 0 "status $rc; /proc/self -> '$out', want 1"
fi

guest list ls /proc
if [ "$rc" = 0 ] && grep -qw 1 <<<"$out" && grep -qw self <<<"$out"; then
	result list 1
else
	result list 0 "status $rc; ls /proc lacks 1 or self: $(tr '\n' ' ' <<<"$out")"
fi

guest stat cat /proc/1/stat
why=$(stat_check "$out")
if [ "$rc" = 0 ] && [ "$why" = ok ] && grep -qE '^1 \(busybox\) R 0 1 1 ' <<<"$out"; then
	result stat 1
else
	result stat 0 "status $rc; $why; want '1 (busybox) R 0 1 1 ...': $out"
fi

guest status cat /proc/1/status
if [ "$rc" = 0 ] && grep -qx "$(printf 'Name:\tbusybox')" <<<"$out" &&
	grep -qx "$(printf 'State:\tR (running)')" <<<"$out" &&
	grep -qx "$(printf 'Pid:\t1')" <<<"$out" && grep -qx "$(printf 'PPid:\t0')" <<<"$out" &&
	grep -qE "^VmRSS:[[:space:]]+[1-9][0-9]* kB$" <<<"$out"; then
	result status 1
else
	result status 0 "status $rc; Name, State, Pid, PPid or VmRSS missing or wrong: $(tr '\n\t' '| ' <<<"$out")"
fi

guest fd ls -1 /proc/1/fd
if [ "$rc" = 0 ] && [ "$(head -3 <<<"$out" | tr '\n' ' ')" = "0 1 2 " ]; then
	result fd 1
else
	result fd 0 "status $rc; /proc/1/fd lists '$(tr '\n' ' ' <<<"$out")', want 0 1 2 first"
fi

echo "procfs: $pass passed, $fail failed"
[ "$fail" = 0 ]
