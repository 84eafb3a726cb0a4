"""An independent Modbus client (pymodbus) that runs a list of requests and prints the answers as JSON.

Usage:
    pymodbus_client_read.py tcp HOST PORT OPERATIONS_JSON
    pymodbus_client_read.py rtu-over-tcp HOST PORT OPERATIONS_JSON
    pymodbus_client_read.py rtu DEVICE OPERATIONS_JSON

OPERATIONS_JSON is a list of requests:
    {"unit": 1, "read": [address, count]}
    {"unit": 1, "write": [address, value]}            (function 06)
    {"unit": 1, "write_multiple": [address, [values]]} (function 16)

Prints one JSON list with one answer per request: {"registers": [...]} for a read, {"ok": true} for a write,
{"exception": code} for a Modbus exception, {"error": "text"} for anything else (timeout, bad frame).
The serial line runs 9600 8N1: pseudo-terminals refuse parity.
"""

import json
import sys

from pymodbus import FramerType
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ModbusException


def run(client, operations):
    answers = []
    for op in operations:
        unit = op.get("unit", 1)
        try:
            if "read" in op:
                address, count = op["read"]
                response = client.read_holding_registers(address, count=count, device_id=unit)
            elif "write" in op:
                address, value = op["write"]
                response = client.write_register(address, value, device_id=unit)
            else:
                address, values = op["write_multiple"]
                response = client.write_registers(address, values, device_id=unit)
        except ModbusException as error:
            answers.append({"error": str(error)})
            continue
        if response.isError():
            answers.append({"exception": getattr(response, "exception_code", -1)})
        elif "read" in op:
            answers.append({"registers": list(response.registers)})
        else:
            answers.append({"ok": True})
    return answers


def main():
    if sys.argv[1] in ("tcp", "rtu-over-tcp"):
        framer = FramerType.SOCKET if sys.argv[1] == "tcp" else FramerType.RTU
        client = ModbusTcpClient(sys.argv[2], port=int(sys.argv[3]), framer=framer, timeout=5, retries=0)
        operations = json.loads(sys.argv[4])
    else:
        client = ModbusSerialClient(sys.argv[2], baudrate=9600, parity="N", stopbits=1, bytesize=8, timeout=4, retries=0)
        operations = json.loads(sys.argv[3])
    if not client.connect():
        print(json.dumps([{"error": "cannot connect"}]))
        return 1
    try:
        print(json.dumps(run(client, operations)))
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
