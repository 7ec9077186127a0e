#!/bin/bash
# manifest.sh - keel's manifest (keel COMMAND -c FILE, tools/keel/manifest.c):
# every long option of main.c's table has a manifest key and every key an
# option, and docs/keel.1 lists each key (read from the sources, so a new
# option without a key fails here); each option given as a key does what
# it does on the command line (the same initrd, QEMU arguments, keel.cfg or
# domain XML), and differs from leaving it out; the command line wins over
# the manifest; paths are the manifest directory's; bad manifests (unknown
# keys, bad values, wrong types, YAML errors) are refused with status 2,
# the file and line named, nothing built. Prints PASS/FAIL per case; work
# files in build/manifest-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
keel=$PWD/build/keel
logs=build/manifest-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=manifest-
. tests/lib.sh
plan 63

[ -x "$keel" ] || { result built 0 "no $keel (run make)"; echo "manifest: $pass passed, $fail failed"; exit 1; }
w=$PWD/$logs/w
mkdir -p "$w"
export XDG_CACHE_HOME=$PWD/$logs/cache

# ---- the key table against the option table and the man page ----
opts=$(sed -n '/^static const struct option long_opts/,/^};/p' tools/keel/main.c |
	sed -nE 's/^\s*\{ "([a-z-]+)",.*/\1/p' | grep -vxE 'config|help' | sort)
keys=$(sed -n '/^} mkeys\[\] = {/,/^};/p' tools/keel/manifest.c |
	sed -nE 's/^\s*\{ "([a-z-]+)", "([a-z-]+)",.*/\2 \1/p' | sort)
mapped=$(cut -d' ' -f1 <<<"$keys")
if [ -z "$opts" ] || [ -z "$keys" ]; then
	result table-read 0 "could not read the tables (options: $(echo $opts), keys: $(echo $keys))"
else
	result table-read 1
fi
missing=$(comm -23 <(echo "$opts") <(echo "$mapped"))
extra=$(comm -13 <(echo "$opts") <(echo "$mapped"))
if [ -z "$missing" ] && [ -z "$extra" ]; then
	result table-complete 1
else
	result table-complete 0 "options without a manifest key: $(echo $missing); keys for no option: $(echo $extra)"
fi
man=$(sed -n '/^\.SH MANIFEST/,/^\.SH [A-Z]/p' docs/keel.1)
undoc=
for k in $(cut -d' ' -f2 <<<"$keys") program args; do
	grep -qE "^\.B(R)? \"?$k:" <<<"$man" || grep -qF "\\fB$k:\\fR" <<<"$man" || undoc="$undoc $k"
done
if [ -n "$man" ] && [ -z "$undoc" ]; then
	result table-documented 1
else
	result table-documented 0 "docs/keel.1's MANIFEST section lacks:$undoc"
fi

# ---- what a command made, as text to compare ----
# sig_build OUT: the initrd's listing and run file, the files written.
sig_build() {
	(cd "$1" && ls) 2>/dev/null
	[ -f "$1/initrd.cpio" ] && cpio -t --quiet <"$1/initrd.cpio" | sort
	[ -f "$1/initrd.cpio" ] && cpio -i --quiet --to-stdout .keel/run <"$1/initrd.cpio"
	[ -f "$1/root.img" ] && echo root.img
	[ -f "$1/keel.elf" ] && sha256sum <"$1/keel.elf"
}
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done >"$KEEL_ARGS_OUT"\nexit 1\n' >"$w/args-qemu"
# Exiting 0, it fails keel run's KVM probe (auto is tcg then).
sed 's/^exit 1$/exit 0/' "$w/args-qemu" >"$w/args-qemu0"
printf '#!/bin/sh\nsleep 5\n' >"$w/slow-qemu"
chmod +x "$w/args-qemu" "$w/args-qemu0" "$w/slow-qemu"
# keel_cmd SIG-FILE COMMAND ARGS...: run keel COMMAND with -o $w/out
# (build, xl, virsh) or a stand-in QEMU (run) and write what it made.
keel_cmd() {
	local sig=$1 cmd=$2 out=${OUT:-$w/out} o=(-o "${OUT:-$w/out}")
	shift 2
	[ -n "${OUT:-}" ] && o=()
	rm -rf "$out" "$w/qemu-args"
	cd "$w" || return
	case $cmd in
	run)
		KEEL_QEMU=${KEEL_QEMU:-$w/args-qemu} KEEL_ARGS_OUT=$w/qemu-args timeout 60 \
			"$keel" run "$@" >"$sig.log" 2>&1
		echo "status $?" >"$sig"
		# The KVM probe's verdict says "(cached)" from its second run on.
		grep -v '^keel: accelerator\|^keel: booting' "$sig.log" | sed 's/ (cached)//' >>"$sig"
		cat "$w/qemu-args" >>"$sig" 2>/dev/null ;;
	*)
		timeout 60 "$keel" "$cmd" "${o[@]}" "$@" >"$sig.log" 2>&1
		echo "status $?" >"$sig"
		cat "$sig.log" >>"$sig"
		sig_build "$out" >>"$sig"
		cat "$out"/*.cfg "$out"/*.xml >>"$sig" 2>/dev/null ;;
	esac
	cd - >/dev/null || return
}
# rt NAME COMMAND YAML -- CLI-ARGS...: the manifest (YAML, with program:
# /bin/true added unless it has one) and the command line's options (with
# -- /bin/true) make the same, and not what the command makes without.
rt() {
	local n=$1 name=rt-$1 cmd=$2 yaml=$3 m=$w/$1.yaml
	shift 4
	printf '%s\n' "$yaml" >"$m"
	grep -q '^program:' "$m" || echo 'program: /bin/true' >>"$m"
	local prog=(-- /bin/true)
	[[ " $* " == *" -- "* ]] && prog=()
	keel_cmd "$w/$n.cli" "$cmd" "$@" "${prog[@]}"
	keel_cmd "$w/$n.man" "$cmd" -c "$m"
	keel_cmd "$w/$n.none" "$cmd" -- /bin/true
	if ! grep -qx 'status 0' "$w/$n.cli" && ! grep -q '^status 12[45]' "$w/$n.cli"; then
		result "$name" 0 "the command line's run failed: $(head -3 "$w/$n.cli" | tr '\n' ' ')"
	elif ! cmp -s "$w/$n.cli" "$w/$n.man"; then
		result "$name" 0 "the manifest made something else: $(diff "$w/$n.cli" "$w/$n.man" | grep '^[<>]' | head -4 | tr '\n' ' ')"
	elif cmp -s "$w/$n.cli" "$w/$n.none"; then
		result "$name" 0 "the same as without the option: the case shows nothing"
	else
		result "$name" 1
	fi
}
mkdir -p "$w/tree/sub" "$w/vol"
echo data >"$w/tree/sub/f"
"$keel" mkimage -q "$w/tree" -o "$w/disk.img"
cp build/keel.elf "$w/kernel.elf" && printf 'keel' >>"$w/kernel.elf"
rt program build 'program: /bin/busybox' -- -- /bin/busybox
rt args build $'program: /bin/busybox\nargs: [echo, \'two words\', "-x"]' -- -- /bin/busybox echo 'two words' -x
OUT=$w/out2 rt output build "output: $w/out2" -- -o "$w/out2"
rt files build "files: [$w/tree:/data, /etc/hostname]" -- -f "$w/tree:/data" -f /etc/hostname
rt env-map build $'env:\n  GREETING: hello world\n  N: "42"' -- -e 'GREETING=hello world' -e N=42
rt env-list build 'env: [A=1, B=two]' -- -e A=1 -e B=two
rt cwd build 'cwd: /srv' -- -C /srv
rt single build 'single: true' -- --single
rt kernel build "kernel: $w/kernel.elf" -- --kernel "$w/kernel.elf"
rt quiet build 'quiet: yes' -- -q
rt root build 'root: disk' -- --root disk
rt memory run 'memory: 96M' -- -m 96M
rt ports run 'ports: ["8080:80", "8443:443"]' -- -p 8080:80 -p 8443:443
KEEL_QEMU=$w/args-qemu0 rt accel run 'accel: kvm' -- --accel kvm
KEEL_QEMU=$w/slow-qemu rt timeout run 'timeout: 1' -- -t 1
rt kernel-args run 'kernel-args: [keel.strace, "keel.ip=10.0.2.15/24"]' -- -k keel.strace -k keel.ip=10.0.2.15/24
rt verbose run 'verbose: true' -- --verbose
rt volumes run "volumes: [\"$w/vol:/v:ro\"]" -- -v "$w/vol:/v:ro"
rt disks run "disks: $w/disk.img:/d" -- --disk "$w/disk.img:/d"
rt net run 'net: user' -- --net user
rt machine run 'machine: q35' -- --machine q35
rt debs build 'debs: [libluajit-5.1-common]' -- --deb libluajit-5.1-common
rt gdb run 'gdb: 1240' -- --gdb=1240
rt gdb-default run 'gdb: true' -- --gdb
rt bare build $'program: /usr/bin/luajit\nbare: true' -- --bare -- /usr/bin/luajit
rt name xl 'name: web' -- -n web
rt guest-dir xl 'guest-dir: /srv/xen/g' -- --guest-dir /srv/xen/g
rt xl-memory xl 'memory: 48M' -- -m 48M
rt xl-net xl 'net: [bridge=xenbr0, "bridge=br1,mac=00:16:3e:00:00:01"]' -- --net bridge=xenbr0 --net bridge=br1,mac=00:16:3e:00:00:01
rt xl-disks xl "disks: [\"$w/disk.img:/d:ro\"]" -- --disk "$w/disk.img:/d:ro"
rt virsh-ports virsh $'ports: ["8080:80"]\nname: web\nmachine: pc' -- -p 8080:80 -n web --machine pc
rt virsh-net virsh 'net: bridge=br0' -- --net bridge=br0

# ---- the command line wins ----
printf 'program: /bin/busybox\nargs: [echo, from-manifest]\nmemory: 128M\nenv: {A: manifest, B: kept}\nfiles: [/etc/hostname]\n' >"$w/win.yaml"
keel_cmd "$w/win-run" run -c "$w/win.yaml" -m 256M
if grep -qx 256M "$w/win-run" && ! grep -qx 128M "$w/win-run"; then
	result cli-wins-scalar 1
else
	result cli-wins-scalar 0 "-m 256M over memory: 128M: $(tr '\n' ' ' <"$w/win-run" | head -c 300)"
fi
keel_cmd "$w/win-build" build -c "$w/win.yaml" -e A=cli -f /etc/debian_version -- /bin/busybox echo from-cli
if grep -qx 'env A=cli' "$w/win-build" && ! grep -q 'env A=manifest' "$w/win-build" &&
	grep -qx 'env B=kept' "$w/win-build" && grep -qx 'arg from-cli' "$w/win-build" &&
	! grep -q from-manifest "$w/win-build" && grep -qx 'etc/hostname' "$w/win-build" && grep -qx 'etc/debian_version' "$w/win-build"; then
	result cli-wins-lists 1
else
	result cli-wins-lists 0 "-e A=cli, -f and -- PROGRAM with the manifest: $(grep -E '^(env|arg) |etc/' "$w/win-build" | tr '\n' ' ')"
fi
# keel build takes no -p: the manifest's ports are left out there, as
# the command line's are refused.
keel_cmd "$w/other-cmd" build -c "$w/ports.yaml"
keel_cmd "$w/other-cli" build -p 8080:80 -- /bin/true
if grep -qx 'status 0' "$w/other-cmd" && grep -qx 'status 2' "$w/other-cli" &&
	grep -q -- '--port is not an option of keel build' "$w/other-cli"; then
	result other-command 1
else
	result other-command 0 "$(head -2 "$w/other-cmd" | tr '\n' ' ') / $(head -2 "$w/other-cli" | tr '\n' ' ')"
fi

# ---- paths are the manifest directory's ----
mkdir -p "$w/app/site" "$w/elsewhere"
echo page >"$w/app/site/index.html"
printf 'program: /bin/true\ncwd: /srv\nfiles: [site, "site:/www"]\noutput: out\n' >"$w/app/keel.yaml"
(cd "$w/elsewhere" && "$keel" build -q -c ../app/keel.yaml >"$w/paths.log" 2>&1)
rc=$?
list=$(cpio -t --quiet <"$w/app/out/initrd.cpio" 2>/dev/null)
if [ "$rc" = 0 ] && grep -qx srv/site/index.html <<<"$list" && grep -qx www/index.html <<<"$list"; then
	result relative-paths 1
else
	result relative-paths 0 "status $rc, listing: $(echo $list | head -c 300) $(tail -1 "$w/paths.log")"
fi

# ---- bad manifests: status 2, FILE:LINE and why, nothing built ----
bad() { # name want-regex yaml [command]
	local name=bad-$1 want=$2 m=$w/bad-$1.yaml out=$w/bad-out
	rm -rf "$out"
	printf '%s\n' "$3" >"$m"
	timeout 60 "$keel" "${4:-build}" -q -o "$out" -c "$m" >"$logs/$name.log" 2>&1
	local rc=$?
	if [ "$rc" != 2 ]; then
		result "$name" 0 "status $rc, want 2: $(tail -1 "$logs/$name.log")"
	elif ! grep -qE -- "^keel: error: $m:$want" "$logs/$name.log"; then
		result "$name" 0 "message '$(tail -1 "$logs/$name.log")' does not match /$m:$want/"
	elif [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
		result "$name" 0 "left output behind: $(ls "$out" | tr '\n' ' ')"
	else
		result "$name" 1
	fi
}
bad unknown-key "3: unknown key 'memroy'" $'program: /bin/true\n# memory\nmemroy: 64M'
bad memory "2: --memory 12X: want a size" $'program: /bin/true\nmemory: 12X' run
bad port "3: -p 80: want HOST:GUEST" $'program: /bin/true\nports:\n  - "80"' run
bad accel "1: --accel fast: want auto, kvm or tcg" $'accel: fast\nprogram: /bin/true' run
bad machine "2: --machine virt: want" $'program: /bin/true\nmachine: virt' run
bad timeout "2: --timeout soon: want whole seconds" $'program: /bin/true\ntimeout: soon' run
bad root "2: --root ram: want initrd or disk" $'program: /bin/true\nroot: ram'
bad net "2: --net bridge: want none, user or tap" $'program: /bin/true\nnet: bridge' run
bad xl-net "2: --net user: want bridge=NAME" $'program: /bin/true\nnet: user' xl
bad bool "2: single: maybe: want true or false" $'program: /bin/true\nsingle: maybe'
bad list-of-maps "3: files: want a string, not a mapping" $'program: /bin/true\nfiles:\n  - {a: b}'
bad args-scalar "2: args: want a list of words" $'program: /bin/true\nargs: -v'
bad args-alone "1: args without a program" 'args: [-v]'
bad env-scalar "2: env: want a mapping" $'program: /bin/true\nenv: A=1'
bad env-item "3: env: NOEQUALS: want NAME=VALUE" $'program: /bin/true\nenv:\n  - NOEQUALS'
bad null "2: memory: no value" $'program: /bin/true\nmemory:' run
bad twice "3: program given twice \(first on line 1\)" $'program: /bin/true\nmemory: 64M\nprogram: /bin/ls'
bad yaml "3: YAML: " $'program: /bin/true\nfiles: [a,\n  b: c: d'
bad not-a-map "1: want a mapping of keys" '- program: /bin/true'
bad alias "3: an alias" $'program: &p /bin/true\nname: x\nkernel: *p'
bad cwd "2: cwd: srv: want an absolute guest path" $'program: /bin/true\ncwd: srv'
bad missing-file "4: files: cannot read $w/no-such-file: No such file" $'program: /bin/true\nfiles:\n  - /etc/hostname\n  - no-such-file:/x'
bad two-docs "2: a second YAML document" $'program: /bin/true\n---\nprogram: /bin/ls'
# The manifest itself missing: status 2, named.
"$keel" build -c "$w/no-such.yaml" >"$logs/bad-missing.log" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q "^keel: error: -c $w/no-such.yaml: No such file" "$logs/bad-missing.log"; then
	result bad-missing 1
else
	result bad-missing 0 "status $rc: $(tail -1 "$logs/bad-missing.log")"
fi

echo "manifest: $pass passed, $fail failed"
[ "$fail" = 0 ]
