#!/usr/bin/env python3
"""Sends one command to a DPDK process's telemetry socket and prints the JSON
reply: telemetry.py FILE_PREFIX COMMAND (what dpdk-telemetry.py does
interactively)."""
import json
import socket
import sys

prefix, cmd = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix)
info = json.loads(s.recv(16384).decode())
s.send(cmd.encode())
print(s.recv(info.get("max_output_len", 16384)).decode())
