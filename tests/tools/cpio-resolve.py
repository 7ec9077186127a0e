#!/usr/bin/env python3
"""cpio-resolve.py ARCHIVE PATH... - look each absolute PATH up inside a newc
cpio archive the way the guest's kernel will: every symlink in the archive
is followed (absolute targets from the archive's root), nothing on the host
is consulted. Prints "PATH ENTRY SHA256" per path, ENTRY being the regular
file's name in the archive; exits 1 if a path does not resolve to one. An
independent reader (Python, not lib/cpio.c) for keel's tool tests."""
import hashlib
import posixpath
import sys


def entries(buf):
    pos, out = 0, {}
    while True:
        h = buf[pos:pos + 110]
        if len(h) < 110 or h[:6] != b"070701":
            raise ValueError("bad header at byte %d" % pos)
        f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = buf[pos + 110:pos + 110 + namesize - 1].decode()
        p = pos + 110 + namesize
        p += (4 - p % 4) % 4
        if name == "TRAILER!!!":
            return out
        data = buf[p:p + size]
        out[posixpath.normpath("/" + name)] = (mode & 0o170000, data)
        pos = p + size + (4 - size % 4) % 4


def resolve(ents, path, hops=0):
    parts = [c for c in path.split("/") if c]
    cur = "/"
    for i, c in enumerate(parts):
        nxt = posixpath.normpath(posixpath.join(cur, c))
        if nxt not in ents:
            return None
        kind, data = ents[nxt]
        if kind == 0o120000:
            if hops > 40:
                return None
            target = data.decode()
            base = "/" if target.startswith("/") else cur
            rest = "/".join(parts[i + 1:])
            return resolve(ents, posixpath.join(base, target, rest), hops + 1)
        cur = nxt
    return cur if ents.get(cur, (0,))[0] == 0o100000 else None


def main():
    ents = entries(open(sys.argv[1], "rb").read())
    rc = 0
    for p in sys.argv[2:]:
        r = resolve(ents, p)
        if r is None:
            print("%s - unresolved" % p)
            rc = 1
        else:
            print("%s %s %s" % (p, r[1:], hashlib.sha256(ents[r][1]).hexdigest()))
    return rc


sys.exit(main())
