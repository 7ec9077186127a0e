#!/bin/bash
# quickstart.sh - the README's quick start, run as a user would copy it: the
# lines between <!-- quickstart --> and <!-- /quickstart --> in README.md,
# each in one bash, from an empty directory. Two changes, both printed:
# `make ... install` gets PREFIX= a temporary directory (put first on PATH)
# so that the test installs nothing into the machine, and the host port
# 8080 becomes a free one picked from the shell's pid. Checked: each line's
# exit status (the server's, ended by `kill %1`, excepted), luajit's and
# python3's lines of output, and the page curl fetched, byte for byte.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
root=$PWD
logs=$root/build/quickstart-tests
rm -rf "$logs"
mkdir -p "$logs/work" "$logs/prefix"
prefix=quickstart-
. tests/lib.sh
plan 5

port=$((20000 + ($$ + 7) % 20000))
script=$(awk '/^<!-- quickstart -->$/ {on = 1; next} /^<!-- \/quickstart -->$/ {on = 0} on' README.md |
	sed 's/^    //')
if [ "$(grep -c . <<<"$script")" != 7 ]; then
	result readme 0 "README.md's quick start block has $(grep -c . <<<"$script") lines, want 7"
	echo "quickstart: $pass passed, $fail failed"
	exit 1
fi
script=$(sed -e "s|^make \(.*\)install |make -C $root \1install PREFIX=$logs/prefix |" \
	-e "s/8080/$port/g" <<<"$script")
echo "running (install prefix $logs/prefix, host port $port):"
sed 's/^/  | /' <<<"$script"

# Each line's status and output, in order; the server in the background.
cd "$logs/work" || exit 1
export PATH=$logs/prefix/bin:$PATH XDG_CACHE_HOME=$logs/cache
n=0
while IFS= read -r line; do
	n=$((n + 1))
	echo "== line $n: $line" >>"$logs/all.log"
	timeout 600 bash -c "$line" </dev/null >"$logs/line$n.out" 2>"$logs/line$n.err" &
	pids[n]=$!
	case $line in
	*'&') ;; # the server: ended by the last line
	'kill %1')
		# %1 is the server's job in the user's shell; here, its pid.
		kill "${pids[5]}" 2>/dev/null
		wait "${pids[5]}" 2>/dev/null
		echo 0 >"$logs/line$n.rc"
		;;
	*)
		wait "${pids[n]}"
		echo $? >"$logs/line$n.rc"
		;;
	esac
done <<<"$script"
cd "$root" || exit 1

rc() { cat "$logs/line$1.rc" 2>/dev/null || echo none; }
why() { echo "status $(rc "$1"): $(tail -n 3 "$logs/line$1.err" "$logs/line$1.out" 2>/dev/null | tr '\n' ' ')"; }
if [ "$(rc 1)" = 0 ] && [ -x "$logs/prefix/bin/keel" ] && [ -f "$logs/prefix/lib/keel/keel.elf" ]; then
	result install 1
else
	result install 0 "$(why 1)"
fi
want="hello from $(luajit -e 'io.write(jit.version)')"
if [ "$(rc 2)" = 0 ] && [ "$(tr -d '\r' <"$logs/line2.out")" = "$want" ]; then
	result luajit 1
else
	result luajit 0 "want '$want'; $(why 2)"
fi
want=$(python3 -c 'import json, sqlite3, ssl; print(json.dumps(sqlite3.sqlite_version))')
if [ "$(rc 3)" = 0 ] && [ "$(tr -d '\r' <"$logs/line3.out")" = "$want" ]; then
	result python3 1
else
	result python3 0 "want '$want'; $(why 3)"
fi
if [ "$(rc 6)" = 0 ] && [ "$(cat "$logs/line6.out")" = "<h1>hello from keel</h1>" ]; then
	result page 1
else
	result page 0 "curl: $(why 6); the server: $(tail -n 3 "$logs/line5.out" "$logs/line5.err" | tr '\n' ' ')"
fi
if [ "$(rc 4)" = 0 ] && [ "$(rc 7)" = 0 ] && ! kill -0 "${pids[5]}" 2>/dev/null; then
	result server-ended 1
else
	result server-ended 0 "mkdir line $(rc 4), kill line $(rc 7), server still running: $(kill -0 "${pids[5]}" 2>/dev/null && echo yes || echo no)"
fi
echo "quickstart: $pass passed, $fail failed"
[ "$fail" = 0 ]
