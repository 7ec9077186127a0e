#!/bin/bash
# pack.sh - what keel packs besides a program's own libraries (docs/keel.1,
# "What keel packs"), each case booted under QEMU TCG where it matters:
# the data of the program's Debian packages by default (luajit -jv finds
# its jit.* modules; --bare leaves them out and luajit says so; no
# documentation); the package database read from a made-up one
# (alternatives, Provides, loops, continuation lines, a removed
# package); --deb PACKAGE with its dependency closure (a python3
# program importing sqlite3, ssl and json, a perl program using POSIX and
# List::Util, nothing else given); #! scripts followed to their
# interpreter (#!/usr/bin/env python3, #!/bin/sh -e), a PATH shim giving
# way to the program it hides or refused naming it; every ELF in the
# image with its libraries (a python extension module given by -f); keel
# ldd on shared libraries against ldd(1); guest memory following the
# image's size, too little refused with the -m to use, and running out
# of it explained. Prints PASS/FAIL per case; work files in
# build/pack-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
logs=$PWD/build/pack-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=pack-
. tests/lib.sh
plan 22

[ -x "$keel" ] || { result built 0 "no $keel (run make)"; # The options in the help and the manual.
if "$keel" build --help | grep -q -- '--deb PACKAGE' && "$keel" run --help | grep -q -- '--bare' &&
	"$keel" xl --help | grep -q -- '--verbose' && grep -q '^.SH WHAT KEEL PACKS' docs/keel.1; then
	result help 1
else
	result help 0 "--deb, --bare or --verbose missing from a --help, or docs/keel.1 lacks WHAT KEEL PACKS"
fi

echo "pack: $pass passed, $fail failed"; exit 1; }
export XDG_CACHE_HOME=$logs/cache
w=$logs/work
mkdir -p "$w"
# A plain PATH: the host's own (a version manager's shims) has its case.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
lj=/usr/bin/luajit

# in_image CPIO PATH...: each PATH resolves inside the archive to a file
# with the host's bytes (tests/tools/cpio-resolve.py); else prints why.
in_image() {
	local cpio=$1 p entry sum
	shift
	for p; do
		read -r _ entry sum < <(python3 tests/tools/cpio-resolve.py "$cpio" "$p")
		if [ "$sum" = unresolved ] || [ -z "$entry" ]; then
			echo "$p is not in the image"
		elif [ "$sum" != "$(sha256sum <"$p" | cut -d' ' -f1)" ]; then
			echo "$p differs from the host's"
		fi
	done
}
# refused NAME WANT-REGEX KEEL-BUILD-ARGS...: status 125, the message,
# nothing written.
refused() {
	local name=$1 want=$2 rc
	shift 2
	"$keel" build -q -o "$logs/$name" "$@" >"$logs/$name.log" 2>&1
	rc=$?
	if [ "$rc" = 125 ] && grep -q -- "$want" "$logs/$name.log" && [ ! -e "$logs/$name/initrd.cpio" ]; then
		result "$name" 1
	else
		result "$name" 0 "status $rc: $(tail -1 "$logs/$name.log")"
	fi
}
# run_out NAME KEEL-RUN-ARGS...: boot (at most 300 s); sets rc and got
# (the program's output, keel's own lines and CRs dropped).
run_out() {
	local name=$1
	shift
	timeout 300 "$keel" run -q --accel tcg "$@" >"$logs/$name.log" 2>"$logs/$name.err"
	rc=$?
	got=$(tr -d '\r' <"$logs/$name.log" | grep -v '^keel')
}

# The program's package data by default: luajit's jit.* modules come from
# libluajit-5.1-common (built from luajit's source), the docs do not.
if "$keel" build --verbose -o "$logs/luajit" -- $lj -e 1 >"$logs/luajit-build.log" 2>&1; then
	why=$(in_image "$logs/luajit/initrd.cpio" /usr/share/luajit-2.1.0-beta3/jit/v.lua)
	cpio -t --quiet <"$logs/luajit/initrd.cpio" | grep -E '^usr/share/(doc|man)/' | head -3 >"$logs/docs"
	[ -s "$logs/docs" ] && why="$why documentation packed: $(tr '\n' ' ' <"$logs/docs")"
	grep -q 'package libluajit-5.1-common: ' "$logs/luajit-build.log" || why="$why --verbose does not name libluajit-5.1-common"
	if [ -z "$why" ]; then result default-data 1; else result default-data 0 "$why"; fi
else
	result default-data 0 "keel build failed: $(tail -1 "$logs/luajit-build.log")"
fi
run_out luajit-jv -- $lj -jv -e 'local s = 0 for i = 1, 200 do s = s + i end print(s)'
if [ "$rc" = 0 ] && grep -q '^\[TRACE *1 ' <<<"$got" && grep -qx 20100 <<<"$got"; then
	result luajit-jv 1
else
	result luajit-jv 0 "status $rc, output $(head -3 <<<"$got" | tr '\n' ' ')"
fi
# --bare: only the program and its libraries; luajit misses its modules.
run_out luajit-bare --bare -- $lj -jv -e 'print(1)'
if [ "$rc" = 1 ] && grep -q 'jit.\* modules not installed' "$logs/luajit-bare.log"; then
	result bare 1
else
	result bare 0 "status $rc (want 1, luajit's 'jit.* modules not installed'): $(tail -1 "$logs/luajit-bare.log")"
fi

# --deb python3: a program importing sqlite3 (libsqlite3 by dlopen of an
# extension module), ssl (libssl, libcrypto) and json; app.py, an argument
# naming a host file, is packed at its path beside --cwd.
cat >"$w/app.py" <<'EOF'
import json, sqlite3, ssl
db = sqlite3.connect(":memory:")
db.execute("create table t (x)")
db.execute("insert into t values (41)")
n = db.execute("select x + 1 from t").fetchone()[0]
ctx = ssl.create_default_context()
print(json.dumps({"answer": n, "tls13": ssl.HAS_TLSv1_3, "verify": ctx.verify_mode == ssl.CERT_REQUIRED}))
EOF
if command -v python3 >/dev/null; then
	cd "$w" && run_out python3 --deb python3 -- python3 app.py
	cd - >/dev/null
	want='{"answer": 42, "tls13": true, "verify": true}'
	if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
		result deb-python3 1
	else
		result deb-python3 0 "status $rc, output '$got', want '$want': $(tail -2 "$logs/python3.err" | tr '\n' ' ')"
	fi
else
	result deb-python3 0 "python3 is not installed (make deps installs it)"
fi
# --deb perl: POSIX (an XS module of libperl) and List::Util.
cat >"$w/app.pl" <<'EOF'
use strict; use warnings;
use POSIX qw(floor strftime);
use List::Util qw(sum max first);
my @n = (3, 1, 4, 1, 5, 9, 2, 6);
printf "sum=%d max=%d floor=%d first=%d %s\n", sum(@n), max(@n), floor(7.9),
    (first { $_ > 4 } @n), strftime("%Y", gmtime(86400 * 366));
EOF
run_out perl --deb perl -f "$w/app.pl" -- perl "$w/app.pl"
want='sum=31 max=9 floor=7 first=5 1971'
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
	result deb-perl 1
else
	result deb-perl 0 "status $rc, output '$got', want '$want': $(tail -2 "$logs/perl.err" | tr '\n' ' ')"
fi
refused deb-missing '--deb keel-no-such-package: no such package is installed' \
	--deb keel-no-such-package -- /bin/true

# The package database as deb.c reads it, from a made-up admin directory
# ($KEEL_DPKG_ADMINDIR): continuation lines, alternatives, versions and
# architecture qualifiers, a virtual package answered by Provides, a
# dependency loop, a multi-arch list name, a package with only its
# configuration files left, a stanza without a name, and paths the list
# names that are gone. --deb takes the whole closure; the default only
# what shares the program's source package.
adm=$w/dpkg
r=$w/debroot
mkdir -p "$adm/info" "$r"
cp /bin/true "$r/prog"
for f in a b d; do echo "$f" >"$r/$f.txt"; done
cat >"$adm/status" <<'STATUS'
Package: keel-a
Status: install ok installed
Architecture: amd64
Depends: keel-missing | keel-b (>= 1.0),
 keel-virtual:any, keel-absent
Description: a test package
 whose description: has colons

Package: keel-b
Status: install ok installed
Source: keel-a (1.0-1)
Architecture: all
Pre-Depends: keel-a

Package: keel-d
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Provides: keel-virtual (= 2)

Package: keel-gone
Status: deinstall ok config-files
Architecture: amd64

no colon here
Version: 1
STATUS
printf '/.\n%s\n%s/prog\n%s/a.txt\n/usr/share/doc/keel-a\n' "$r" "$r" "$r" >"$adm/info/keel-a.list"
printf '%s/b.txt\n' "$r" >"$adm/info/keel-b.list"
printf '%s/d.txt\n%s/gone.txt\n' "$r" "$r" >"$adm/info/keel-d:amd64.list"
printf '/etc/keel-gone.conf\n' >"$adm/info/keel-gone.list"
listing() { cpio -t --quiet <"$1/initrd.cpio" | grep -o 'debroot/.*' | sort | tr '\n' ' '; }
KEEL_DPKG_ADMINDIR=$adm "$keel" build --verbose --bare -o "$logs/fake-deb" --deb keel-a -- /bin/true >"$logs/fake-deb.log" 2>&1
rc=$?
got=$(listing "$logs/fake-deb")
if [ "$rc" = 0 ] && [ "$got" = "debroot/a.txt debroot/b.txt debroot/d.txt debroot/prog " ] &&
	grep -q -- '--deb: keel-absent is not installed; left out' "$logs/fake-deb.log"; then
	result fake-deb 1
else
	result fake-deb 0 "status $rc, packed '$got', want a, b, d and prog: $(tail -1 "$logs/fake-deb.log")"
fi
KEEL_DPKG_ADMINDIR=$adm "$keel" build --verbose -o "$logs/fake-owner" -- "$r/prog" >"$logs/fake-owner.log" 2>&1
rc=$?
got=$(listing "$logs/fake-owner")
if [ "$rc" = 0 ] && [ "$got" = "debroot/a.txt debroot/b.txt debroot/prog " ] &&
	grep -q "the program's packages: keel-a, keel-b" "$logs/fake-owner.log"; then
	result fake-owner 1
else
	result fake-owner 0 "status $rc, packed '$got', want a, b and prog: $(tail -1 "$logs/fake-owner.log")"
fi
KEEL_DPKG_ADMINDIR=$adm refused fake-gone '--deb keel-gone: no such package is installed' --deb keel-gone -- /bin/true

# #! scripts: env finds python3 on the guest's PATH; the kernel starts
# the interpreter with the script, as execve(2) would; the interpreter's
# own argument (sh -e) is kept.
printf '#!/usr/bin/env python3\nimport sys\nprint("py", sys.argv[1:], sys.argv[0])\n' >"$w/hello.py"
printf '#!/bin/sh -e\necho "sh $0 $*"\nfalse\necho not-reached\n' >"$w/hello.sh"
chmod +x "$w/hello.py" "$w/hello.sh"
run_out script-env -- "$w/hello.py" a 'b c'
want="py ['a', 'b c'] $w/hello.py"
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
	result script-env 1
else
	result script-env 0 "status $rc, output '$got', want '$want'"
fi
run_out script-sh -- "$w/hello.sh" x
if [ "$rc" = 1 ] && [ "$got" = "sh $w/hello.sh x" ]; then
	result script-sh 1
else
	result script-sh 0 "status $rc (want 1: sh -e stops at false), output '$got'"
fi
# A shim first on the host's PATH (a version manager's: a script named
# like the program it runs): keel packs the program of that name on the
# guest's PATH and says so; a shim hiding a program the guest's PATH
# lacks is refused, naming the program.
mkdir -p "$w/shims" "$w/hidden"
printf '#!/bin/sh\nexec /usr/bin/python3 "$@"\n' >"$w/shims/python3"
printf '#!/bin/sh\nexec %s "$@"\n' "$w/hidden/keelprog" >"$w/shims/keelprog"
cp /bin/true "$w/hidden/keelprog"
chmod +x "$w/shims/python3" "$w/shims/keelprog"
PATH=$w/shims:$PATH "$keel" build -o "$logs/shim" -- python3 -c 1 >"$logs/shim.log" 2>&1
rc=$?
why=$(in_image "$logs/shim/initrd.cpio" "$(readlink -f /usr/bin/python3)")
if [ "$rc" = 0 ] && [ -z "$why" ] &&
	grep -q "python3 on PATH is $w/shims/python3, a script .*packing /usr/bin/python3" "$logs/shim.log" &&
	! cpio -t --quiet <"$logs/shim/initrd.cpio" | grep -q shims; then
	result shim 1
else
	result shim 0 "status $rc, $why: $(tail -1 "$logs/shim.log")"
fi
PATH=$w/shims:$w/hidden:$PATH refused shim-refused \
	"keelprog on PATH is $w/shims/keelprog, a script standing in front of the program $w/hidden/keelprog" -- keelprog
printf '#!python3\n' >"$w/relative.py"
printf '#!/no/such/interpreter -x\n' >"$w/missing.py"
chmod +x "$w/relative.py" "$w/missing.py"
refused script-relative "relative.py: its #! interpreter 'python3' is not an absolute path" -- "$w/relative.py"
refused script-missing "missing.py: its #! interpreter /no/such/interpreter: No such file" -- "$w/missing.py"

# Every ELF in the image has its libraries: an extension module given by
# -f brings libssl and libcrypto, which nothing else here needs.
ext=$(ls /usr/lib/python3.11/lib-dynload/_ssl.cpython-*.so 2>/dev/null | head -1)
if [ -n "$ext" ] && "$keel" build -q --bare -o "$logs/ext" -f "$ext" -- /bin/true >"$logs/ext.log" 2>&1; then
	why=$(in_image "$logs/ext/initrd.cpio" $(ldd "$ext" | sed -nE 's/.*=> (\/[^ ]*) .*/\1/p'))
	grep -q libssl <<<"$(ldd "$ext")" || why="ldd names no libssl for $ext"
	if [ -z "$why" ]; then result every-elf 1; else result every-elf 0 "$why"; fi
else
	result every-elf 0 "no python3 _ssl module, or keel build failed: $(tail -1 "$logs/ext.log" 2>/dev/null)"
fi

# keel ldd on shared libraries: the paths ldd(1) prints.
for lib in /lib/x86_64-linux-gnu/libsqlite3.so.0 "$ext"; do
	name=ldd-$(basename "$lib" | cut -d. -f1)
	want=$(ldd "$lib" 2>/dev/null | sed -nE 's/.*=> (\/[^ ]*) .*/\1/p; t; s/^\s*(\/[^ ]*) \(0x.*/\1/p' | sort)
	got=$("$keel" ldd "$lib" 2>"$logs/$name.log" | sed -nE 's/.*=> (\/.*)$/\1/p; t; s/^\s*(\/[^ ]*)$/\1/p' | sort)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		result "$name" 1
	else
		result "$name" 0 "keel ldd $lib: '$(echo $got)', ldd: '$(echo $want)'"
	fi
done

# Memory: the default follows the image (its size and 48 MiB, rounded up
# to 32 MiB, at least 64); too little is refused before QEMU starts,
# with the -m to use; a guest that runs out says which -m to try.
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done >"$KEEL_ARGS_OUT"\nexit 1\n' >"$w/args-qemu"
chmod +x "$w/args-qemu"
KEEL_QEMU=$w/args-qemu KEEL_ARGS_OUT=$logs/args-perl timeout 120 "$keel" run -q --deb perl -- perl -e 1 >"$logs/mem-default.log" 2>&1
size=$(stat -c %s "$logs/cache/keel/run/perl/initrd.cpio" 2>/dev/null || echo 0)
want=$(((((size + 1048575) / 1048576 + 48) + 31) / 32 * 32))
m=$(grep -A1 -x -- -m "$logs/args-perl" 2>/dev/null | tail -1)
if [ "$size" -gt $((32 << 20)) ] && [ "$m" = "${want}M" ]; then
	result mem-default 1
else
	result mem-default 0 "QEMU got -m '$m' for a $size-byte initrd, want ${want}M"
fi
KEEL_QEMU=$w/args-qemu KEEL_ARGS_OUT=$logs/args-small timeout 120 "$keel" run -q -m 64M --deb perl -- perl -e 1 >"$logs/mem-small.log" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q "\-m 64M is too small: the image's files take [0-9]* MiB .* use -m ${want}M" "$logs/mem-small.log" &&
	[ ! -e "$logs/args-small" ]; then
	result mem-too-small 1
else
	result mem-too-small 0 "status $rc: $(tail -1 "$logs/mem-small.log")"
fi
# A 40 MiB program in 64 MiB: the image fits, reading it to run does not.
printf 'char big[40 << 20] = {1};\nint main(void) { return big[0] - 1; }\n' >"$w/big.c"
if gcc -O1 -static -o "$w/big" "$w/big.c" 2>"$logs/big.log"; then
	run_out mem-out -m 64M -- "$w/big"
	if [ "$rc" = 126 ] && grep -q 'keel: the guest ran out of memory: it had -m 64M, of which the image.s files take 41 MiB; try -m 128M' "$logs/mem-out.err"; then
		result mem-out 1
	else
		result mem-out 0 "status $rc: $(tail -1 "$logs/mem-out.err")"
	fi
else
	result mem-out 0 "cannot compile big.c: $(tail -1 "$logs/big.log")"
fi

# The options in the help and the manual.
if "$keel" build --help | grep -q -- '--deb PACKAGE' && "$keel" run --help | grep -q -- '--bare' &&
	"$keel" xl --help | grep -q -- '--verbose' && grep -q '^.SH WHAT KEEL PACKS' docs/keel.1; then
	result help 1
else
	result help 0 "--deb, --bare or --verbose missing from a --help, or docs/keel.1 lacks WHAT KEEL PACKS"
fi

echo "pack: $pass passed, $fail failed"
[ "$fail" = 0 ]
