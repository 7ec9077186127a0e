#!/bin/bash
# hostcheck.sh ACCEL [OUTDIR] - build the host check guest (hostcheck.S,
# hostcheck.c: no keel code) and boot it under QEMU with ACCEL (tcg or
# kvm) on microvm. Prints its report lines and one verdict:
#   hostcheck: verdict sound
#   hostcheck: verdict defective: REASONS
# sound: a turn of a two-instruction loop costs under 500 cycles in ring 0, SYSCALL from ring 3
# enters ring 0, and ldmxcsr runs in ring 0 - what keel's kernel relies
# on, and what hardware virtualization and TCG give. Under kvm it also
# says whether QEMU takes plain -cpu host here (keel run drops
# arch-capabilities, docs/kvm.md). Exit 0 with a verdict, 1 if the check
# itself could not run (no compiler, no QEMU, no output).
set -u
accel=${1:?usage: hostcheck.sh tcg|kvm [OUTDIR]}
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here/../../build/kvm-hostcheck}
mkdir -p "$out"
cflags=(-O2 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mno-sse -mno-mmx
	-fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables)
if ! gcc -c "${cflags[@]}" "$here/hostcheck.c" -o "$out/hostcheck-c.o" ||
	! gcc -c "$here/hostcheck.S" -o "$out/hostcheck-s.o" ||
	! ld -static -nostdlib -T "$here/hostcheck.ld" -z max-page-size=4096 \
		-z noexecstack --no-warn-rwx-segments \
		"$out/hostcheck-s.o" "$out/hostcheck-c.o" -o "$out/hostcheck.elf"; then
	echo "hostcheck: cannot build the check guest"
	exit 1
fi

# The guest ends in well under a second; an emulation failure leaves QEMU
# paused until the timeout. (A subshell: the shell's "Aborted" notice of a
# QEMU that asserts goes to /dev/null, QEMU's own words to LOG.)
boot() { # CPU LOG: QEMU's output in LOG, its status returned
	(timeout 8 qemu-system-x86_64 -M microvm -accel "$accel" -cpu "$1" -m 32M \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$out/hostcheck.elf" </dev/null >"$2" 2>&1
	exit $?) 2>/dev/null
}

case $accel in
tcg) cpu=max ;;
kvm) cpu=host,-arch-capabilities ;;
*)
	echo "hostcheck: accelerator $accel: want tcg or kvm"
	exit 1
	;;
esac
log=$out/$accel.log
boot "$cpu" "$log"
rc=$?
grep -a '^hostcheck: ' "$log" | tr -d '\r'
if ! grep -aq '^hostcheck: up' "$log"; then
	echo "hostcheck: the check guest printed nothing (QEMU status $rc; $log)"
	exit 1
fi

why=()
per_turn() { # WHICH: the ring's TSC cycles per turn, in tenths
	grep -a "^hostcheck: ring $1 loop: " "$log" | head -1 |
		sed -E 's/.*: ([0-9]+)\.([0-9]) TSC.*/\1\2/'
}
r0=$(per_turn 0)
r3=$(per_turn 3)
if [ -z "$r0" ] || [ -z "$r3" ]; then
	why+=("the loops were not timed")
elif r0=$((10#$r0)) r3=$((10#$r3)) && [ "$r0" -gt 5000 ]; then
	# Over 500 cycles for a dec/jnz turn: hardware takes about 1, TCG
	# 10-50; this is an instruction emulator (one sample of ring 3 can
	# be inflated by a host preemption, so it is not the yardstick).
	why+=("ring 0 takes $((r0 / 10)) TSC cycles per loop turn, ring 3 $((r3 / 10)).$((r3 % 10)) (an instruction emulator)")
fi
if ! grep -aq '^hostcheck: syscall from ring 3 ran its target in ring 0' "$log"; then
	why+=("SYSCALL from ring 3 does not enter ring 0")
fi
if ! grep -aq '^hostcheck: ldmxcsr in ring 0: ok' "$log"; then
	if grep -aq 'KVM internal error' "$log"; then
		why+=("ldmxcsr in ring 0 stops the guest (KVM internal error, emulation failure)")
	else
		why+=("ldmxcsr in ring 0 did not complete (QEMU status $rc)")
	fi
fi
if [ "$accel" = kvm ]; then
	boot host "$out/kvm-cpu-host.log"
	if grep -aq '^hostcheck: up' "$out/kvm-cpu-host.log"; then
		echo "hostcheck: -cpu host: accepted"
	else
		echo "hostcheck: -cpu host: refused: $(grep -a -m1 -iE 'error|failed|assert' "$out/kvm-cpu-host.log")"
	fi
fi
if [ ${#why[@]} = 0 ]; then
	echo "hostcheck: verdict sound"
else
	reasons=$(printf '%s; ' "${why[@]}")
	echo "hostcheck: verdict defective: ${reasons%; }"
fi
exit 0
