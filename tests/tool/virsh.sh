#!/bin/bash
# virsh.sh - keel virsh (tools/keel/virsh.c) as a libvirt user would meet
# it: the QEMU and Xen domain XML pass libvirt's own schema check
# (virt-xml-validate), the Xen domain says what keel xl's keel.cfg says;
# then, with Debian's libvirtd (started here when it is not running, and
# stopped again), "virsh create" boots programs under TCG (domain type
# qemu): the program's output and "keel: shutdown status N" in the
# console log, the domain gone when it ends, "virsh console" typing to a
# program and reading its answer, a page fetched through the port forward,
# and a disk and a host directory in the guest. Cases that need libvirtd
# say why they are skipped when it cannot run. Work files in
# build/virsh-tests (under a directory libvirt's QEMU user can read).
set -u
cd "$(dirname "$0")/../.."
exec </dev/null
keel=$PWD/build/keel
logs=build/virsh-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=virsh-
. tests/lib.sh
[ -x "$keel" ] || { plan 1; result built 0 "no $keel (run make)"; exit 1; }
for t in virsh virt-xml-validate xmllint; do
	command -v "$t" >/dev/null || { plan 1; result tools 0 "$t is missing (make deps installs libvirt-clients and libxml2-utils)"; exit 1; }
done
export XDG_CACHE_HOME=$PWD/$logs/cache
live=7 # the cases that boot under libvirtd
if command -v libvirtd >/dev/null; then
	plan $((4 + live))
else
	plan 4
fi
# libvirt's QEMU runs as libvirt-qemu: the images must be readable by it
# on their whole path, which a checkout in a private directory is not.
w=$(mktemp -d /tmp/keel-virsh.XXXXXX)
chmod 755 "$w"
ln -sfn "$w" "$logs/w"
bb=/bin/busybox
uri=qemu:///system
started=()
domains=()
cleanup() {
	for d in "${domains[@]}"; do virsh -c "$uri" destroy "$d" >/dev/null 2>&1; done
	for p in "${started[@]}"; do
		kill "$p" 2>/dev/null
		for i in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
	done
	rm -rf "$w"
}
trap cleanup EXIT
trap "exit 143" TERM INT

# ---- the XML: libvirt's schema, and the Xen domain against keel xl ----
mkdir -p "$w/dsrc" "$w/vol"
echo disk-data >"$w/dsrc/a.txt"
echo vol-data >"$w/vol/b.txt"
"$keel" mkimage -q "$w/dsrc" -o "$w/d.img"
full=(--accel tcg -n keel-virsh-full -m 48M -p 18931:80 --net bridge=br0,mac=00:16:3E:00:00:01
	--disk "$w/d.img:/data:ro" -v "$w/vol:/vol" -k keel.strace -e 'A=<&>"')
"$keel" virsh -q -o "$w/full" "${full[@]}" -- "$bb" echo 'a&b' >"$logs/full.log" 2>&1
rc=$?
q=$w/full/keel-qemu.xml x=$w/full/keel-xen.xml
if [ "$rc" = 0 ] && virt-xml-validate "$q" >>"$logs/full.log" 2>&1 && virt-xml-validate "$x" >>"$logs/full.log" 2>&1; then
	result validate 1
else
	result validate 0 "status $rc, or virt-xml-validate refused: $(tail -2 "$logs/full.log" | tr '\n' ' ')"
fi
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }
why=
[ "$(xp "$q" 'string(/domain/@type)')" = qemu ] || why="$why type not qemu;"
[ "$(xp "$q" 'string(/domain/os/type/@machine)')" = q35 ] || why="$why machine not q35;"
[ "$(xp "$q" 'string(/domain/os/kernel)')" = "$w/full/keel.elf" ] || why="$why kernel;"
[ "$(xp "$q" 'string(/domain/os/initrd)')" = "$w/full/initrd.cpio" ] || why="$why initrd;"
[ "$(xp "$q" 'string(/domain/memory)')" = 48 ] || why="$why memory;"
[ "$(xp "$q" 'string(/domain/os/cmdline)')" = "keel.strace keel.mount=ext2:/dev/vda:/data:ro keel.mount=9p:keelvol0:/vol" ] ||
	why="$why cmdline '$(xp "$q" 'string(/domain/os/cmdline)')';"
[ "$(xp "$q" 'string(/domain/devices/disk/source/@file)')" = "$w/d.img" ] || why="$why disk;"
[ "$(xp "$q" 'count(/domain/devices/disk/readonly)')" = 1 ] || why="$why disk not read-only;"
[ "$(xp "$q" 'string(/domain/devices/filesystem/source/@dir)')" = "$w/vol" ] || why="$why volume;"
[ "$(xp "$q" 'string(/domain/devices/serial/log/@file)')" = "$w/full/console.log" ] || why="$why console log;"
[ "$(xp "$q" 'string(/domain/devices/interface[@type="bridge"]/mac/@address)')" = 00:16:3e:00:00:01 ] || why="$why bridge;"
grep -qF "value='user,id=keelnet0,restrict=on,hostfwd=tcp:127.0.0.1:18931-:80'" "$q" || why="$why port forward;"
if [ -z "$why" ]; then result qemu-xml 1; else result qemu-xml 0 "$why"; fi
# The Xen domain and keel xl's keel.cfg for the same options: the same
# kernel, ramdisk, memory, command line, bridge and disk (keel xl copies
# the image into its directory; virsh leaves it where it is).
"$keel" xl -q -o "$w/full" -n keel-virsh-full -m 48 --net bridge=br0,mac=00:16:3E:00:00:01 \
	--disk "$w/d.img:/data:ro" -k keel.strace -e 'A=<&>"' -- "$bb" echo 'a&b' >"$logs/xl.log" 2>&1
cfg=$w/full/keel.cfg
cfgval() { sed -nE "s/^$1 = \"?([^\"]*)\"?$/\1/p" "$cfg"; }
why=
[ "$(xp "$x" 'string(/domain/@type)')/$(xp "$x" 'string(/domain/os/type)')" = xen/xenpvh ] || why="$why not a xenpvh domain;"
[ "$(xp "$x" 'string(/domain/name)')" = "$(cfgval name)" ] || why="$why name;"
[ "$(xp "$x" 'string(/domain/os/kernel)')" = "$(cfgval kernel)" ] || why="$why kernel;"
[ "$(xp "$x" 'string(/domain/os/initrd)')" = "$(cfgval ramdisk)" ] || why="$why ramdisk;"
[ "$(xp "$x" 'string(/domain/memory)')" = "$(cfgval memory)" ] || why="$why memory;"
[ "$(xp "$x" 'string(/domain/os/cmdline)')" = "$(cfgval cmdline)" ] || why="$why cmdline ('$(xp "$x" 'string(/domain/os/cmdline)')' vs '$(cfgval cmdline)');"
grep -qF "'bridge=br0,mac=$(xp "$x" 'string(/domain/devices/interface/mac/@address)')'" "$cfg" || why="$why vif;"
grep -q "vdev=$(xp "$x" 'string(/domain/devices/disk/target/@dev)'), access=ro" "$cfg" || why="$why disk;"
[ "$(xp "$x" 'string(/domain/devices/console/target/@type)')" = xen ] || why="$why console;"
[ "$(xp "$x" 'count(/domain/devices/filesystem)')" = 0 ] || why="$why a 9p share Xen lacks;"
if [ -z "$why" ]; then result xen-xml 1; else result xen-xml 0 "$why"; fi
# Bad input is refused before anything is built.
"$keel" virsh -q -o "$w/bad" --machine microvm -- /bin/true >"$logs/bad.log" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q 'machine microvm: keel virsh wants q35 or pc' "$logs/bad.log" && [ ! -e "$w/bad" ]; then
	result bad-machine 1
else
	result bad-machine 0 "status $rc: $(tail -1 "$logs/bad.log")"
fi

# ---- libvirtd: running already, or started here ----
if ! command -v libvirtd >/dev/null; then
	echo "SKIP virsh-live: no libvirtd (make deps installs libvirt-daemon-system); $live cases not run"
	echo "virsh: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi
# Without a service manager, libvirtd and virtlogd are started here under
# a subreaper (PR_SET_CHILD_SUBREAPER) that waits for what they leave: a
# QEMU that libvirt double-forked would otherwise be a child of PID 1,
# and while it lingers there as a zombie (a PID 1 that reaps late, as in
# some containers) libvirt waits for it to go and virsh create never
# returns.
if ! timeout 20 virsh -c "$uri" version >/dev/null 2>&1; then
	python3 - >"$logs/libvirtd.log" 2>&1 <<'EOF' &
import ctypes, os, signal, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
daemons = [os.spawnvp(os.P_NOWAIT, "virtlogd", ["virtlogd"])]
time.sleep(0.5)
daemons.append(os.spawnvp(os.P_NOWAIT, "libvirtd", ["libvirtd"]))
def stop(*_):
    for p in daemons:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
signal.signal(signal.SIGTERM, stop)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
    except InterruptedError:
        pass
EOF
	started+=($!)
	for i in $(seq 30); do timeout 10 virsh -c "$uri" version >/dev/null 2>&1 && break; sleep 1; done
fi
if ! timeout 20 virsh -c "$uri" version >"$logs/version.log" 2>&1; then
	for c in create-exit console ports storage status-gone name-twice destroy; do
		result "$c" 0 "libvirtd does not answer on $uri: $(tail -1 "$logs/version.log")"
	done
	echo "virsh: $pass passed, $fail failed"
	exit 1
fi
sed 's/^/  /' "$logs/version.log" | grep -i 'running'

# boot NAME KEEL-VIRSH-ARGS...: build into $w/NAME and virsh create it.
boot() {
	local name=$1
	shift
	"$keel" virsh -q --accel tcg -o "$w/$name" -n "keel-test-$name" "$@" >"$logs/$name.log" 2>&1 || { echo "keel virsh: status $?" >>"$logs/$name.log"; return 1; }
	domains+=("keel-test-$name")
	timeout 60 virsh -c "$uri" create "$w/$name/keel-qemu.xml" >>"$logs/$name.log" 2>&1 || { echo "virsh create: status $?" >>"$logs/$name.log"; return 1; }
}
# gone NAME SECONDS: the domain has ended (the guest powered off).
gone() {
	local i
	for i in $(seq "$2"); do
		virsh -c "$uri" domstate "keel-test-$1" >/dev/null 2>&1 || return 0
		sleep 1
	done
	return 1
}
console_text() { tr -d '\r' <"$w/$1/console.log" 2>/dev/null; }

# The program's output and status in the console log; the domain ends.
# Its files on root.img (--root disk: the first virtio disk, root=/dev/vda).
if boot exit --root disk -- "$bb" sh -c 'echo "hello from $0 under libvirt"; exit 7' keel; then
	if ! gone exit 60; then
		result create-exit 0 "the domain still runs after 60 s: $(console_text exit | tail -2 | tr '\n' ' ')"
	elif console_text exit | grep -qx 'hello from keel under libvirt' &&
		grep -q 'root=/dev/vda' "$w/exit/keel-qemu.xml" &&
		[ "$(console_text exit | grep -a '^keel: shutdown status' | tail -1)" = 'keel: shutdown status 7' ]; then
		result create-exit 1
	else
		result create-exit 0 "console log: $(console_text exit | tail -4 | tr '\n' ' ')"
	fi
else
	result create-exit 0 "virsh create failed: $(tail -2 "$logs/exit.log" | tr '\n' ' ')"
fi
# libvirt saw the guest power off (ACPI), not QEMU fail: the domain's
# last line in libvirt's QEMU log is "shutting down, reason=shutdown".
if grep -a 'shutting down, reason=' /var/log/libvirt/qemu/keel-test-exit.log 2>/dev/null | tail -1 |
	grep -q 'reason=shutdown$'; then
	result status-gone 1
else
	result status-gone 0 "libvirt's log: $(tail -3 /var/log/libvirt/qemu/keel-test-exit.log | tr '\n' ' ')"
fi

# virsh console: typed input reaches the program, its answer comes back,
# and the console ends with the domain.
if command -v script >/dev/null; then
	"$keel" virsh -q --accel tcg -o "$w/console" -n keel-test-console \
		-- "$bb" sh -c 'echo ready; read x; echo "got:$x"; exit 3' >"$logs/console.log" 2>&1
	domains+=(keel-test-console)
	rm -f "$w/console.in" && mkfifo "$w/console.in"
	timeout 120 script -qec "virsh -c $uri create $w/console/keel-qemu.xml --console" /dev/null \
		<"$w/console.in" >"$logs/console.out" 2>&1 &
	spid=$!
	exec 3>"$w/console.in"
	for i in $(seq 600); do grep -qa ready "$logs/console.out" && break; sleep 0.1; done
	sleep 0.5
	printf 'hello\r' >&3
	wait "$spid"
	rc=$?
	exec 3>&-
	got=$(tr -d '\r' <"$logs/console.out")
	if [[ $got == *$'\ngot:hello\n'* ]] && [[ $got == *'keel: shutdown status 3'* ]]; then
		result console 1
	else
		result console 0 "status $rc, output $(printf %q "$(tail -c 400 <<<"$got")")"
	fi
else
	result console 0 "script (bsdutils) is missing"
fi

# The port forward: busybox httpd in the guest answers curl on the host.
mkdir -p "$w/www"
echo 'a page from keel under libvirt' >"$w/www/index.html"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if boot ports -p "$port:80" -f "$w/www:/srv" -- "$bb" httpd -f -p 80 -h /srv; then
	got=
	for i in $(seq 60); do
		got=$(curl -s -m 2 "http://127.0.0.1:$port/") && [ -n "$got" ] && break
		sleep 1
	done
	if [ "$got" = 'a page from keel under libvirt' ]; then
		result ports 1
	else
		result ports 0 "curl got '$got'; console: $(console_text ports | tail -3 | tr '\n' ' ')"
	fi
	# virsh destroy stops a program that does not end by itself.
	if timeout 30 virsh -c "$uri" destroy keel-test-ports >>"$logs/ports.log" 2>&1 && gone ports 10; then
		result destroy 1
	else
		result destroy 0 "virsh destroy: $(tail -1 "$logs/ports.log")"
	fi
else
	result ports 0 "virsh create failed: $(tail -2 "$logs/ports.log" | tr '\n' ' ')"
	result destroy 0 "nothing to destroy"
fi

# A disk (read-only ext2) and a host directory, read in the guest; the
# guest writes in the directory libvirt's QEMU user owns.
qemu_user=$(sed -nE 's/^user = "(.*)"/\1/p' /etc/libvirt/qemu.conf)
chown "${qemu_user:-libvirt-qemu}" "$w/vol" 2>/dev/null
if boot storage --disk "$w/d.img:/data:ro" -v "$w/vol:/vol" -- "$bb" sh -c 'cat /data/a.txt /vol/b.txt; echo new >/vol/c.txt'; then
	gone storage 60
	if console_text storage | grep -qx disk-data && console_text storage | grep -qx vol-data &&
		[ "$(cat "$w/vol/c.txt" 2>/dev/null)" = new ] &&
		console_text storage | grep -qx 'keel: shutdown status 0'; then
		result storage 1
	else
		result storage 0 "console: $(console_text storage | tail -4 | tr '\n' ' '); c.txt: $(cat "$w/vol/c.txt" 2>&1)"
	fi
else
	result storage 0 "virsh create failed: $(tail -2 "$logs/storage.log" | tr '\n' ' ')"
fi

# A second domain of the same name while the first runs: libvirt refuses
# it, and the first goes on.
if boot twice -- "$bb" sleep 30; then
	timeout 60 virsh -c "$uri" create "$w/twice/keel-qemu.xml" >"$logs/twice2.log" 2>&1
	rc=$?
	state=$(virsh -c "$uri" domstate keel-test-twice 2>&1)
	if [ "$rc" != 0 ] && grep -qi 'already exists' "$logs/twice2.log" && [[ $state == running* ]]; then
		result name-twice 1
	else
		result name-twice 0 "status $rc: $(grep . "$logs/twice2.log" | tail -1); the first: $state; $(console_text twice | tail -2 | tr '\n' ' ')"
	fi
	virsh -c "$uri" destroy keel-test-twice >/dev/null 2>&1
else
	result name-twice 0 "virsh create failed: $(tail -2 "$logs/twice.log" | tr '\n' ' ')"
fi

echo "SKIP virsh-xen-native: virsh domxml-to-native xen-xl needs libvirt's libxl driver on a Xen host (none here); the Xen XML is checked by schema and against keel xl above"
echo "virsh: $pass passed, $fail failed"
[ "$fail" = 0 ]
