#!/usr/bin/env python3
"""Run inside the test's network namespace: talks to huntd through net_tap
with ordinary kernel UDP sockets (huntclient.py) and prints ok/not ok lines.
Args: SERVER_IP ANSWER_SEED LOOT_SEED WORLD_SIZE"""
import struct
import sys

import huntclient as hc

server, seed, loot_seed, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
failed = 0


def check(name, cond):
    global failed
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    failed |= not cond


def tile(i):
    """Tile i of world 1 in the demo catalogue (docs/protocol.md)."""
    a = hc.mix64(loot_seed ^ (1 << 32) ^ i)
    b = hc.mix64(a)
    return (a & 0xffffffff) % size, (a >> 32) % size, 1 + b % 100, 1 + (b >> 32) % 5


alice = hc.HuntClient(server, player_id=1001, hunt_id=1)
r = alice.join()
check("JOIN answered OK with a token", r is not None and r[0]["status_name"] == "OK" and alice.token != 0)
j = r[1]
check("JOIN reply carries steering: 16 shards from port 7000", j["n_shards"] == 16 and j["base_port"] == 7000)
check("JOIN reply carries an open wave", j["wave_state"] == 1 and j["wave_id"] >= 1)
wave = j["wave_id"]

# Anti-amplification: the reply to JOIN is exactly as long as the request.
raw = hc.encode("JOIN", 1, 999, 1002, 0, hc.join_body())
alice.send_raw(raw, 7000 + hc.shard_of_hunt(1, 16))
rr = alice.sock.recvfrom(2048)[0]
check("JOIN reply no larger than the request (%d <= %d)" % (len(rr), len(raw)), len(rr) <= len(raw))

w = alice.wave_state()
check("WAVE_STATE says OPEN with 8 clues", w and w[1]["state"] == 1 and w[1]["clues_total"] == 8)

x, y, item, qty = tile(0)
d = alice.dig(1, x, y)
check("DIG on a loot tile finds its loot", d and d[1]["loot_item"] == item and d[1]["loot_qty"] == qty)
d = alice.dig(1, size - 1, size - 1)
check("DIG answers OK at the world's edge", d and d[0]["status_name"] == "OK")
d = alice.dig(1, size, 0)
check("DIG outside the world is BAD_FIELD", d and d[0]["status_name"] == "BAD_FIELD")

e = alice.enter(0)
check("ENTER lists building 0's open treasures", e and e[1]["clue_idx"] == [0, 1])

bad = hc.answer(seed, 1, wave, 0)[::-1]
c = alice.claim(wave, 0, bad)
check("CLAIM with a wrong answer is WRONG_ANSWER", c and c[0]["status_name"] == "WRONG_ANSWER")
c = alice.claim(wave, 0, hc.answer(seed, 1, wave, 0))
check("CLAIM with the right answer is WON", c and c[0]["status_name"] == "WON" and c[1]["winner_id"] == 1001)
c = alice.claim(wave, 0, hc.answer(seed, 1, wave, 0))
check("the same claim again is WON again", c and c[0]["status_name"] == "WON")
e = alice.enter(0)
check("ENTER no longer lists the won treasure", e and e[1]["clue_idx"] == [1])

bob = hc.HuntClient(server, player_id=2002, hunt_id=1)
bob.join()
c = bob.claim(wave, 0, hc.answer(seed, 1, wave, 0))
check("another player's claim is TAKEN naming the winner",
      c and c[0]["status_name"] == "TAKEN" and c[1]["winner_id"] == 1001)
c = bob.claim(wave, 99, hc.answer(seed, 1, wave, 0))
check("CLAIM of clue 99 is NO_SUCH_CLUE", c and c[0]["status_name"] == "NO_SUCH_CLUE")
c = bob.claim(wave + 5, 1, hc.answer(seed, 1, wave + 5, 1))
check("CLAIM for a future wave is WAVE_CLOSED", c and c[0]["status_name"] == "WAVE_CLOSED")


def no_reply_to(client, data, port):
    """Sends data, then a valid WAVE_STATE; the server handles a queue in
    order, so if the first reply is the valid one's, data got no reply."""
    client.send_raw(data, port)
    r = client.wave_state()
    return r is not None and r[0]["req_id"] == client.req_id


port = 7000 + hc.shard_of_hunt(1, 16)
forged = hc.encode("WAVE_STATE", 1, 5000, 1001, alice.token ^ 1)
check("a bad token gets no reply", no_reply_to(alice, forged, port))
stolen = hc.encode("WAVE_STATE", 1, 5001, 1001, alice.token)
check("a token used from another port gets no reply", no_reply_to(bob, stolen, port))
tokenless = hc.encode("CLAIM", 1, 5002, 3003, 0, hc.claim_body(wave, 1, hc.answer(seed, 1, wave, 1)))
check("a claim without JOIN gets no reply", no_reply_to(bob, tokenless, port))
check("...and did not win", bob.enter(0)[1]["clue_idx"] == [1])

v2 = hc.header(1, 1, 6000, 4004, 0, 0, version=2)
alice.send_raw(v2, port)
h, body, _ = hc.decode(alice.sock.recvfrom(2048)[0]) + (None,)
check("an unknown version gets BAD_VERSION carrying version 1, no larger than the request",
      h["status_name"] == "BAD_VERSION" and h["version"] == 1 and h["body_len"] == 0)
op9 = hc.header(9, 1, 6001, 1001, alice.token, 0)
alice.send_raw(op9, port)
h, _ = hc.decode(alice.sock.recvfrom(2048)[0])
check("an unknown op gets BAD_OP", h["status_name"] == "BAD_OP" and h["req_id"] == 6001)
sys.exit(1 if failed else 0)
