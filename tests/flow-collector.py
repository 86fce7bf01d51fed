#!/usr/bin/env python3
"""tests/flow-collector.py -- a minimal NetFlow v5/v9 and IPFIX collector
for the integration tests.

Usage: flow-collector.py ADDRESS PORTFILE OUTFILE

Binds a UDP socket to ADDRESS (127.0.0.1 or ::1) on a port the kernel
picks, writes the port number to PORTFILE, then decodes every message it
receives and appends one JSON object per flow record to OUTFILE (flushed
at once), plus one {"message": ...} object per message with its header
fields.  Templates (v9 FlowSet 0, IPFIX Set 2) and IPFIX options
templates (Set 3, reported as {"options_template": ID, "scope": N,
"fields": ...}) are remembered per observation domain; variable-length
fields (length 65535, RFC 7011 section 7) are decoded; a data set whose
template is unknown is reported as {"error": "unknown template"}.  Runs
until killed.
"""
import json
import socket
import struct
import sys

NAMES = {
    1: "bytes", 2: "packets", 4: "proto", 5: "tos", 6: "tcp_flags",
    7: "sport", 8: "src", 10: "in", 11: "dport", 12: "dst", 14: "out",
    21: "last", 22: "first", 27: "src", 28: "dst", 32: "icmp",
    56: "src_mac", 58: "vlan", 60: "ip_version", 80: "dst_mac",
    82: "if_name", 83: "if_desc",
    136: "end_reason", 138: "obs_point", 139: "icmp", 152: "start_ms",
    153: "end_ms", 256: "eth_type",
}


def value(fid, data):
    if fid in (8, 12):
        return socket.inet_ntop(socket.AF_INET, data)
    if fid in (27, 28):
        return socket.inet_ntop(socket.AF_INET6, data)
    if fid in (56, 80):
        return ":".join("%02x" % b for b in data)
    if fid in (82, 83):
        return data.decode("utf-8")
    return int.from_bytes(data, "big")


def decode_sets(msg, ofs, templates, domain, out, tmpl_set):
    records = []
    while ofs + 4 <= len(msg):
        set_id, length = struct.unpack_from("!HH", msg, ofs)
        if length < 4 or ofs + length > len(msg):
            out.append({"error": "bad set length %d" % length})
            return records
        body = msg[ofs + 4:ofs + length]
        if set_id == tmpl_set:
            p = 0
            while p + 4 <= len(body):
                tid, count = struct.unpack_from("!HH", body, p)
                p += 4
                fields = []
                for _ in range(count):
                    fid, flen = struct.unpack_from("!HH", body, p)
                    p += 4
                    fields.append((fid, flen))
                templates[(domain, tid)] = fields
                out.append({"template": tid, "fields": fields})
        elif set_id == 3 and tmpl_set == 2:
            p = 0
            while p + 6 <= len(body):
                tid, count, scope = struct.unpack_from("!HHH", body, p)
                p += 6
                fields = []
                for _ in range(count):
                    fid, flen = struct.unpack_from("!HH", body, p)
                    p += 4
                    fields.append((fid, flen))
                if scope < 1 or scope > count:
                    out.append({"error": "bad scope count %d" % scope})
                templates[(domain, tid)] = fields
                out.append({"options_template": tid, "scope": scope,
                            "fields": fields})
        elif set_id >= 256:
            fields = templates.get((domain, set_id))
            if fields is None:
                out.append({"error": "unknown template", "set": set_id})
            else:
                # The shortest record: variable-length fields empty.
                rlen = sum(1 if f[1] == 65535 else f[1] for f in fields)
                p = 0
                while p + rlen <= len(body):
                    rec = {"template": set_id}
                    for fid, flen in fields:
                        if flen == 65535:
                            flen = body[p]
                            p += 1
                            if flen == 255:
                                flen = struct.unpack_from("!H", body, p)[0]
                                p += 2
                        if p + flen > len(body):
                            out.append({"error": "record overruns its set"})
                            return records
                        rec[NAMES.get(fid, str(fid))] = value(
                            fid, body[p:p + flen])
                        p += flen
                    records.append(rec)
        ofs += length
    return records


def decode(msg, templates):
    out = []
    version = struct.unpack_from("!H", msg, 0)[0]
    if version == 5:
        (_, count, uptime, secs, nsecs, seq, etype, eid,
         sampling) = struct.unpack_from("!HHIIIIBBH", msg, 0)
        out.append({"message": 5, "count": count, "seq": seq,
                    "engine_type": etype, "engine_id": eid,
                    "len": len(msg)})
        for i in range(count):
            r = msg[24 + 48 * i:72 + 48 * i]
            (src, dst, nexthop, inp, outp, pkts, octets, first, last,
             sport, dport, _, flags, proto, tos) = struct.unpack_from(
                 "!4s4s4sHHIIIIHHBBBB", r, 0)
            out.append({"src": socket.inet_ntoa(src),
                        "dst": socket.inet_ntoa(dst), "in": inp,
                        "out": outp, "packets": pkts, "bytes": octets,
                        "first": first, "last": last, "sport": sport,
                        "dport": dport, "tcp_flags": flags, "proto": proto,
                        "tos": tos})
    elif version == 9:
        _, count, uptime, secs, seq, source = struct.unpack_from(
            "!HHIIII", msg, 0)
        out.append({"message": 9, "count": count, "seq": seq,
                    "source_id": source})
        out.extend(decode_sets(msg, 20, templates, source, out, 0))
    elif version == 10:
        _, length, secs, seq, domain = struct.unpack_from("!HHIII", msg, 0)
        out.append({"message": 10, "length": length, "len": len(msg),
                    "seq": seq, "domain": domain})
        out.extend(decode_sets(msg, 16, templates, domain, out, 2))
    else:
        out.append({"error": "version %d" % version})
    return out


def main():
    addr, portfile, outfile = sys.argv[1:4]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((addr, 0))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    templates = {}
    with open(outfile, "a") as out:
        while True:
            msg = sock.recv(65535)
            for obj in decode(msg, templates):
                out.write(json.dumps(obj) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
