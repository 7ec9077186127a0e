#!/bin/bash
# run.sh - the boot tests: the same build/keel.elf on microvm, pc and q35
# under QEMU TCG, with 16 MiB and 2 GiB, running the in-kernel self-tests
# (and the drivers' interrupts on each, IOAPIC or polled without ACPI);
# virtio-net answering ARP on each machine (and skipped without one);
# virtio-blk writing an image the host checks (tests/boot/blk.sh);
# the deliberate crashes (each must name its function in the backtrace and
# end with the panic status); shutdown without isa-debug-exit (ACPI). Each
# case prints "PASS name" or "FAIL name: why"; logs stay in build/boot-logs.
# Then the initrd: boot module and embedded archive, the job it names.
# `run.sh blk` runs the virtio-blk cases alone.
set -u
cd "$(dirname "$0")/../.."
here=tests/boot
logs=build/boot-logs
mkdir -p "$logs"
EXIT_DEV=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)

prefix=
. tests/lib.sh
. $here/blk.sh
if [ "${1:-}" = blk ]; then
	plan $BLK_CASES
	blk_tests
	echo "boot: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi
plan $((36 + BLK_CASES))

# QEMU exits with (status << 1) | 1 through isa-debug-exit.
status_of() { echo $(( $1 >> 1 )); }

# Every self-test of tests/boot/selftests.txt must pass; the initrd gives
# the initrd self-test its archive (build/boot-selftests.cpio, made below).
selftests() { # machine mem
	local name="selftest-$1-$2" log="$logs/selftest-$1-$2.log" rc why
	rc=$(bash $here/qemu-boot.sh "$1" "$2" "keel.test=all" "$log" "${EXIT_DEV[@]}" -initrd "$st_initrd")
	why=$(selftests_check "$log")
	if [ "$rc" != 1 ]; then
		result "$name" 0 "QEMU exit $rc, want 1 (guest status 0)"
	elif [ "$why" != ok ]; then
		result "$name" 0 "$why"
	else
		result "$name" 1
	fi
}
st_initrd=build/boot-selftests.cpio
mkdir -p build
selftests_initrd "$st_initrd"

crash() { # test-name expected-text function-in-backtrace
	local name="crash-$1" log="$logs/crash-$1.log" rc
	rc=$(bash $here/qemu-boot.sh microvm 64 "keel.test=$1" "$log" "${EXIT_DEV[@]}")
	if [ "$rc" = 124 ]; then
		result "$name" 0 "guest did not stop"
	elif [ "$(status_of "$rc")" != 127 ]; then
		result "$name" 0 "QEMU exit $rc, want guest status 127 (panic)"
	elif ! grep -q "keel: panic: .*$2" "$log"; then
		result "$name" 0 "no panic line with '$2'"
	elif ! grep -qE "^  (#[0-9]+|jumped to from) [0-9a-f]{16} $3(\.[a-z]+\.[0-9]+)?\+0x" "$log"; then
		result "$name" 0 "backtrace does not name $3"
	else
		result "$name" 1
	fi
}

acpi_off() { # machine
	local name="acpi-poweroff-$1" log="$logs/acpi-poweroff-$1.log" rc
	rc=$(BOOT_TIMEOUT=30 bash $here/qemu-boot.sh "$1" 64 "keel.test=clock" "$log")
	if [ "$rc" != 0 ]; then
		result "$name" 0 "QEMU exit $rc, want 0 (powered off)"
	elif ! grep -q "keel: shutdown status 0" "$log"; then
		result "$name" 0 "no clean shutdown line"
	else
		result "$name" 1
	fi
}

# Drivers' interrupts (docs/drivers.md): the 16550's input comes by IRQ 4
# through the IOAPIC the MADT lists, and the self-tests msi (a vector's
# message delivered to this CPU), serial-irq (bytes in loopback reach the
# ring through the interrupt, not skipped) and dma passed.
irqs() { # machine
	local name="irq-$1" log="$logs/selftest-$1-16.log"
	if ! grep -qE "^console: input by interrupt, irq 4 -> vector [0-9]+" "$log"; then
		result "$name" 0 "no 'console: input by interrupt, irq 4 -> vector N' line"
	elif ! grep -qE "^  serial-irq: 8 bytes by [0-9]+ interrupt" "$log"; then
		result "$name" 0 "serial-irq did not see its bytes arrive by interrupt"
	else
		for t in msi serial-irq dma; do
			grep -q "^selftest $t: ok" "$log" || { result "$name" 0 "self-test $t did not pass"; return; }
		done
		result "$name" 1
	fi
}

for m in microvm pc q35; do
	for mem in 16 2048; do
		selftests $m $mem
	done
	irqs $m
done
# Without ACPI there is no IOAPIC to find: binding fails, input is polled.
log="$logs/selftest-microvm-noacpi.log"
rc=$(bash $here/qemu-boot.sh microvm,acpi=off 16 "keel.test=all" "$log" "${EXIT_DEV[@]}")
if [ "$rc" = 1 ] && grep -q "^console: input by polling (irq 4: no IOAPIC" "$log"; then
	result irq-fallback-noacpi 1
else
	result irq-fallback-noacpi 0 "QEMU exit $rc (want 1), or no 'console: input by polling (irq 4: no IOAPIC' line"
fi
# virtio-net (docs/drivers.md): the self-test netdev-arp sends a raw ARP
# request for 10.0.2.2 through the driver and needs QEMU user networking's
# reply (restrict=on: nothing leaves QEMU). PCI on pc and q35 (MSI-X),
# behind a bridge, and polled without MSI-X; MMIO on microvm (found in
# the ACPI DSDT; the modern, not the legacy, transport).
# Without a device it must say skipped, not pass.
NETDEV=(-netdev user,id=n0,restrict=on)
netarp() { # name machine interrupts|polled device-args...
	local name="netdev-arp-$1" m=$2 how=$3 log="$logs/netdev-arp-$1.log" rc
	shift 3
	rc=$(bash $here/qemu-boot.sh "$m" 64 "keel.test=netdev-arp" "$log" "${EXIT_DEV[@]}" "$@")
	if [ "$rc" != 1 ]; then
		result "$name" 0 "QEMU exit $rc, want 1 (guest status 0)"
	elif ! grep -q "^selftest netdev-arp: ok" "$log"; then
		result "$name" 0 "netdev-arp did not pass: $(grep -a 'netdev-arp\|virtio' "$log" | tr -d '\r' | tr '\n' ' ')"
	elif ! grep -qE "^virtio .*: net eth0, mac 52:54:00:12:34:56, .*$how" "$log"; then
		result "$name" 0 "no 'virtio ...: net eth0, mac 52:54:00:12:34:56, ..., $how' line"
	else
		result "$name" 1
	fi
}
netarp pc pc interrupts "${NETDEV[@]}" -device virtio-net-pci,netdev=n0,romfile=
netarp q35 q35 interrupts "${NETDEV[@]}" -device virtio-net-pci,netdev=n0,romfile=
# Behind a PCIe root port (the scan follows bridges; a 64-bit BAR), and
# without MSI-X (vectors=0: the driver polls and says so).
netarp q35-bridge q35 interrupts -device pcie-root-port,id=rp1,chassis=1 "${NETDEV[@]}" \
	-device virtio-net-pci,netdev=n0,romfile=,bus=rp1
netarp pc-polled pc polled "${NETDEV[@]}" -device virtio-net-pci,netdev=n0,romfile=,vectors=0
netarp microvm microvm interrupts -global virtio-mmio.force-legacy=false "${NETDEV[@]}" -device virtio-net-device,netdev=n0
log="$logs/netdev-arp-none.log"
rc=$(bash $here/qemu-boot.sh pc 64 "keel.test=netdev-arp" "$log" "${EXIT_DEV[@]}")
if [ "$rc" = 1 ] && grep -q "^selftest netdev-arp: skipped" "$log" &&
	grep -q "netdev-arp: no network device" "$log"; then
	result netdev-arp-none 1
else
	result netdev-arp-none 0 "QEMU exit $rc (want 1), or no 'skipped' with its reason"
fi

# virtio-blk (tests/boot/blk.sh): the self-test blk on a scratch image the
# host checks byte by byte afterwards.
blk_tests

crash fault-null "page fault .*at address 0000000000000008: not present read" fault_null_target
crash fault-rodata "page fault .*protection violation write" fault_rodata_target
crash fault-nx "page fault .*instruction fetch" test_fault_nx
crash panic "self-test panic 42" test_panic
for m in microvm pc q35; do
	acpi_off $m
done

# 1 MiB through the serial console, complete and in order.
log="$logs/console-flood.log"
rc=$(bash $here/qemu-boot.sh microvm 16 "keel.test=console-flood" "$log" "${EXIT_DEV[@]}")
if [ "$rc" = 1 ] && why=$(python3 tests/tools/flood-check.py "$log" 2>&1); then
	result console-flood 1
else
	result console-flood 0 "QEMU exit $rc; $why"
fi

# An unknown self-test name is an error, not a silent pass.
log="$logs/unknown-test.log"
rc=$(bash $here/qemu-boot.sh microvm 64 "keel.test=no-such-test" "$log" "${EXIT_DEV[@]}")
if [ "$rc" = 3 ] && grep -q "no test matches" "$log"; then result unknown-test 1; else result unknown-test 0 "QEMU exit $rc"; fi

# The initrd (docs/boot.md): a boot module and an archive embedded in
# keel.elf, checked against a hash computed on the host from the same file;
# the program line and status 126 without keel.test=; "--" on the command
# line; malformed archives rejected without a panic.
rd=build/boot-initrd
rm -rf "$rd" && mkdir -p "$rd/root/.keel" "$rd/root/bin" "$rd/root/etc"
printf 'hello from the initrd\n' >"$rd/root/bin/hello"
head -c 70001 /dev/urandom >"$rd/root/bin/blob"
ln -s hello "$rd/root/bin/hi"
printf '# written by tests/boot/run.sh\narg /bin/hello\narg two words\narg q"\\\\\nenv PATH=/bin\nenv HOME=/\ncwd /etc\n' \
	>"$rd/root/.keel/run"
(cd "$rd/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$rd/good.cpio"
head -c 1000 "$rd/good.cpio" >"$rd/truncated.cpio"
head -c 4096 /dev/urandom >"$rd/garbage.cpio"
read -r want_hash want_entries < <(python3 tests/tools/cpio-hash.py "$rd/good.cpio")
want_prog='keel: program: /bin/hello "two words" "q\"\\"'

initrd_hash() { # name source log qemu-rc
	local got
	got=$(sed -n 's/^initrd: hash \([0-9a-f]*\).*/\1/p' "$3" | tr -d '\r')
	if [ "$4" != 1 ]; then
		result "$1" 0 "QEMU exit $4, want 1 (guest status 0)"
	elif ! grep -q "^initrd: [0-9]* bytes, ${want_entries:-?} entries ($2)" "$3"; then
		result "$1" 0 "no 'initrd: N bytes, ${want_entries:-?} entries ($2)' line"
	elif [ -z "$want_hash" ] || [ "$got" != "$want_hash" ]; then
		result "$1" 0 "hash '${got:-none}', host computed '${want_hash:-nothing}'"
	else
		result "$1" 1
	fi
}

log="$logs/initrd-module.log"
rc=$(bash $here/qemu-boot.sh microvm 16 "keel.test=initrd" "$log" "${EXIT_DEV[@]}" -initrd "$rd/good.cpio")
initrd_hash initrd-module module "$log" "$rc"

log="$logs/initrd-program.log"
rc=$(bash $here/qemu-boot.sh microvm 16 "" "$log" "${EXIT_DEV[@]}" -initrd "$rd/good.cpio")
if [ "$rc" != 253 ]; then
	result initrd-program 0 "QEMU exit $rc, want 253 (guest status 126)"
elif ! tr -d '\r' <"$log" | grep -qxF "$want_prog"; then
	result initrd-program 0 "no line '$want_prog'"
elif ! grep -q "^keel: env: 2 variables, cwd: /etc" "$log"; then
	result initrd-program 0 "no 'keel: env: 2 variables, cwd: /etc' line"
elif ! grep -q "^keel: cannot run /bin/hello: not an executable file" "$log"; then
	result initrd-program 0 "no 'cannot run /bin/hello: not an executable file' line"
else
	result initrd-program 1
fi

log="$logs/initrd-cmdline-args.log"
rc=$(bash $here/qemu-boot.sh microvm 16 '-- /bin/blob -x "a b" k=v' "$log" "${EXIT_DEV[@]}" -initrd "$rd/good.cpio")
if [ "$rc" = 253 ] && grep -q '^keel: program: /bin/blob -x "a b" k=v' "$log" &&
	grep -q "^keel: env: 2 variables, cwd: /etc" "$log"; then
	result initrd-cmdline-args 1
else
	result initrd-cmdline-args 0 "QEMU exit $rc (want 253), or no program line from the words after --"
fi

log="$logs/initrd-none.log"
rc=$(bash $here/qemu-boot.sh microvm 16 "" "$log" "${EXIT_DEV[@]}")
if [ "$rc" = 3 ] && grep -q "^initrd: none" "$log" && grep -q "^keel: nothing to run" "$log"; then
	result initrd-none 1
else
	result initrd-none 0 "QEMU exit $rc (want 3), or no 'initrd: none' / 'nothing to run' lines"
fi

for bad in truncated garbage; do
	log="$logs/initrd-$bad.log"
	rc=$(bash $here/qemu-boot.sh microvm 16 "" "$log" "${EXIT_DEV[@]}" -initrd "$rd/$bad.cpio")
	if grep -q "keel: panic" "$log"; then
		result "initrd-$bad" 0 "kernel panic"
	elif [ "$rc" != 253 ]; then
		result "initrd-$bad" 0 "QEMU exit $rc, want 253 (guest status 126)"
	elif ! grep -q "^initrd: malformed archive (module, [0-9]* bytes) at byte [0-9]*, entry [0-9]*: .*; continuing without it" "$log"; then
		result "initrd-$bad" 0 "no 'initrd: malformed archive' line"
	else
		result "initrd-$bad" 1
	fi
done

# Embedded in keel.elf (the protocol keel build --single follows), on each
# machine; its pages must be kept from the allocator.
python3 tests/tools/embed-initrd.py build/keel.elf "$rd/good.cpio" "$rd/keel-single.elf" >/dev/null
for m in microvm pc q35; do
	log="$logs/initrd-embedded-$m.log"
	rc=$(KEEL_ELF="$rd/keel-single.elf" bash $here/qemu-boot.sh "$m" 16 "keel.test=initrd" "$log" "${EXIT_DEV[@]}")
	initrd_hash "initrd-embedded-$m" embedded "$log" "$rc"
done
free_of() { sed -n 's/^mem: .*, \([0-9]*\) KiB free.*/\1/p' "$1" | tr -d '\r'; }
f0=$(free_of "$logs/initrd-none.log") f1=$(free_of "$logs/initrd-embedded-microvm.log")
need=$(($(stat -c %s "$rd/good.cpio") / 1024))
if [ -n "$f0" ] && [ -n "$f1" ] && [ $((f0 - f1)) -ge "$need" ]; then
	result initrd-embedded-reserved 1
else
	result initrd-embedded-reserved 0 "free KiB without initrd '${f0:-?}', embedded '${f1:-?}': want $need KiB less"
fi

# An embedded archive larger than the guest's RAM: rejected, not read.
truncate -s 17M "$rd/big"
(cd "$rd" && echo big | cpio -o -H newc --quiet -R 0:0) >"$rd/big.cpio"
python3 tests/tools/embed-initrd.py build/keel.elf "$rd/big.cpio" "$rd/keel-big.elf" >/dev/null
log="$logs/initrd-embedded-too-big.log"
rc=$(KEEL_ELF="$rd/keel-big.elf" bash $here/qemu-boot.sh microvm 16 "" "$log" "${EXIT_DEV[@]}")
if [ "$rc" = 253 ] && grep -q "^initrd: rejected the embedded initrd .*not inside RAM" "$log"; then
	result initrd-embedded-too-big 1
else
	result initrd-embedded-too-big 0 "QEMU exit $rc (want 253), or no 'not inside RAM' rejection"
fi
rm -f "$rd/big" "$rd/big.cpio" "$rd/keel-big.elf"

echo "boot: $pass passed, $fail failed"
[ "$fail" = 0 ]
