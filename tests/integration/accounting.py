#!/usr/bin/env python3
"""Checks that huntd's counters add up (its --stats-out JSON).

Every received frame ends in exactly one outcome, so per worker:
  rx_pkts = drops (other than TX_FULL and HANDOFF_FULL after a handoff attempt)
            + arp_replies + error_replies + steered + handed_off + HANDOFF_FULL
and every frame meant for transmission is sent, dropped TX_FULL, or still
held for the journal when huntd stopped:
  arp_replies + error_replies + steered + handed_in - held_now = tx_pkts + TX_FULL
Across workers, every handoff arrives: sum(handed_off) = sum(handed_in).
Prints what disagrees; exits 1 if anything does."""
import json
import sys

d = json.load(open(sys.argv[1]))
bad = []
for i, w in enumerate(d["per_worker"]):
    drops = w["drops"]
    rx_drops = sum(v for k, v in drops.items() if k != "TX_FULL")
    outcomes = rx_drops + w["arp_replies"] + w["error_replies"] + w["steered"] + w["handed_off"]
    if w["rx_pkts"] != outcomes:
        bad.append("worker %d: rx_pkts %d != outcomes %d" % (i, w["rx_pkts"], outcomes))
    # Replies still held for the journal at exit were never sent.
    to_send = (w["arp_replies"] + w["error_replies"] + w["steered"] + w["handed_in"]
               - w.get("held_now", 0))
    if to_send != w["tx_pkts"] + drops["TX_FULL"]:
        bad.append("worker %d: to send %d != tx %d + TX_FULL %d"
                   % (i, to_send, w["tx_pkts"], drops["TX_FULL"]))
off = sum(w["handed_off"] for w in d["per_worker"])
inn = sum(w["handed_in"] for w in d["per_worker"])
if off != inn:
    bad.append("handed_off %d != handed_in %d" % (off, inn))
ops = sum(d["ops"].values())
handled = d["total"]["steered"] + d["total"]["handed_in"]
if ops != handled:
    bad.append("ops %d != requests handled %d" % (ops, handled))
status = sum(d["status"].values())
if status != handled + d["total"]["error_replies"]:
    bad.append("status counts %d != replies %d" % (status, handled + d["total"]["error_replies"]))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
