#!/usr/bin/env python3
"""impair.py GUEST_TAP HOST_TAP SECONDS [to-keel|both [LOSS REORDER DELAY_MS
SEED]] - a
lossy, reordering, slow link in user space, for tests/net/run.sh when the
host kernel has no netem qdisc. Run inside the test's namespace: frames
keel sends arrive on GUEST_TAP (the TAP QEMU holds, without addresses),
are read from a packet socket on it and written into HOST_TAP (a TAP this
program opens, which has the host side's addresses); frames Linux sends
out of HOST_TAP are read from it and sent out of GUEST_TAP to keel. Each
frame to keel (with "both", each frame either way) is dropped with
probability LOSS percent (default 5); the rest are sent at once with
probability REORDER percent (default 25) or else held DELAY_MS (default
20), so the held ones fall behind later ones: what `tc qdisc add dev TAP
root netem loss 5% reorder 25% delay 20ms` does to the frames the
namespace sends out of the TAP (to-keel, the default). Stops after
SECONDS or on SIGTERM and prints what it did.
"""
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    guest_if, host_if, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    both = len(sys.argv) > 4 and sys.argv[4] == "both"
    more = [float(x) for x in sys.argv[5:9]]
    loss, reorder, delay, seed = (more + [5, 25, 20, 1][len(more):])[:4]
    rnd = random.Random(int(seed))

    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", host_if.encode(), IFF_TAP | IFF_NO_PI))
    pkt = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    pkt.bind((guest_if, ETH_P_ALL))
    pkt.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)

    def to_host(frame):
        os.write(tap, frame)

    def to_guest(frame):
        pkt.send(frame)

    held = []  # (due, n, send, frame)
    count = {"in": 0, "out": 0, "dropped": 0, "early": 0, "held": 0}
    seq = 0
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    end = time.monotonic() + seconds
    print("impair: %s <-> %s, loss %g%% reorder %g%% delay %g ms, %s" %
          (guest_if, host_if, loss, reorder, delay, "both ways" if both else "to keel"),
          flush=True)

    def impair(send, frame):
        nonlocal seq
        if rnd.random() * 100 < loss:
            count["dropped"] += 1
        elif rnd.random() * 100 < reorder:
            count["early"] += 1
            send(frame)
        else:
            count["held"] += 1
            seq += 1
            heapq.heappush(held, (time.monotonic() + delay / 1000, seq, send, frame))

    while not stop[0] and time.monotonic() < end:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, send, frame = heapq.heappop(held)
            try:
                send(frame)
            except OSError:
                pass  # the other side is gone or full: a loss too
        wait = max(0.0, min(held[0][0] - now, 0.2)) if held else 0.2
        try:
            ready, _, _ = select.select([pkt, tap], [], [], wait)
        except InterruptedError:
            continue
        for r in ready:
            try:
                if r is tap:
                    count["in"] += 1
                    impair(to_guest, os.read(tap, 65536))
                else:
                    frame, addr = pkt.recvfrom(65536)
                    if addr[2] == PACKET_OUTGOING:
                        continue  # our own, sent to the guest
                    count["out"] += 1
                    if both:
                        impair(to_host, frame)
                    else:
                        to_host(frame)
            except OSError:
                pass
    print("impair: %d frames to keel, %d from it; %d dropped, %d sent at once, %d held back" %
          (count["in"], count["out"], count["dropped"], count["early"], count["held"]), flush=True)


if __name__ == "__main__":
    main()
