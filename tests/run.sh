#!/bin/bash
# run.sh - every test of keel, as `make test` runs it (with --build: the
# Debian packages and the build first): the layering rule, the host unit
# tests (cmocka, ASan and UBSan), then the suites (tests/suite.sh): style,
# the harness's own test, the layering check on planted violations, a
# brief fuzz of the ELF and cpio readers and of lwIP's frame input, the boot tests under QEMU, the
# host tool, servers in keel answering the host's clients, Linux programs,
# a host directory shared over virtio-9p,
# the ljsyscall conformance test, KVM where it works, one boot on nested
# Xen, and the fast network cases against Linux's stack over a TAP
# (tests/net/run.sh fast; without root they fail with the reason). Prints
# one total at the end,
# "N passed, N failed", and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
# Nothing here reads a terminal: QEMU's stdio console would set a
# terminal's modes and, in timeout(1)'s background process group, stop.
exec </dev/null
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
. tests/suite.sh

# With --build (make test): first the Debian packages (scripts/deps.sh)
# and the build, each a case, so that a failed step still ends in a total.
if [ "${1:-}" = --build ]; then
	echo "== dependencies (scripts/deps.sh)"
	if sh scripts/deps.sh; then ok deps; else bad "deps: scripts/deps.sh failed"; fi
	echo "== build (make all fuzz-build)"
	if "${MAKE:-make}" --no-print-directory all fuzz-build; then
		ok build
	else
		bad "build: make all fuzz-build failed"
		echo "$pass passed, $fail failed"
		exit 1
	fi
fi

echo "== layering: calls point down (linux/ -> fs/, net/ -> kernel/ -> arch, hyper.h)"
# Includes (no platform or driver header in the portable kernel) and, with
# nm on build/k, no call or reference from a lower layer to a higher one.
if out=$(bash scripts/check-layers.sh build 2>&1); then
	ok "layering: $(echo "$out" | tail -1)"
else
	echo "$out"
	bad "layering: scripts/check-layers.sh (docs/design.md, \"Layers\")"
fi

echo "== unit tests (host, ASan+UBSan)"
# The hosted watchdog (plat/hosted/boot.c, 60 s by default) is for a hang:
# test_ext2 took 10 s alone and 42 s at a load average of 10 (now split
# in three, test_ext2_write the longest).
export KEEL_HOSTED_TIMEOUT=${KEEL_HOSTED_TIMEOUT:-240}
shopt -s nullglob
units=(tests/unit/test_*.c)
[ ${#units[@]} -gt 0 ] || bad "unit: no tests/unit/test_*.c"
for src in "${units[@]}"; do
	unit "build/unit/$(basename "$src" .c)"
done


suite "style (clang-format)" 300 bash tests/style.sh
suite "the test harness itself: planted failures must fail" 300 bash tests/harness/run.sh
suite "layering check on planted violations (tests/layering)" 120 \
	bash tests/layering/run.sh
suite "fuzzers (libFuzzer on lib/elf.c, lib/cpio.c, frames into lwIP, socket calls, 9P replies, the PVH start info, ACPI tables, the terminal line discipline, /proc/sys writes and xenstore replies, 12 s each; make fuzz runs longer)" 300 \
	bash tests/fuzz/run.sh 12
suite "boot tests (QEMU TCG)" 900 bash tests/boot/run.sh
suite "host tool (keel build, run, xl, ldd)" 900 bash tests/tool/run.sh
suite "the README's quick start as written: install, luajit, python3 with --deb, a page served and fetched" 900 \
	bash tests/tool/quickstart.sh
suite "what keel packs: package data, --deb python3 and perl, #! scripts, every ELF's libraries, memory (QEMU TCG)" 600 \
	bash tests/tool/pack.sh
suite "accounts: base-passwd's and the packed packages' system users in /etc/passwd and /etc/group, none of the host's people; getpwnam, setuid and nginx -t in the guest (QEMU TCG)" 300 \
	bash tests/tool/accounts.sh
suite "the manifest (keel -c FILE): every option a key, each key as its option, bad manifests refused" 300 \
	bash tests/tool/manifest.sh
suite "libvirt: keel virsh's domain XML validated, guests booted by virsh create under libvirtd (TCG)" 600 \
	bash tests/tool/virsh.sh
suite "bench/report.py on canned results: the keel/Linux table, its ratios and the plots" 120 \
	bash tests/tool/bench-report.sh
suite "debugging: keel run --gdb driven by Debian's gdb (static, PIE, dynamic, a script; their libraries), keel.strace's lines (QEMU TCG)" 600 \
	bash tests/tool/debug.sh
suite "servers in keel (patserve, nginx, python3 http.server, redis, busybox httpd) serve the host through keel run -p" 600 \
	bash tests/tool/servers.sh
suite "Linux programs in the guest (QEMU TCG)" 1500 bash tests/guest/run.sh
suite "/proc per process: busybox ps, top and /proc/1/stat against Linux's format (QEMU TCG)" 300 bash tests/guest/procfs.sh
suite "processes: fork, execve, wait, groups, a busybox sh script, popen, gawk, Python's subprocess and Pool, each against the host (QEMU TCG)" 900 \
	bash tests/proc/run.sh
suite "host directories over virtio-9p on pc, q35 and microvm, checked from the host (QEMU TCG)" 600 \
	bash tests/storage/9p.sh
suite "ljsyscall conformance: Debian's lua-ljsyscall suite in keel (QEMU TCG) and on the host" 600 \
	bash tests/ljsyscall/conformance.sh
suite "KVM (when it works here)" 900 bash tests/kvm/run.sh
suite "Xen (nested under QEMU TCG, fast subset; make test-xen runs all)" 900 \
	bash tests/xen/tests.sh fast
suite "Xen network: keel's nginx on the nested bed's bridge, dom0 the client (fast subset; make test-xen runs all)" 600 \
	bash tests/xen/net.sh keel fast
suite "storage: the command line's mounts (fast subset; make test-storage runs all)" 600 \
	bash tests/storage/run.sh fast
suite "network against Linux's stack over a TAP in a namespace (fast subset; root; make test-net runs all)" 300 \
	bash tests/net/run.sh fast

for s in "${short[@]}"; do echo "suite fell short: $s"; done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
