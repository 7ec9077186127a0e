#!/usr/bin/env python3
"""dnsd.py - a tiny DNS server for the network tests (tests/net/dns.sh):
answers A queries for NAME with ADDR and every other question with
NXDOMAIN (AAAA for NAME: no data), over UDP on ADDR:53, written from
RFC 1035. Logs each question on stdout; exits after SECONDS.

    dnsd.py NAME ADDR SECONDS
"""
import socket
import struct
import sys
import time


def question(msg):
    """The query's (labels, qtype, end offset); no compression in queries."""
    off, labels = 12, []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode('ascii', 'replace'))
        off += 1 + n
    qtype, _ = struct.unpack('!HH', msg[off + 1:off + 5])
    return '.'.join(labels).lower(), qtype, off + 5


def answer(msg, name, addr):
    qid, flags, qd = struct.unpack('!HHH', msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    qname, qtype, end = question(msg)
    found = qname == name
    ancount = 1 if found and qtype == 1 else 0
    rcode = 0 if found else 3
    head = struct.pack('!HHHHHH', qid, 0x8180 | (flags & 0x0100) | rcode,
                       1, ancount, 0, 0)
    out = head + msg[12:end]
    if ancount:
        out += struct.pack('!HHHIH', 0xc00c, 1, 1, 60, 4) + socket.inet_aton(addr)
    print('dnsd: %s type %d -> %s' % (qname, qtype, addr if ancount else 'rcode %d' % rcode),
          flush=True)
    return out


def main():
    name, addr, secs = sys.argv[1].lower(), sys.argv[2], float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    end = time.monotonic() + secs
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            msg, peer = s.recvfrom(512)
        except socket.timeout:
            continue
        try:
            out = answer(msg, name, addr)
        except (IndexError, struct.error):
            out = None
        if out:
            s.sendto(out, peer)


if __name__ == '__main__':
    main()
