#!/bin/bash
# qemu-boot.sh MACHINE MEM CMDLINE LOG [EXTRA QEMU ARGS...] - boot build/keel.elf
# once under QEMU TCG and print QEMU's exit status. The serial console goes to
# LOG. Bounded by BOOT_TIMEOUT seconds (default 60); a timeout prints 124.
set -u
machine=$1 mem=$2 cmdline=$3 log=$4
shift 4
timeout -k 5 "${BOOT_TIMEOUT:-60}" "${QEMU:-qemu-system-x86_64}" \
	-M "$machine" -accel tcg -cpu max -m "$mem" \
	-nodefaults -nographic -serial stdio -no-reboot \
	-kernel "${KEEL_ELF:-build/keel.elf}" -append "$cmdline" "$@" \
	</dev/null >"$log" 2>&1
echo $?
