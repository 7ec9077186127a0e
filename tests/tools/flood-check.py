#!/usr/bin/env python3
"""flood-check.py LOG [PREFIX] - check the console-flood self-test's output.

Recomputes the FNV-1a hash over the 'flood NNNNNN ...' lines found in LOG
(after an optional per-line PREFIX such as 'guest: ', and with carriage
returns dropped) and compares it, and the byte count, with the guest's own
'console-flood:' summary line. Exit 0 when complete and in order."""
import re
import sys

log, prefix = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
h, nbytes, expect, want_seq = 0xCBF29CE484222325, 0, None, 0
for raw in open(log, "rb").read().replace(b"\r", b"").split(b"\n"):
    line = raw.decode("latin-1")
    if prefix:
        idx = line.find(prefix)
        if idx < 0:
            continue
        line = line[idx + len(prefix):]
    m = re.match(r"console-flood: (\d+) bytes fnv1a64 ([0-9a-f]{16})", line)
    if m:
        expect = (int(m.group(1)), int(m.group(2), 16))
        continue
    if not re.match(r"flood \d{6} ", line):
        continue
    seq = int(line[6:12])
    if seq != want_seq:
        sys.exit(f"flood-check: line {want_seq} expected, got {seq} (lost or reordered output)")
    want_seq += 1
    for b in (line + "\n").encode("latin-1"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        nbytes += 1
if expect is None:
    sys.exit("flood-check: no console-flood summary line")
if (nbytes, h) != expect:
    sys.exit(f"flood-check: received {nbytes} bytes hash {h:016x}, guest sent {expect[0]} bytes hash {expect[1]:016x}")
print(f"flood-check: {nbytes} bytes, hash {h:016x}: complete and in order")
