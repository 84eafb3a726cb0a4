#!/usr/bin/env python3
"""A small IEC 62056-21 mode C meter, written independently of pro380-mqtt, for the Swift integration tests.

usage: iec_meter.py pty [--bad-bcc]        serve on a new pseudo-terminal
       iec_meter.py tcp PORT [--bad-bcc]   serve on 127.0.0.1:PORT (a serial-to-TCP gateway with a head)

Prints "READY <device path or port>" once it serves. It answers `/?!` (or `/?<any address>!`) with the
identification `/ISk5MT174-0001` (a field case: no \\W pair; lower-case third letter, 20 ms reaction time), waits
for `ACK 0 Z 0` and sends a data message whose BCC the PyPI package iec62056-21 computes (--bad-bcc flips it).
A pseudo-terminal has no line speed, so the speed switch is only acknowledged.
"""
import os
import select
import signal
import socket
import sys
import time
import tty

from iec62056_21 import messages

IDENTIFICATION = b"/ISk5MT174-0001\r\n"
DATA_SETS = [
    ("0.0.0", "12345678", None),
    ("F.F", "00000000", None),
    ("1-0:1.8.0*255", "001234.567", "kWh"),
    ("1-0:1.8.1*255", "000800.000", "kWh"),
    ("1-0:2.8.0*255", "000012.345", "kWh"),
    ("1-0:32.7.0*255", "230.1", "V"),
    ("31.7.0", "5.12", "A"),
    ("16.7.0", "1.234", "kW"),
    ("14.7.0", "49.98", "Hz"),
    ("0.9.1", "12:34:56", None),
    ("96.1.3", "4711", None),
    ("C.90.2", "ABC-1", None),
]


def data_message(bad_bcc):
    block = messages.DataBlock([messages.DataLine([messages.DataSet(a, v, u)]) for a, v, u in DATA_SETS])
    data = bytearray(messages.ReadoutDataMessage(block).to_bytes())
    if bad_bcc:
        data[-1] ^= 0x01
    return bytes(data)


def serve(read, write, bad_bcc):
    """Runs sessions until the peer goes away: read() returns b"" at end of stream, None when idle."""
    buffer = b""
    identified = False
    while True:
        chunk = read()
        if chunk == b"":
            return
        if chunk is None:
            continue
        buffer += bytes(b & 0x7F for b in chunk)
        while b"\r\n" in buffer:
            line, buffer = buffer.split(b"\r\n", 1)
            start = max(line.rfind(b"/?"), line.rfind(b"\x06"))
            line = line[start:] if start >= 0 else line
            if line.startswith(b"/?") and line.endswith(b"!"):
                time.sleep(0.02)
                write(IDENTIFICATION)
                identified = True
            elif identified and len(line) == 4 and line[0] == 0x06 and line[3:4] == b"0":
                time.sleep(0.02)
                write(data_message(bad_bcc))
                identified = False


def run_pty(bad_bcc):
    controller, subordinate = os.openpty()
    tty.setraw(controller)
    tty.setraw(subordinate)
    print("READY", os.ttyname(subordinate), flush=True)

    def read():
        ready, _, _ = select.select([controller], [], [], 0.5)
        return os.read(controller, 1024) if ready else None

    serve(read, lambda data: os.write(controller, data), bad_bcc)


def run_tcp(port, bad_bcc):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(4)
    print("READY", server.getsockname()[1], flush=True)
    while True:
        connection, _ = server.accept()
        with connection:
            def read():
                ready, _, _ = select.select([connection], [], [], 0.5)
                return connection.recv(1024) if ready else None

            serve(read, connection.sendall, bad_bcc)


if __name__ == "__main__":
    # The test process may start us with SIGTERM blocked or ignored (both survive exec): restore the default.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    bad = "--bad-bcc" in sys.argv
    if sys.argv[1] == "pty":
        run_pty(bad)
    else:
        run_tcp(int(sys.argv[2]), bad)
