"""A scripted Modbus RTU master (pymodbus 3.16), as a wallbox or load balancer polls a meter: the same requests
every PERIOD seconds, CYCLES times, on a serial line it shares with a listener.

Usage:
    pymodbus_master_poll.py DEVICE PERIOD CYCLES OPERATIONS_JSON

OPERATIONS_JSON is a list of requests, run in order each cycle:
    {"unit": 1, "read": [address, count]}
    {"unit": 1, "write": [address, value]}            (function 06)

Prints READY once the port is open, then one JSON line per request:
{"cycle": 0, "unit": 1, "read": [address, count], "registers": [...]} for an answered read,
{"cycle": 0, ..., "exception": code} for a Modbus exception, {"cycle": 0, ..., "ok": true} for a write,
{"cycle": 0, ..., "error": "text"} when nothing usable came back (timeout). Then DONE.
The line runs 9600 8N1 (pseudo-terminals refuse parity).
"""

import json
import signal
import sys
import time

from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ModbusException


def request(client, op):
    unit = op.get("unit", 1)
    if "read" in op:
        address, count = op["read"]
        return client.read_holding_registers(address, count=count, device_id=unit)
    address, value = op["write"]
    return client.write_register(address, value, device_id=unit)


def main():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    device, period, cycles, operations = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
    client = ModbusSerialClient(device, baudrate=9600, parity="N", stopbits=1, bytesize=8, timeout=0.5, retries=0)
    if not client.connect():
        print(json.dumps({"error": "cannot open " + device}))
        return 1
    print("READY", flush=True)
    for cycle in range(cycles):
        started = time.monotonic()
        for op in operations:
            line = dict(op, cycle=cycle)
            try:
                response = request(client, op)
                if response.isError():
                    line["exception"] = getattr(response, "exception_code", -1)
                elif "read" in op:
                    line["registers"] = list(response.registers)
                else:
                    line["ok"] = True
            except ModbusException as error:
                line["error"] = str(error)
            print(json.dumps(line), flush=True)
        time.sleep(max(0.0, period - (time.monotonic() - started)))
    client.close()
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
