#!/usr/bin/env python3
"""A plain kernel-socket client of the hunt protocol v1, written from
docs/protocol.md alone (it shares no code with huntd): the header, every
op's body, the shard function and the demo answer generator.

    c = HuntClient("198.18.0.1", player_id=42, hunt_id=1)
    c.join(); c.dig(1, 10, 20); c.enter(3); c.wave_state(); c.claim(wave, clue, answer)
"""
import socket
import struct

MAGIC = 0x4854
VERSION = 1
FLAG_REPLY = 0x01
OPS = {"JOIN": 1, "CLAIM": 2, "DIG": 3, "ENTER": 4, "WAVE_STATE": 5}
STATUS = ["OK", "WON", "TAKEN", "WRONG_ANSWER", "WAVE_CLOSED", "NO_SUCH_CLUE",
          "NO_SUCH_HUNT", "NO_SUCH_BUILDING", "NO_SUCH_WORLD", "RETRY_LATER",
          "BAD_VERSION", "BAD_OP", "BAD_LENGTH", "BAD_FIELD", "NOT_MEMBER"]
HDR = struct.Struct("<HBBBBHIQQQI")  # 40 bytes
M64 = (1 << 64) - 1


def mix64(x):
    x &= M64
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & M64
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & M64
    x ^= x >> 31
    return x


def shard_of_key(key, n_shards):
    return ((mix64(key) >> 32) * n_shards) >> 32


def shard_of_hunt(hunt_id, n_shards):
    return shard_of_key(hunt_id, n_shards)


def tile_key(world, x, y):
    return ((world << 42) ^ ((x & 0x1fffff) << 21) ^ (y & 0x1fffff) ^ (1 << 63)) & M64


def shard_of_tile(world, x, y, n_shards):
    return shard_of_key(tile_key(world, x, y), n_shards)


def answer(seed, hunt_id, wave_id, clue_idx):
    """The demo catalogue's answer to (hunt, wave, clue): 16 hex digits."""
    v = mix64(seed ^ mix64((hunt_id << 32) | wave_id) ^ ((clue_idx * 0x9e3779b97f4a7c15) & M64))
    return bytes(b"0123456789abcdef"[(v >> (4 * i)) & 0xf] for i in range(16))


def header(op, hunt_id, req_id, player_id, token, body_len, version=VERSION, flags=0):
    return HDR.pack(MAGIC, version, op, flags, 0, body_len, hunt_id, req_id, player_id, token, 0)


def encode(op, hunt_id, req_id, player_id, token, body=b""):
    return header(OPS[op], hunt_id, req_id, player_id, token, len(body)) + body


def join_body():
    return bytes(32)


def claim_body(wave_id, clue_idx, ans):
    return struct.pack("<IIB3x32s", wave_id, clue_idx, len(ans), ans)


def dig_body(world, x, y):
    return struct.pack("<Iiii", world, x, y, 0)


def enter_body(building):
    return struct.pack("<II", building, 0)


def decode(data):
    """Returns (header dict, body bytes)."""
    f = HDR.unpack_from(data)
    h = dict(zip(("magic", "version", "op", "flags", "status", "body_len", "hunt_id",
                  "req_id", "player_id", "token", "reserved"), f))
    h["status_name"] = STATUS[h["status"]] if h["status"] < len(STATUS) else "?"
    return h, data[HDR.size:]


def decode_body(op, body):
    if op == "JOIN":
        k = ("wave_id", "world_id", "epoch", "n_shards", "base_port", "wave_state",
             "shard_fn", "reserved", "clues_per_wave", "n_buildings", "wave_ms_left")
        return dict(zip(k, struct.unpack("<IIIHHBBHIII", body)))
    if op == "CLAIM":
        return dict(zip(("wave_id", "clue_idx", "winner_id", "loot_item", "coins"),
                        struct.unpack("<IIQII", body)))
    if op == "DIG":
        return dict(zip(("world_id", "x", "y", "loot_item", "loot_qty", "reserved"),
                        struct.unpack("<IiiIII", body)))
    if op == "ENTER":
        b, w, n, _ = struct.unpack_from("<IIHH", body)
        return {"building_idx": b, "wave_id": w, "n_open": n,
                "clue_idx": list(struct.unpack_from("<%dI" % n, body, 12))}
    if op == "WAVE_STATE":
        return dict(zip(("wave_id", "state", "clues_total", "clues_won", "ms_left"),
                        struct.unpack("<IB3xIII", body)))
    return {}


class HuntClient:
    def __init__(self, server_ip, player_id, hunt_id, base_port=7000, n_shards=16,
                 timeout_s=2.0, src_port=0):
        self.server_ip = server_ip
        self.player_id = player_id
        self.hunt_id = hunt_id
        self.base_port = base_port
        self.n_shards = n_shards
        self.token = 0
        self.req_id = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0", src_port))
        self.sock.settimeout(timeout_s)

    def send_raw(self, data, port):
        self.sock.sendto(data, (self.server_ip, port))

    def recv(self):
        """Returns (header, body, source port), or None on timeout."""
        try:
            data, addr = self.sock.recvfrom(2048)
        except socket.timeout:
            return None
        h, body = decode(data)
        return h, body, addr[1]

    def request(self, op, body=b"", shard=None, retries=3):
        """Sends op and waits for the reply carrying our request id,
        retransmitting the same bytes on timeout."""
        self.req_id += 1
        if shard is None:
            shard = shard_of_hunt(self.hunt_id, self.n_shards)
        token = 0 if op == "JOIN" else self.token
        data = encode(op, self.hunt_id, self.req_id, self.player_id, token, body)
        for _ in range(retries + 1):
            self.send_raw(data, self.base_port + shard)
            while True:
                r = self.recv()
                if r is None:
                    break
                h, rbody, port = r
                if h["req_id"] == self.req_id:
                    assert h["flags"] & FLAG_REPLY and port == self.base_port + shard
                    return h, (decode_body(op, rbody) if h["status"] in (0, 1, 2, 3, 4, 5) and rbody
                               else {})
        return None

    def join(self):
        r = self.request("JOIN", join_body())
        if r and r[0]["status"] == 0:
            self.token = r[0]["token"]
            self.n_shards = r[1]["n_shards"]
            self.base_port = r[1]["base_port"]
        return r

    def claim(self, wave_id, clue_idx, ans):
        return self.request("CLAIM", claim_body(wave_id, clue_idx, ans))

    def dig(self, world, x, y):
        return self.request("DIG", dig_body(world, x, y),
                            shard=shard_of_tile(world, x, y, self.n_shards))

    def enter(self, building):
        return self.request("ENTER", enter_body(building))

    def wave_state(self):
        return self.request("WAVE_STATE")
