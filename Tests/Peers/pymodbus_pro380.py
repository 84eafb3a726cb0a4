#!/usr/bin/env python3
"""An independent PRO380 Modbus server built on pymodbus 3.16: "a meter that was not written here".

Serves the register map of the Inepro PRO380 user manual, appendix 3 (A3.2), with plausible values:
floats are IEEE-754 singles, big-endian over two registers (ABCD, first register high word).

Behaviour (choices where the manual is silent are marked CHOICE):
- Function 03 reads any range made only of registers in the map. A range touching an address outside the map,
  or one of the PRO1-only rows 0x4015, 0x5000-0x5001, 0x500A-0x500B (unless --pro1), answers exception 02.
- --max-registers N: a read of more than N registers answers exception 03 (CHOICE; Modbus answers 03 for a
  quantity it does not accept) or the code given by --oversize-exception.
- Writes follow the manual's write table: 06 to 0x4003 (1..247), 0x4004 (300..9600), 0x400F (1,4,5,6,9,10,11),
  0x4010 (BCD 01..30), 0x4011 (1,2,3), 0x4016 (0), 0x6048 (1,2,11,12); 16 to 0x400D (float 10000, 2000, 1000,
  100, 10, 1, 0.1, 0.01) and 0x6049 (float 0). A value outside the allowed set answers 03; a write to any other
  address, or with the other function, answers 02 (CHOICE). Tariffs 11/12 switch to T1/T2 and read back as 1/2.
  Writing the Modbus ID moves the meter to the new unit id; baud and parity writes are stored only.
- Unit ids: --unit (repeatable, default 1), one independent meter each. Other ids get no reply (a silent bus).
  Broadcast (unit 0) writes are executed by every meter, without a reply.
- Transports: --serial PATH (RTU; a pty takes 8N1 since ptys refuse parity) or --tcp PORT on 127.0.0.1 with
  --framer socket (Modbus TCP, default) or --framer rtu (RTU over TCP).
Prints READY on stdout once serving.
"""
import argparse
import asyncio
import logging
import signal
import struct
import sys

from pymodbus import FramerType
from pymodbus.constants import ExcCodes
from pymodbus.datastore import ModbusServerContext
from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusSerialServer, ModbusTcpServer


def float_registers(value):
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


def registers_float(words):
    return struct.unpack(">f", struct.pack(">HH", *words))[0]


def ascii_register(text):
    return (ord(text[0]) << 8) | ord(text[1])


PRO1_ONLY = {0x4015, 0x5000, 0x5001, 0x500A, 0x500B}


def pro380_map(unit):
    """Address -> register value for one meter, every row of A3.2."""
    m = {}

    def put(address, words):
        for i, w in enumerate(words):
            m[address + i] = w & 0xFFFF

    put(0x4000, [0x1307, 0x0042])            # serial number, HEX: "13070042"
    put(0x4002, [0x0100])                    # meter code, HEX
    put(0x4003, [unit])                      # Modbus ID
    put(0x4004, [9600])                      # baud rate
    put(0x4005, float_registers(1.0))        # protocol version
    put(0x4007, float_registers(1.18))       # software version
    put(0x4009, float_registers(1.0))        # hardware version
    put(0x400B, [100])                       # meter amps
    put(0x400C, [0x0001])                    # CT ratio (BCD)
    put(0x400D, float_registers(1000.0))     # S0 output rate
    put(0x400F, [10])                        # combination code
    put(0x4010, [0x0010])                    # LCD cycle time, BCD: 10 s
    put(0x4011, [1])                         # parity: even
    put(0x4012, [ascii_register("+ ")])      # current direction L1..L3
    put(0x4013, [ascii_register("+ ")])
    put(0x4014, [ascii_register("- ")])
    put(0x4015, [0])                         # error code (PRO1 only)
    put(0x4016, [3])                         # power down counter
    put(0x4017, [1])                         # quadrants
    put(0x4018, [1])
    put(0x4019, [1])
    put(0x401A, [2])
    put(0x401B, [0xA5C3, 0x1F2E])            # checksum, HEX
    put(0x401D, [0x0000, 0x0001])            # active status word, HEX
    put(0x401F, [0])                         # CT mode
    volts = [231.25, 230.5, 229.75]
    amps = [5.25, 4.5, 3.75]
    pf = [0.98, 0.95, 0.9]
    put(0x5000, float_registers(230.5))      # voltage (PRO1 only)
    for i in range(3):
        put(0x5002 + 2 * i, float_registers(volts[i]))
    put(0x5008, float_registers(49.98))      # frequency
    put(0x500A, float_registers(13.5))       # current (PRO1 only)
    for i in range(3):
        put(0x500C + 2 * i, float_registers(amps[i]))
    apparent = [volts[i] * amps[i] / 1000 for i in range(3)]   # kVA
    active = [apparent[i] * pf[i] for i in range(3)]           # kW
    reactive = [(apparent[i] ** 2 - active[i] ** 2) ** 0.5 for i in range(3)]
    for base, values in ((0x5012, active), (0x501A, reactive), (0x5022, apparent)):
        put(base, float_registers(sum(values)))
        for i in range(3):
            put(base + 2 + 2 * i, float_registers(values[i]))
    put(0x502A, float_registers(sum(active) / sum(apparent)))
    for i in range(3):
        put(0x502C + 2 * i, float_registers(pf[i]))
    # Energy, kWh / kvarh: total, T1, T2, L1, L2, L3 for each of six quantities.
    address = 0x6000
    for total in (16048.14, 16048.14, 10.5, 5210.0, 2815.25, 1320.5):
        t1 = round(total * 0.75, 2)
        l1 = round(total * 0.4, 2)
        l2 = round(total * 0.35, 2)
        for value in (total, t1, round(total - t1, 2), l1, l2, round(total - l1 - l2, 2)):
            put(address, float_registers(value))
            address += 2
    put(0x6048, [1])                         # tariff
    put(0x6049, float_registers(12.5))       # resettable day counter
    return m


S0_RATES = [10000.0, 2000.0, 1000.0, 100.0, 10.0, 1.0, 0.1, 0.01]


def bcd_value(word):
    digits = [(word >> s) & 0xF for s in (12, 8, 4, 0)]
    if any(d > 9 for d in digits):
        return None
    return digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]


class Meter:
    def __init__(self, unit, pro1):
        self.unit = unit
        self.registers = pro380_map(unit)
        self.pro1 = pro1
        self.echo = None

    def readable(self, address, count):
        for a in range(address, address + count):
            if a not in self.registers or (a in PRO1_ONLY and not self.pro1):
                return False
        return True

    def write(self, func_code, address, values):
        """None when accepted, else the exception code."""
        single = {
            0x4003: lambda v: 1 <= v <= 247,
            0x4004: lambda v: v in (300, 600, 1200, 2400, 4800, 9600),
            0x400F: lambda v: v in (1, 4, 5, 6, 9, 10, 11),
            0x4010: lambda v: bcd_value(v) is not None and 1 <= bcd_value(v) <= 30,
            0x4011: lambda v: v in (1, 2, 3),
            0x4016: lambda v: v == 0,
            0x6048: lambda v: v in (1, 2, 11, 12),
        }
        double = {
            0x400D: lambda f: any(abs(f - r) <= r * 1e-6 for r in S0_RATES),
            0x6049: lambda f: f == 0.0,
        }
        if func_code == 6 and address in single and len(values) == 1:
            value = values[0]
            if not single[address](value):
                return ExcCodes.ILLEGAL_VALUE
            self.echo = (address, value)
            self.registers[address] = {11: 1, 12: 2}.get(value, value) if address == 0x6048 else value
            return None
        if func_code == 16 and address in double:
            if len(values) != 2:
                return ExcCodes.ILLEGAL_ADDRESS
            if not double[address](registers_float(values)):
                return ExcCodes.ILLEGAL_VALUE
            self.registers[address], self.registers[address + 1] = values
            return None
        return ExcCodes.ILLEGAL_ADDRESS


class PRO380Context(ModbusServerContext):
    """The meters behind one port, answering pymodbus's datastore calls."""

    def __init__(self, units, pro1, max_registers, oversize_exception):
        # Not calling super().__init__: this context is the datastore itself ("old simulator" path of the server).
        self.old_simulator = True
        self.simdevices = []
        self.meters = [Meter(u, pro1) for u in units]
        self.max_registers = max_registers
        self.oversize_exception = oversize_exception

    def meter(self, device_id):
        for m in self.meters:
            if m.unit == device_id:
                return m
        raise NoSuchIdException(f"no meter with unit id {device_id}")

    def device_ids(self):
        return [m.unit for m in self.meters]

    async def async_getValues(self, device_id, func_code, address, count=1):
        m = self.meter(device_id)
        if func_code == 6 and m.echo and m.echo[0] == address:
            # The 06 response echoes the request, whatever the register reads back as.
            value = m.echo[1]
            m.echo = None
            return [value]
        if func_code != 3:
            return ExcCodes.ILLEGAL_FUNCTION
        if self.max_registers and count > self.max_registers:
            return self.oversize_exception
        if not m.readable(address, count):
            return ExcCodes.ILLEGAL_ADDRESS
        return [m.registers[a] for a in range(address, address + count)]

    async def async_setValues(self, device_id, func_code, address, values):
        m = self.meter(device_id)
        result = m.write(func_code, address, list(values))
        if result is None and address == 0x4003 and func_code == 6:
            m.unit = values[0]
        return result


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--serial", metavar="PATH", help="serial device or pty path (RTU)")
    where.add_argument("--tcp", metavar="PORT", type=int, help="TCP port on 127.0.0.1")
    p.add_argument("--framer", choices=["socket", "rtu"], default="socket", help="TCP framing (default socket = Modbus TCP)")
    p.add_argument("--baud", type=int, default=9600)
    p.add_argument("--parity", choices=["N", "E", "O"], default="N", help="N on a pty (ptys refuse parity)")
    p.add_argument("--unit", type=int, action="append", help="unit id of a meter (repeatable; default 1)")
    p.add_argument("--pro1", action="store_true", help="also serve the PRO1-only rows")
    p.add_argument("--max-registers", type=int, default=0, help="refuse reads of more than N registers")
    p.add_argument("--oversize-exception", type=int, choices=[2, 3], default=3)
    return p.parse_args()


async def main():
    # A test runner may start us from a thread that blocks signals; the mask is inherited. Unblock them so
    # SIGTERM stops the peer.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    args = parse_args()
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    oversize = ExcCodes.ILLEGAL_VALUE if args.oversize_exception == 3 else ExcCodes.ILLEGAL_ADDRESS
    context = PRO380Context(args.unit or [1], args.pro1, args.max_registers, oversize)
    if args.serial:
        server = ModbusSerialServer(
            context, framer=FramerType.RTU, port=args.serial, baudrate=args.baud, bytesize=8, parity=args.parity,
            stopbits=1, ignore_missing_devices=True, broadcast_enable=True)
    else:
        framer = FramerType.SOCKET if args.framer == "socket" else FramerType.RTU
        server = ModbusTcpServer(
            context, framer=framer, address=("127.0.0.1", args.tcp), ignore_missing_devices=True, broadcast_enable=True)
    await server.serve_forever(background=True)
    print("READY", flush=True)
    await server.serving


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
