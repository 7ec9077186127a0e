#!/bin/bash
# debug.sh - the debugging aids. keel run --gdb with Debian's gdb in
# batch mode: a small C program built with -g, static (ET_EXEC), dynamic
# PIE (ET_DYN, at the base norandmaps gives it) and dynamic ET_EXEC,
# booted under QEMU TCG stopped at its first instruction; gdb runs the
# command keel printed (its script), breaks at a line of the program's
# main, continues, prints a local variable (must be 49) and kills the
# guest. The dynamic ones also: a breakpoint in libc set before libc is
# loaded (pending) hits, `break puts` stops in libc's puts with main as
# its caller, `info sharedlibrary` lists libc with its symbols read, and
# a libc variable prints the program's name; for a #! script gdb gets its
# interpreter and that one's libraries. Also: --gdb's bad ports
# are refused with status 2, keel build does not take --gdb, a port
# already taken is status 125, and so is a program name with a double
# quote (gdb could not take it). keel.strace names a failed openat's
# arguments and errno as strace(1) does, in a real guest, and prints
# hostile pointers (tests/tool/strace-prog.c) as numbers, never followed.
# Every step is bounded by timeout(1). Prints PASS/FAIL per case; work
# files in build/debug-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
keel=$PWD/build/keel
logs=build/debug-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=debug-
. tests/lib.sh
plan 7
export XDG_CACHE_HOME=$PWD/$logs/cache

[ -x "$keel" ] || { result built 0 "no $keel (run make)"; exit 1; }

# Bad input: a clear error and status 2, nothing booted.
why=
for arg in --gdb=0 --gdb=65536 --gdb=x --gdb=; do
	"$keel" run -q "$arg" -- /bin/true >"$logs/options.log" 2>&1
	rc=$?
	[ "$rc" = 2 ] && grep -q -- "--gdb" "$logs/options.log" || why="$why $arg: status $rc;"
done
"$keel" build -q -o "$logs/b" --gdb -- /bin/true >>"$logs/options.log" 2>&1
rc=$?
[ "$rc" = 2 ] || why="$why keel build --gdb: status $rc;"
# A port something listens on: status 125 and a message, no QEMU started.
busy=$((22000 + $$ % 20000))
timeout 60 python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("listening", flush=True); time.sleep(50)' "$busy" >"$logs/busy.out" 2>&1 &
lpid=$!
for ((i = 0; i < 50; i++)); do grep -qs listening "$logs/busy.out" && break; sleep 0.1; done
timeout 60 "$keel" run -q --gdb="$busy" -- /bin/true >"$logs/busy.log" 2>&1
rc=$?
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
[ "$rc" = 125 ] && grep -q "cannot listen on 127.0.0.1:$busy" "$logs/busy.log" ||
	why="$why a busy port: status $rc, '$(tail -1 "$logs/busy.log")';"
grep -q 'keel: gdb:' "$logs/busy.log" && why="$why a gdb line for a busy port;"
# A program whose name gdb cannot take (a double quote in it): status 125
# and a message, no gdb line.
cp /bin/true "$logs/a\"b"
timeout 120 "$keel" run -q --gdb="$busy" -- "$PWD/$logs/a\"b" >"$logs/quote.log" 2>&1
rc=$?
[ "$rc" = 125 ] && grep -q 'gdb cannot be given a file name with a double quote' "$logs/quote.log" ||
	why="$why a name with a double quote: status $rc, '$(tail -1 "$logs/quote.log")';"
grep -q 'keel: gdb:' "$logs/quote.log" && why="$why a gdb line for a name with a double quote;"
result options "$([ -z "$why" ] && echo 1)" "${why:-}"

# keel.strace: the call, its arguments by kind and the errno by name.
timeout 120 "$keel" run -q --accel tcg -t 100 -k keel.strace -- /bin/cat /nonexistent/x \
	>"$logs/strace.out" 2>"$logs/strace.log"
want='strace: openat(AT_FDCWD, "/nonexistent/x", O_RDONLY) = -1 ENOENT (No such file or directory)'
tr -d '\r' <"$logs/strace.log" >"$logs/strace.txt"
if grep -aqxF "$want" "$logs/strace.txt" && grep -aqxF 'strace: exit_group(1) = ?' "$logs/strace.txt"; then
	result strace 1
else
	result strace 0 "no '$want' or no 'exit_group(1) = ?' line"
fi

# Hostile arguments: bad paths, buffers and argv are printed as numbers
# (or cut), the kernel survives and the program ends normally.
why=
if gcc -O1 -static -o "$logs/strace-prog" tests/tool/strace-prog.c 2>"$logs/hostile.log"; then
	timeout 120 "$keel" run -q --accel tcg -t 100 -k keel.strace -- "$PWD/$logs/strace-prog" \
		>"$logs/hostile.out" 2>>"$logs/hostile.log"
	rc=$?
	tr -d '\r' <"$logs/hostile.log" >"$logs/hostile.txt"
	[ "$rc" = 0 ] || why="$why status $rc;"
	grep -q '^survived -1 14$' "$logs/hostile.out" || why="$why the program did not end with EFAULT;"
	for l in 'openat(AT_FDCWD, 0x1, O_RDONLY) = -1 EFAULT (Bad address)' \
		'openat(AT_FDCWD, 0x7ff000000000, O_RDONLY) = -1 EFAULT (Bad address)' \
		'openat(AT_FDCWD, 0xffff800000000000, O_RDONLY) = -1 EFAULT (Bad address)' \
		'write(1, 0x7ff000000000, 10) = -1 EFAULT (Bad address)' \
		'execve("/nonexistent", 0x7ff000000000, NULL) = -1 EFAULT (Bad address)'; do
		grep -qxF "strace: $l" "$logs/hostile.txt" || why="$why no '$l';"
	done
	# The path running into the unmapped page: its start, not followed.
	grep -qE '^strace: openat\(AT_FDCWD, ("a{96}"\.\.\.|0x[0-9a-f]+), O_RDONLY\) = -1 (EFAULT|ENAMETOOLONG)' \
		"$logs/hostile.txt" || why="$why no line for the unterminated path;"
	grep -q 'keel: panic' "$logs/hostile.txt" && why="$why the kernel panicked;"
else
	why="gcc -static failed"
fi
result hostile "$([ -z "$why" ] && echo 1)" "${why# }"

src=tests/tool/gdb-prog.c
line=$(grep -n 'gdb stops here' "$src" | cut -d: -f1)
if ! command -v gdb >/dev/null; then
	for c in static pie dynamic script; do
		result $c 0 "gdb is not installed (make deps installs it)"
	done
	echo "debug: $pass passed, $fail failed"
	exit 1
fi
gcc -g -O0 -static -o "$logs/prog-static" "$src" || result build 0 "gcc -static failed"
gcc -g -O0 -fPIE -pie -o "$logs/prog-pie" "$src" || result build 0 "gcc -pie failed"
gcc -g -O0 -no-pie -o "$logs/prog-dynamic" "$src" || result build 0 "gcc -no-pie failed"

# One port per case, from the shell's pid (as tests/tool/servers.sh).
port=$((21000 + $$ % 20000))

# session NAME PROG EX: keel run --gdb PROG, then keel's gdb command with
# the commands EX in batch mode; gdb's output in $log.log, keel's script
# in $log.gdb. Sets why (and returns 1 when there was no gdb line).
session() {
	local name=$1 prog=$2 ex=$3 cmd script i kpid
	log=$logs/$name why=
	port=$((port + 1))
	# A port nothing listens on yet (bounded).
	for ((i = 0; i < 50; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
		port=$((port + 1))
	done
	: >"$log.err"
	: >"$log.gdb"
	timeout 300 "$keel" run -q --gdb="$port" -t 240 -- "$prog" >"$log.out" 2>"$log.err" &
	kpid=$!
	cmd=
	for ((i = 0; i < 600; i++)); do # keel builds the image first: up to 60 s
		cmd=$(sed -n 's/^keel: gdb: //p' "$log.err")
		[ -n "$cmd" ] && break
		kill -0 "$kpid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$cmd" ]; then
		kill "$kpid" 2>/dev/null
		wait "$kpid"
		why="keel run --gdb printed no 'keel: gdb:' line: $(tail -1 "$log.err")"
		return 1
	fi
	echo "$cmd" >"$log.cmd"
	script=$(sed -n "s/^gdb -q -x '\(.*\)'$/\1/p" <<<"$cmd")
	[ -f "$script" ] && cp "$script" "$log.gdb" || why="$why no script in '$cmd';"
	# QEMU listens once it has started: gdb's target remote retries
	# nothing, so wait for the port (bounded).
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	eval "timeout 180 $cmd -batch $ex -ex kill" >"$log.log" 2>&1
	wait "$kpid"
	return 0
}

# libc_checks: a dynamically linked program's libraries as gdb shows them
# (the pending breakpoint in __libc_start_main, which the program has no
# PLT entry for, stopped in libc once it loaded; $log.log).
libc_checks() {
	grep -qE 'Breakpoint [0-9]+, .*__libc_start_main' "$log.log" ||
		why="$why the pending breakpoint in __libc_start_main did not stop;"
	grep -qE '^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes( \(\*\))? +/.*/libc\.so\.6$' "$log.log" ||
		why="$why info sharedlibrary lists no libc with symbols;"
}

# debug NAME PROG: gdb-prog under keel's gdb command, the checks.
debug() {
	local name=$1 prog=$2 ex
	# The dynamic ones: __libc_start_main waits, pending, for libc; puts
	# is the program's PLT entry until then.
	if [ "$name" = static ]; then
		ex="-ex 'break gdb-prog.c:$line' -ex continue -ex 'print answer' -ex 'info symbol \$pc'"
	else
		ex="-ex 'break __libc_start_main' -ex 'break puts' -ex 'break gdb-prog.c:$line' \
			-ex continue -ex continue -ex 'print answer' -ex 'info symbol \$pc' \
			-ex continue -ex bt -ex 'info sharedlibrary' \
			-ex 'print *(char **)&program_invocation_short_name'"
	fi
	session "$name" "$prog" "$ex" || { result "$name" 0 "$why"; return; }
	grep -qE 'Breakpoint [0-9]+, main \(' "$log.log" || why="$why no stop in main;"
	grep -qx '\$1 = 49' "$log.log" || why="$why 'print answer' did not give 49 ($(grep '^\$1' "$log.log"));"
	grep -qE '^main( \+ [0-9]+)? in section .text' "$log.log" || why="$why \$pc is not in main's .text;"
	case $name in
	pie) grep -qxF "symbol-file $prog -o 0x555555554000" "$log.gdb" || why="$why no PIE offset in the script;" ;;
	dynamic) grep -qxF "symbol-file $prog" "$log.gdb" || why="$why no symbol-file $prog in the script;" ;;
	*) grep -qxF "add-symbol-file $prog" "$log.gdb" || why="$why no add-symbol-file $prog in the script;" ;;
	esac
	if [ "$name" != static ]; then
		libc_checks
		grep -qE 'Breakpoint [0-9]+, .*puts .*(libio/ioputs.c|libc\.so\.6)' "$log.log" ||
			why="$why 'break puts' did not stop in libc's puts;"
		grep -qE '^#1 +0x[0-9a-f]+ in main \(' "$log.log" || why="$why bt shows no main under puts;"
		grep -qE '^\$2 = 0x[0-9a-f]+ "'"$(basename "$prog")"'"$' "$log.log" ||
			why="$why libc's program_invocation_short_name did not print ($(grep '^\$2' "$log.log"));"
	fi
	result "$name" "$([ -z "$why" ] && echo 1)" "${why# }"
}

debug static "$PWD/$logs/prog-static"
debug pie "$PWD/$logs/prog-pie"
debug dynamic "$PWD/$logs/prog-dynamic"

# A #! script: gdb is given the interpreter the kernel runs (/bin/sh, a
# dynamic PIE) and its libraries.
printf '#!/bin/sh\necho debug-script\n' >"$logs/script.sh"
chmod +x "$logs/script.sh"
if session script "$PWD/$logs/script.sh" "-ex 'break __libc_start_main' -ex continue -ex 'info sharedlibrary'"; then
	grep -qxF "exec-file /bin/sh" "$log.gdb" || why="$why the script does not debug /bin/sh;"
	libc_checks
fi
result script "$([ -z "$why" ] && echo 1)" "${why# }"
echo "debug: $pass passed, $fail failed"
[ "$fail" = 0 ]
