#!/usr/bin/env python3
"""Run inside the test's network namespace. Sends huntd, through the tap
interface, batches of malformed frames (one kind per drop reason it can
reach from the wire) and random garbage, each batch followed by a valid
request whose answer proves the batch was processed. After the crafted
frames, each reason's counter (read through telemetry) must be exactly what
was sent. Args: IFACE SERVER_MAC SERVER_IP OUT_JSON N_RANDOM FILE_PREFIX"""
import json
import random
import socket
import struct
import sys

import huntclient as hc

iface, server_mac, server_ip, out, n_random, prefix = (sys.argv[1], sys.argv[2], sys.argv[3],
                                                      sys.argv[4], int(sys.argv[5]), sys.argv[6])
SMAC = bytes.fromhex(server_mac.replace(":", ""))
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((iface, 0))
CMAC = raw.getsockname()[4]
SIP = socket.inet_aton(server_ip)
CIP = socket.inet_aton("198.18.0.2")
rng = random.Random(1)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(payload, proto=17, src=CIP, dst=SIP, ihl=5, ver=4, frag=0, tot=None, bad_csum=False):
    opts = bytes(4 * (ihl - 5))
    tot = tot if tot is not None else 4 * ihl + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | ihl, 0, tot, 1, frag, 64, proto, 0, src, dst) + opts
    c = csum(h) ^ (1 if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def udp(payload, dport=7000, ulen=None, cs=0):
    return struct.pack("!HHHH", 40000, dport, ulen if ulen is not None else 8 + len(payload), cs) + payload


def eth(payload, etype=0x0800, dst=None):
    return (dst or SMAC) + CMAC + struct.pack("!H", etype) + payload


hunt = hc.encode("WAVE_STATE", 1, 1, 1, 1)  # a well-formed header, wrong token
kinds = {
    "ETH_VLAN": lambda: eth(b"\x00\x01\x08\x00" + ipv4(udp(hunt)), etype=0x8100),
    "ETH_TYPE": lambda: eth(bytes(46), etype=0x86dd),
    "ETH_DST": lambda: eth(ipv4(udp(hunt)), dst=b"\x02\x00\x00\x00\x00\x99"),
    "ARP_BAD": lambda: eth(struct.pack("!HHBBH", 1, 0x0800, 6, 8, 1) + bytes(20), etype=0x0806),
    "ARP_OTHER": lambda: eth(struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, CMAC, CIP, bytes(6),
                                         socket.inet_aton("198.18.0.77")), etype=0x0806),
    "IP_SHORT": lambda: eth(b"\x45\x00"),
    "IP_VERSION": lambda: eth(ipv4(udp(hunt), ver=6)),
    "IP_OPTIONS": lambda: eth(ipv4(udp(hunt), ihl=6)),
    "IP_LENGTH": lambda: eth(ipv4(udp(hunt), tot=1400)),
    "IP_CSUM": lambda: eth(ipv4(udp(hunt), bad_csum=True)),
    "IP_FRAGMENT": lambda: eth(ipv4(udp(hunt), frag=0x2000)),
    "IP_DST": lambda: eth(ipv4(udp(hunt), dst=socket.inet_aton("198.18.0.9"))),
    "IP_SRC": lambda: eth(ipv4(udp(hunt), src=socket.inet_aton("224.0.0.1"))),
    "IP_PROTO": lambda: eth(ipv4(udp(hunt), proto=6)),
    "UDP_LENGTH": lambda: eth(ipv4(udp(hunt, ulen=9))),
    "UDP_CSUM": lambda: eth(ipv4(udp(hunt, cs=0x1234))),
    "UDP_PORT": lambda: eth(ipv4(udp(hunt, dport=6999))),
    "HUNT_SHORT": lambda: eth(ipv4(udp(hunt[:39]))),
    "HUNT_MAGIC": lambda: eth(ipv4(udp(b"\x00" + hunt[1:]))),
    "HUNT_REPLY": lambda: eth(ipv4(udp(hunt[:4] + b"\x01" + hunt[5:]))),
    "HUNT_BODY_LENGTH": lambda: eth(ipv4(udp(hunt + b"\x00"))),
    "JOIN_PADDING": lambda: eth(ipv4(udp(hc.encode("JOIN", 1, 1, 1, 0, bytes(31))))),
    "TOKEN": lambda: eth(ipv4(udp(hunt))),
}
per_kind = 200
client = hc.HuntClient(server_ip, player_id=77, hunt_id=1)
assert client.join()[0]["status_name"] == "OK"
expected = {k: 0 for k in kinds}
sent = 0
for k, make in kinds.items():
    for i in range(per_kind):
        raw.send(make())
    expected[k] += per_kind
    sent += per_kind
    assert client.wave_state() is not None, "huntd stopped answering after " + k

def drops():
    t = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    t.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix)
    t.recv(16384)
    t.send(b"/hunt/drops")
    return json.loads(t.recv(65536).decode())["/hunt/drops"]


got = drops()
wrong = {k: (n, got[k]) for k, n in expected.items() if got[k] != n}
others = {k: v for k, v in got.items() if v and k not in expected}
print(("ok - " if not wrong and not others else "not ok - ")
      + "each crafted frame counted once under its own reason %s%s" % (wrong or "", others or ""))
garbage = 0
for batch in range(n_random // 500):
    for i in range(500):
        kind = rng.random()
        if kind < 0.4:  # random bytes after a valid Ethernet header
            f = eth(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200))),
                    etype=rng.choice([0x0800, 0x0806, 0x86dd, 0x8100]))
        elif kind < 0.8:  # valid IPv4/UDP to a shard port, random payload
            f = eth(ipv4(udp(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 120))),
                             dport=7000 + rng.randint(0, 15))))
        else:  # a hunt header with random fields
            h = bytearray(hunt + bytes(rng.randint(0, 60)))
            for _ in range(4):
                h[rng.randrange(len(h))] = rng.getrandbits(8)
            f = eth(ipv4(udp(bytes(h), dport=7000 + rng.randint(0, 15))))
        raw.send(f[:1514])
        garbage += 1
    assert client.wave_state() is not None, "huntd stopped answering in random batch %d" % batch
json.dump({"expected": expected, "crafted": sent, "garbage": garbage}, open(out, "w"))
print("ok - huntd answered after every batch (%d crafted, %d random frames)" % (sent, garbage))
