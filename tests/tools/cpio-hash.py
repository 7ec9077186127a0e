#!/usr/bin/env python3
"""cpio-hash.py ARCHIVE - the host side of the kernel's `initrd` self-test
(kernel/selftests/initrd.c): walk a newc cpio archive as lib/cpio.c does
and print the FNV-1a 64-bit hash the kernel prints as "initrd: hash H".

The hashed bytes: for each entry before TRAILER!!!, in archive order, its
name without the NUL, then its c_filesize data bytes. No separators, no
padding, no header fields. Prints "HASH ENTRIES"; exits 1 on a malformed
archive."""
import sys

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def fnv1a(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return h


def pad4(n):
    return (4 - (n & 3)) & 3


def walk(buf):
    """Yield (name bytes, data bytes) per entry; raise ValueError if bad."""
    pos = 0
    while True:
        if len(buf) - pos < 110:
            raise ValueError("archive ends inside a header at byte %d" % pos)
        h = buf[pos:pos + 110]
        if h[:6] != b"070701":
            raise ValueError("bad magic at byte %d" % pos)
        fields = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        filesize, namesize = fields[6], fields[11]
        name_end = 110 + namesize
        name = buf[pos + 110:pos + name_end - 1]
        name_end += pad4(name_end)
        data = buf[pos + name_end:pos + name_end + filesize]
        if len(data) != filesize:
            raise ValueError("archive ends inside data at byte %d" % pos)
        if name == b"TRAILER!!!":
            return
        yield name, data
        pos += name_end + filesize + pad4(filesize)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        buf = f.read()
    h, n = FNV_OFFSET, 0
    try:
        for name, data in walk(buf):
            h = fnv1a(fnv1a(h, name), data)
            n += 1
    except ValueError as e:
        print("cpio-hash: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
    print("%016x %d" % (h, n))


if __name__ == "__main__":
    main()
