#!/usr/bin/env python3
"""IEC 62056-21 oracle for the Swift tests, built on the PyPI package iec62056-21 (an independent implementation).

encode: reads JSON from stdin, a list of data lines, each a list of [address, value, unit-or-null] data sets;
        prints the hex of the readout data message STX ... ! CR LF ETX BCC as the package builds it.
decode: reads the hex of a data message from stdin; prints JSON [[address, value, unit], ...] of its data sets
        as the package parses it (it raises on a wrong BCC: exit status 1).
"""
import json
import sys

from iec62056_21 import messages


def encode():
    lines = json.load(sys.stdin)
    block = messages.DataBlock(
        [messages.DataLine([messages.DataSet(a, v, u) for a, v, u in line]) for line in lines]
    )
    print(messages.ReadoutDataMessage(block).to_bytes().hex())


def decode():
    data = bytes.fromhex(sys.stdin.read().strip())
    try:
        message = messages.ReadoutDataMessage.from_bytes(data)
    except ValueError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    sets = [[s.address, s.value, s.unit] for line in message.data_block.data_lines for s in line.data_sets]
    print(json.dumps(sets))


if __name__ == "__main__":
    {"encode": encode, "decode": decode}[sys.argv[1]]()
