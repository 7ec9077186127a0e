#!/bin/bash
# run.sh - the boot tests: the same build/keel.elf on microvm, pc and q35
# under QEMU TCG, with 16 MiB and 2 GiB, running the in-kernel self-tests;
# the deliberate crashes (each must name its function in the backtrace and
# end with the panic status); shutdown without isa-debug-exit (ACPI). Each
# case prints "PASS name" or "FAIL name: why"; logs stay in build/boot-logs.
set -u
cd "$(dirname "$0")/../.."
here=tests/boot
logs=build/boot-logs
mkdir -p "$logs"
EXIT_DEV=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)

prefix=
. tests/lib.sh

# QEMU exits with (status << 1) | 1 through isa-debug-exit.
status_of() { echo $(( $1 >> 1 )); }

selftests() { # machine mem
	local name="selftest-$1-$2" log="$logs/selftest-$1-$2.log" rc n
	rc=$(bash $here/qemu-boot.sh "$1" "$2" "keel.test=all" "$log" "${EXIT_DEV[@]}")
	n=$(sed -n 's/^selftests: \([0-9]*\) passed, 0 failed.*/\1/p' "$log" | tr -d '\r')
	if [ "$rc" != 1 ]; then
		result "$name" 0 "QEMU exit $rc, want 1 (guest status 0)"
	elif [ -z "$n" ] || [ "$n" -lt 10 ]; then
		result "$name" 0 "expected at least 10 self-tests passing, got '${n:-none}'"
	else
		result "$name" 1
	fi
}

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

for m in microvm pc q35; do
	for mem in 16 2048; do
		selftests $m $mem
	done
done
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

echo "boot: $pass passed, $fail failed"
[ "$fail" = 0 ]
