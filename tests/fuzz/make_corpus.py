#!/usr/bin/env python3
"""Writes a seed corpus for fuzz_packet into DIR: each file is a scenario of
records (mode u8, length u16 LE, Ethernet frame): one valid frame per op, an
ARP request, and a race of two players claiming the same clue."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import huntclient as hc  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
SMAC, CMAC = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])
SIP, CIP = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(dgram, shard):
    udp = struct.pack("!HHHH", 40000, 7000 + shard, 8 + len(dgram), 0) + dgram
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, CIP, SIP)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return SMAC + CMAC + b"\x08\x00" + ip + udp


h1 = hc.shard_of_hunt(1, 16)


def rec(mode, f):
    return bytes([mode]) + struct.pack("<H", len(f)) + f


def claim(player, clue, right=True):
    a = hc.answer(99, 1, 1, clue)
    return frame(hc.encode("CLAIM", 1, 9, player, 0, hc.claim_body(1, clue, a if right else a[::-1])), h1)


scenarios = {
    "race": [(0, frame(hc.encode("JOIN", 1, 1, 5, 0, hc.join_body()), h1)),
             (0, frame(hc.encode("JOIN", 1, 1, 6, 0, hc.join_body()), h1)),
             (1, claim(5, 3)), (1, claim(6, 3, False)), (1, claim(6, 3)), (1, claim(5, 3)),
             (1, frame(hc.encode("ENTER", 1, 4, 5, 0, hc.enter_body(1)), h1)),
             (0x11, frame(hc.encode("WAVE_STATE", 1, 5, 6, 0), h1))],
    "all_clues": [(1, claim(5 + c, c)) for c in range(8)] + [(0x51, claim(5, 0))],
}
for name, recs in scenarios.items():
    open(os.path.join(out, name), "wb").write(b"".join(rec(m, f) for m, f in recs))
seeds = {
    "join": (0, frame(hc.encode("JOIN", 1, 1, 5, 0, hc.join_body()), h1)),
    "claim": (1, frame(hc.encode("CLAIM", 1, 2, 5, 0, hc.claim_body(1, 3, hc.answer(99, 1, 1, 3))), h1)),
    "dig": (1, frame(hc.encode("DIG", 1, 3, 5, 0, hc.dig_body(1, 10, 20)), hc.shard_of_tile(1, 10, 20, 16))),
    "enter": (1, frame(hc.encode("ENTER", 1, 4, 5, 0, hc.enter_body(1)), h1)),
    "wave": (0x11, frame(hc.encode("WAVE_STATE", 1, 5, 5, 0), h1)),
    "arp": (0, b"\xff" * 6 + CMAC + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, CMAC, CIP, bytes(6), SIP)),
}
for name, (mode, f) in seeds.items():
    open(os.path.join(out, name), "wb").write(rec(mode, f))
