#!/usr/bin/env python3
"""embed-initrd.py KERNEL_ELF ARCHIVE OUT_ELF - embed an initrd in a copy of
keel.elf, exactly as `keel build --single` does (the reference for the C
tool; the protocol is in docs/boot.md, "Embedded initrd"):

1. Find the section named .keel.initrd; its 24 bytes at sh_offset must be
   "KEELEMB1", paddr 0, size 0 (a kernel that has no initrd yet).
2. Append the archive to the file at the next 4096-aligned offset.
3. Add a PT_LOAD for it: p_paddr = the highest PT_LOAD's p_paddr + p_memsz,
   rounded up to 4096; p_vaddr = p_paddr + that segment's p_vaddr - p_paddr;
   p_filesz = p_memsz = archive size; p_flags = PF_R; p_align = 4096.
4. Write the program header table, old entries then the new one, at the end
   of the file (8-aligned) and point e_phoff/e_phnum at it. The old table
   stays where it was, unused; section headers are untouched.
5. Write paddr and size (little-endian u64) at sh_offset + 8 and + 16."""
import struct
import sys

PT_LOAD, PF_R, PAGE = 1, 4, 4096
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
SHDR = struct.Struct("<IIQQQQIIQQ")
DESC = struct.Struct("<8sQQ")
MAGIC = b"KEELEMB1"


def align(n, a):
    return (n + a - 1) // a * a


def die(msg):
    sys.exit("embed-initrd: " + msg)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    elf = bytearray(open(sys.argv[1], "rb").read())
    cpio = open(sys.argv[2], "rb").read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        die("not a 64-bit little-endian ELF file")
    (ident, etype, mach, ver, entry, phoff, shoff, flags, ehsize, phentsize,
     phnum, shentsize, shnum, shstrndx) = EHDR.unpack_from(elf, 0)
    if phentsize != PHDR.size or shentsize != SHDR.size:
        die("unexpected header sizes")
    phdrs = [PHDR.unpack_from(elf, phoff + i * PHDR.size) for i in range(phnum)]
    shdrs = [SHDR.unpack_from(elf, shoff + i * SHDR.size) for i in range(shnum)]
    stroff = shdrs[shstrndx][4]

    def secname(sh):
        start = stroff + sh[0]
        return bytes(elf[start:elf.index(b"\0", start)]).decode()

    desc = [sh for sh in shdrs if secname(sh) == ".keel.initrd"]
    if len(desc) != 1 or desc[0][5] < DESC.size:
        die("no .keel.initrd section: not a keel kernel?")
    doff = desc[0][4]
    magic, paddr, size = DESC.unpack_from(elf, doff)
    if magic != MAGIC:
        die(".keel.initrd has no KEELEMB1 magic")
    if paddr or size:
        die("the kernel already has an embedded initrd")
    if not cpio:
        die("the archive is empty")

    loads = [p for p in phdrs if p[0] == PT_LOAD]
    top = max(loads, key=lambda p: p[4] + p[6])
    paddr = align(top[4] + top[6], PAGE)
    vaddr = (paddr + top[3] - top[4]) & ((1 << 64) - 1)
    data_off = align(len(elf), PAGE)
    elf += bytes(data_off - len(elf)) + cpio
    new = (PT_LOAD, PF_R, data_off, vaddr, paddr, len(cpio), len(cpio), PAGE)
    ph_off = align(len(elf), 8)
    elf += bytes(ph_off - len(elf))
    for p in phdrs + [new]:
        elf += PHDR.pack(*p)
    EHDR.pack_into(elf, 0, ident, etype, mach, ver, entry, ph_off, shoff,
                   flags, ehsize, phentsize, phnum + 1, shentsize, shnum,
                   shstrndx)
    DESC.pack_into(elf, doff, MAGIC, paddr, len(cpio))
    with open(sys.argv[3], "wb") as f:
        f.write(elf)
    print("embed-initrd: %d bytes at paddr 0x%x (vaddr 0x%x), file offset 0x%x"
          % (len(cpio), paddr, vaddr, data_off))


if __name__ == "__main__":
    main()
