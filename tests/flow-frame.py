#!/usr/bin/env python3
"""tests/flow-frame.py -- prints an Ethernet frame in hex for the flow
export tests (netdev-dummy/receive takes hex).

Usage:
  flow-frame.py udp|tcp|icmp|icmp6|udp6|arp SRC_MAC DST_MAC SRC DST
                [SPORT DPORT | TYPE CODE] [PAYLOAD_LEN]

IPv4 and IPv6 headers carry correct lengths (checksums are not needed by
the switch and left zero); TCP frames have SYN set.
"""
import socket
import struct
import sys


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def main():
    kind, smac, dmac = sys.argv[1:4]
    args = sys.argv[4:]
    eth = mac(dmac) + mac(smac)
    if kind == "arp":
        print((eth + b"\x08\x06" + bytes(46)).hex())
        return
    src, dst = args[0], args[1]
    a, b = int(args[2]), int(args[3])
    plen = int(args[4]) if len(args) > 4 else 18
    payload = bytes(plen)
    if kind in ("udp", "udp6"):
        l4 = struct.pack("!HHHH", a, b, 8 + plen, 0) + payload
        proto = 17
    elif kind == "tcp":
        l4 = struct.pack("!HHIIBBHHH", a, b, 0, 0, 0x50, 0x02, 0, 0, 0) \
            + payload
        proto = 6
    else:
        l4 = struct.pack("!BBHI", a, b, 0, 0) + payload
        proto = 1 if kind == "icmp" else 58
    if kind in ("udp6", "icmp6"):
        ip = struct.pack("!IHBB", 6 << 28, len(l4), proto, 64) \
            + socket.inet_pton(socket.AF_INET6, src) \
            + socket.inet_pton(socket.AF_INET6, dst)
        frame = eth + b"\x86\xdd" + ip + l4
    else:
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), 0, 0, 64,
                         proto, 0) \
            + socket.inet_aton(src) + socket.inet_aton(dst)
        frame = eth + b"\x08\x00" + ip + l4
    if len(frame) < 60:
        frame += bytes(60 - len(frame))
    print(frame.hex())


if __name__ == "__main__":
    main()
