#!/bin/sh
# ksyms.sh ELF - print the assembly for keel's symbol table (.ksyms): every
# text symbol of ELF, sorted by address, with its name. Used between the two
# link passes of keel.elf (see Makefile); an ELF of "-" gives an empty table.
set -eu
echo '	.section .ksyms, "a"'
echo '	.p2align 3'
if [ "$1" = "-" ]; then
	printf '	.globl ksyms_count\nksyms_count: .quad 0\n	.globl ksyms\nksyms:\n	.globl ksyms_names\nksyms_names: .byte 0\n'
	exit 0
fi
nm -n "$1" | awk '
	BEGIN { n = 0 }
	NF == 3 && $2 ~ /^[tTwW]$/ && $3 !~ /^(\.|_text$|_etext$)/ { addr[n] = $1; name[n] = $3; n++ }
	END {
		printf "\t.globl ksyms_count\nksyms_count: .quad %d\n", n
		printf "\t.globl ksyms\nksyms:\n"
		off = 0
		for (i = 0; i < n; i++) {
			printf "\t.quad 0x%s\n\t.long %d, 0\n", addr[i], off
			off += length(name[i]) + 1
		}
		printf "\t.globl ksyms_names\nksyms_names:\n"
		for (i = 0; i < n; i++)
			printf "\t.asciz \"%s\"\n", name[i]
	}'
