#!/bin/bash
# run.sh - run Debian's ljsyscall test suite (lua-ljsyscall) with luajit on
# the host (the reference), inside keel under QEMU, and inside keel on the
# real Xen hypervisor nested under QEMU (tests/xen), and record the results.
#
#   tests/ljsyscall/run.sh [options] [TEST...]
#
#   TEST        test_TABLE or test_TABLE.test_NAME (default: the whole suite)
#   --host      the host run          --keel   the keel run (QEMU)
#   --xen       the keel run on nested Xen (keel xl + tests/xen/run.sh)
#               (none of the three: --host --keel)
#   --show      also print the suite's output (keel's as it comes; Xen's
#               when the guest has ended, dom0 prints the console log then)
#               and close with "ljsyscall: N passed, M failed of T (where)"
#   --root      the suite as root, its *_root tests kept (336 tests, not
#               275): the host's run must be root (the suite then runs
#               them in new namespaces); keel's program is root of its own
#               VM and runs them on keel's own interfaces, mounts and host
#               name (lib.sh, ljs_keep_root). Outputs host-root.*,
#               keel-root.*, xen-root.*; the list is causes-root.txt.
#   --as NAME   name keel's or Xen's outputs NAME.* instead of keel.*/xen.*
#   -k WORD     add WORD to keel's kernel command line; with -k keel.strace
#               keel.txt lists the failing syscalls under each failing test
#   -t SECONDS  keel's time limit (default 600; on Xen the guest's)
#   --accel A   keel's accelerator under QEMU (default tcg)
#   --seed N    keel.seed=N for keel's runs (default 1), or "random": with a
#               fixed seed keel's run repeats exactly. Debian's LuaJIT 2.1
#               has a JIT bug that makes FFI fields vanish ("invalid index
#               msg_iov") in a few percent of runs, on the host as well
#               (docs/testing.md); a fixed seed keeps keel's run off it.
#
# The suite's tree is assembled in build/ljsyscall/suite (lib.sh,
# ljs_assemble). The keel image is kept in build/ljsyscall/image (QEMU:
# keel.elf, initrd.cpio) and build/ljsyscall/xl (Xen: also keel.cfg).
# Outputs in build/ljsyscall/:
#   host.log, keel.log, xen.log   the runs' output (xen.serial: the whole
#                                 serial log of the nested Xen run);
#                                 with --root host-root.log and so on
#   host.txt, keel.txt, xen.txt   pass count, end reached or not, failing
#                                 tests with their first error line, keel's
#                                 "not implemented" lines
# Exits 0 when the runs it was asked for reached the suite's end.
set -euo pipefail
exec </dev/null # nothing here reads a terminal (QEMU's stdio console)
. "$(dirname "$0")/lib.sh"
root=$ljs_root out=$ljs_out

do_host=0 do_keel=0 do_xen=0 show=0 root_mode=0 name='' kargs=() ktimeout=600 accel=tcg seed=1
while [ $# -gt 0 ]; do
	case "$1" in
	--host) do_host=1 ;;
	--keel) do_keel=1 ;;
	--xen) do_xen=1 ;;
	--show) show=1 ;;
	--root) root_mode=1 ;;
	--as) name=$2; shift ;;
	-k) kargs+=(-k "$2"); shift ;;
	-t) ktimeout=$2; shift ;;
	--accel) accel=$2; shift ;;
	--seed) seed=$2; shift ;;
	-h | --help) sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $((do_host + do_keel + do_xen)) -gt 0 ] || do_host=1 do_keel=1
case $seed in
random) ;;
*[!0-9]* | '') echo "run.sh: --seed wants a number or random, not '$seed'" >&2; exit 2 ;;
*) kargs+=(-k "keel.seed=$seed") ;;
esac

if ! ljs_installed; then
	echo "run.sh: lua-ljsyscall is not installed (apt-get install lua-ljsyscall)" >&2
	exit 2
fi
if [ $((do_keel + do_xen)) -gt 0 ] && { [ ! -x "$root/build/keel" ] || [ ! -f "$root/build/keel.elf" ]; }; then
	echo "run.sh: build keel first (make)" >&2
	exit 2
fi
if [ "$root_mode" = 1 ] && [ "$do_host" = 1 ] && [ "$(id -u)" != 0 ]; then
	echo "run.sh: --root --host needs root on the host (the suite's reference run as root)" >&2
	exit 2
fi
sfx=''
[ "$root_mode" = 1 ] && sfx=-root
mkdir -p "$out"
ljs_assemble
read -ra guest_cmd <<<"$(ljs_keel_args)"

ok=0 closing=()
# report NAME LOG STATUS WHERE: the summary file, two lines on stdout, and
# with --show the closing line (printed last).
report() {
	local n=$1 log=$2 st=$3 where=$4 total
	ljs_summarize "$log" "$st" "$where" >"$out/$n.txt"
	grep -E '^(result|end reached):' "$out/$n.txt" | sed "s/^/  $n /"
	grep -q '^end reached: yes' "$out/$n.txt" || ok=1
	if [ "$show" = 1 ]; then
		total=$(ljs_total "$log")
		closing+=("ljsyscall: ${total:-$(sed -n 's/^result: //p' "$out/$n.txt")} ($where)")
	fi
}

if [ "$do_host" = 1 ]; then
	echo "ljsyscall: host run (luajit $(luajit -v 2>&1 | awk '{print $2}'))"
	st=0
	(cd "$ljs_suite" && timeout -k 5 600 luajit test/test.lua "$@") >"$out/host$sfx.log" 2>&1 || st=$?
	report "host$sfx" "$out/host$sfx.log" "$st" "host (Linux $(uname -r))"
	# Files the suite leaves behind when it stops early must not reach keel.
	ljs_assemble
fi
# keel's root run: the tree keeps the *_root tests without namespaces (only
# after the host's run, which must keep them inside its namespaces).
if [ "$root_mode" = 1 ] && ! ljs_keep_root; then
	echo "run.sh: --root: test.lua has no unshare(newnet, newns, newuts) line to take as done" >&2
	exit 2
fi

if [ "$do_keel" = 1 ]; then
	n=${name:-keel$sfx}
	echo "ljsyscall: keel run (--accel $accel -t $ktimeout ${kargs[*]}; image in build/ljsyscall/image)"
	st=0
	# keel run builds the image (as keel build does) into -o, then boots it.
	cmd=("$root/build/keel" run -q --kernel "$root/build/keel.elf" -o "$out/image"
		--accel "$accel" -t "$ktimeout" -m "${ljs_mem_mib}M" ${kargs[@]+"${kargs[@]}"}
		"${guest_cmd[@]}" "$@")
	# Bounded twice: keel's own -t, and a host limit a little beyond it.
	if [ "$show" = 1 ]; then
		timeout -k 5 $((ktimeout + 60)) "${cmd[@]}" 2>&1 | tr -d '\r' | tee "$out/$n.log" || st=${PIPESTATUS[0]}
	else
		timeout -k 5 $((ktimeout + 60)) "${cmd[@]}" 2>&1 | tr -d '\r' >"$out/$n.log" || st=${PIPESTATUS[0]}
	fi
	report "$n" "$out/$n.log" "$st" "keel, QEMU --accel $accel"
fi

if [ "$do_xen" = 1 ]; then
	n=${name:-xen$sfx}
	echo "ljsyscall: keel on Xen (nested under QEMU TCG; guest limit $ktimeout s, ${ljs_mem_mib} MiB)"
	rm -rf "$out/xl"
	"$root/build/keel" xl -q --kernel "$root/build/keel.elf" -o "$out/xl" --guest-dir /guest \
		-m "$ljs_mem_mib" -k keel.quiet ${kargs[@]+"${kargs[@]}"} "${guest_cmd[@]}" "$@"
	st=0
	t0=$SECONDS
	bash "$root/tests/xen/run.sh" --xl-dir "$out/xl" --timeout "$ktimeout" \
		--log "$out/$n.serial" >"$out/$n.bed" 2>&1 || st=$?
	# The guest's console, as dom0 printed it: "[ stamp] guest: LINE".
	sed -nE 's/^\[ *[0-9.]+\] guest: //p' "$out/$n.serial" | tr -d '\r' >"$out/$n.log"
	[ "$show" = 1 ] && cat "$out/$n.log"
	grep -E '^(XENBED-RESULT|xenbed: )' "$out/$n.bed" | sed 's/^/  /' || true
	echo "  (tests/xen/run.sh exit $st after $((SECONDS - t0)) s; serial log $out/$n.serial)"
	report "$n" "$out/$n.log" "$st" "keel, Xen 4.17 nested under QEMU TCG"
fi
echo "ljsyscall: details in $out/*.txt"
for l in ${closing[@]+"${closing[@]}"}; do echo "$l"; done
exit $ok
