#!/usr/bin/env python3
"""Reads holding registers with pymodbus 3.16 and prints one JSON object: an independent Modbus client for tests.

Usage: pymodbus_read.py (--tcp HOST:PORT [--framer socket|rtu] | --serial PATH [--baud B --parity N])
                        [--unit U] [--timeout S] RANGE...
RANGE is ADDRESS:COUNT with a hex or decimal address (0x5002:2). Output:
{"0x5002": [17255, 16384], "0x5000": {"exception": 2}, ...}; a range that got no answer maps to {"error": "..."}.
Exit status 0 when every range got an answer (registers or exception), 1 otherwise.
"""
import argparse
import json
import signal
import sys

from pymodbus import FramerType
from pymodbus.client import ModbusSerialClient, ModbusTcpClient


def main():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    p = argparse.ArgumentParser()
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", metavar="HOST:PORT")
    where.add_argument("--serial", metavar="PATH")
    p.add_argument("--framer", choices=["socket", "rtu"], default="socket")
    p.add_argument("--baud", type=int, default=9600)
    p.add_argument("--parity", choices=["N", "E", "O"], default="N")
    p.add_argument("--unit", type=int, default=1)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("ranges", nargs="+")
    args = p.parse_args()
    if args.tcp:
        host, port = args.tcp.rsplit(":", 1)
        framer = FramerType.SOCKET if args.framer == "socket" else FramerType.RTU
        client = ModbusTcpClient(host, port=int(port), framer=framer, timeout=args.timeout, retries=0)
    else:
        client = ModbusSerialClient(args.serial, framer=FramerType.RTU, baudrate=args.baud, bytesize=8,
                                    parity=args.parity, stopbits=1, timeout=args.timeout, retries=0)
    result, ok = {}, True
    if not client.connect():
        print(json.dumps({"error": "cannot connect"}))
        return 1
    for item in args.ranges:
        address, count = item.split(":")
        address = int(address, 0)
        key = f"0x{address:04X}"
        try:
            r = client.read_holding_registers(address, count=int(count), device_id=args.unit)
            result[key] = {"exception": r.exception_code} if r.isError() else r.registers
        except Exception as exc:  # noqa: BLE001 - reported to the test as data
            result[key] = {"error": str(exc)}
            ok = False
    client.close()
    print(json.dumps(result), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
