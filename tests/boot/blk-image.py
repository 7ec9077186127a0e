#!/usr/bin/env python3
# blk-image.py make|want|check IMAGE [ro] - the disk of the blk self-test
# (kernel/selftests/blk.c, tests/boot/blk.sh). make: a 4 MiB raw image
# with a signature in sector 0, a pattern in sectors 1-63, zeros after;
# want: the image as the guest must leave it (tests/xen/blk.sh).
# check: the image holds exactly what the guest must leave: the host's
# sectors, and (unless ro) the guest's pattern in sectors 2048-2303
# (four threads) and 4096-4607 (one request); prints what differs.
import sys

SS = 512
SECTORS = 8192
SIGNATURE = b"keel blk selftest image v1\n"


def host_byte(s, i):
    return (s * 31 + i) & 0xFF


def guest_byte(s, i):
    return ((s * 13 + i * 7 + (i >> 8)) ^ 0xA5) & 0xFF


def image(written):
    img = bytearray(SECTORS * SS)
    img[0:len(SIGNATURE)] = SIGNATURE
    for s in range(1, 64):
        img[s * SS:(s + 1) * SS] = bytes(host_byte(s, i) for i in range(SS))
    if written:
        for s in list(range(2048, 2048 + 4 * 64)) + list(range(4096, 4096 + 512)):
            img[s * SS:(s + 1) * SS] = bytes(guest_byte(s, i) for i in range(SS))
    return img


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode in ("make", "want"):
        with open(path, "wb") as f:
            f.write(image(mode == "want"))
        return 0
    want = image(len(sys.argv) < 4 or sys.argv[3] != "ro")
    with open(path, "rb") as f:
        got = f.read()
    if len(got) != len(want):
        print("size %d, want %d" % (len(got), len(want)))
        return 1
    bad = [s for s in range(SECTORS) if got[s * SS:(s + 1) * SS] != want[s * SS:(s + 1) * SS]]
    if bad:
        print("%d sectors differ from what the guest must write, first %s" % (len(bad), bad[:8]))
        return 1
    print("ok")
    return 0


sys.exit(main())
