#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/Corpus/TARGET/seed-* from the golden vectors of the unit tests (the seeds are
committed; rerun after changing a vector or a harness's selector bytes: `python3 Fuzz/make-seeds.py`). Each target's
harness (Fuzz/Sources) reads its leading selector bytes first; see the comments there. The regression-* files are
inputs that crashed a target once (each is also a unit test); they are copied by hand and left alone here."""
import os

here = os.path.dirname(os.path.abspath(__file__))


def hexbytes(text):
    return bytes.fromhex(text.replace(" ", ""))


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def rtu(frame):
    return frame + crc16(frame)


def mbap(tid, unit, pdu):
    return tid.to_bytes(2, "big") + b"\x00\x00" + (len(pdu) + 1).to_bytes(2, "big") + bytes([unit]) + pdu


def write(target, name, data):
    folder = os.path.join(here, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# Modbus: replies from RTUFramingTests / TCPFramingTests and the PRO380 manual (read of 0x4000..., exception 02).
read_reply = hexbytes("03 04 43 66 4C CD")
exception = hexbytes("83 02")
regs60 = bytes([0x03, 120]) + bytes(range(120))
write_reply = hexbytes("10 40 0D 00 02")
single_reply = hexbytes("06 60 48 00 02")


def awaiting(registers, sizes):
    """modbus-rtu's two selector bytes (Fuzz/Sources/ModbusTargets.swift): byte 0 is 0 for no awaited request, else
    a read of byte0 % 125 + 1 registers is awaited; byte 1 picks the chunk sizes."""
    selector = 0 if registers == 0 else (125 if registers == 1 else registers - 1)
    return bytes([selector, sizes])


for n, (selector, stream) in enumerate([
    (awaiting(0, 0), hexbytes("01 03 04 43 66 4C CD FA FD")),
    (awaiting(2, 5), hexbytes("00 01 03 04 43 66 4C CD FA FD")),  # a stray byte, then the awaited reply
    (awaiting(0, 3), rtu(b"\x01" + exception)),
    (awaiting(60, 7), rtu(b"\x01" + regs60)),
    (awaiting(0, 1), rtu(b"\x01" + write_reply) + rtu(b"\x01" + single_reply)),
    (awaiting(2, 0), hexbytes("01 03 04 43 66 4C CD FA FE") + rtu(b"\x01" + exception)),  # bad CRC, then 83 02
]):
    write("modbus-rtu", f"seed-{n}", selector + stream)
for n, stream in enumerate([
    mbap(1, 1, read_reply),
    mbap(2, 1, exception),
    mbap(3, 1, regs60) + mbap(4, 1, write_reply),
    mbap(5, 1, single_reply),
    hexbytes("00 01 00 00 00 02 01 03"),
]):
    write("modbus-tcp", f"seed-{n}", bytes([n * 3]) + stream)

# M-Bus: FrameCodecTests' manual vectors and VariableDataTests' manual response (PRO380-Mb manual).
manual_response = hexbytes(
    "68 4B 4B 68 08 00 72 00 00 00 00 CD 25 01 02 02 00 00 00 "
    "0C 04 14 48 60 01 8C 10 04 23 80 35 00 8C 20 04 91 67 24 01 "
    "1C 04 46 13 69 00 9C 10 04 56 34 12 00 9C 20 04 90 78 56 00 "
    "2C 04 68 34 91 00 AC 10 04 67 45 23 00 AC 20 04 01 89 67 00 7C 16")
frames = [
    hexbytes("10 5B 00 5B 16"), hexbytes("10 40 01 41 16"), hexbytes("E5"),
    hexbytes("68 03 03 68 53 01 BB 0F 16"), hexbytes("68 06 06 68 53 01 51 01 7A 01 21 16"),
    hexbytes("68 09 09 68 53 01 51 0C 79 15 01 23 45 A8 16"),
    hexbytes("68 08 08 68 53 01 51 09 7C 01 54 02 81 16"), manual_response,
]
for n, frame in enumerate(frames):
    write("mbus-frame", f"seed-{n}", bytes([n]) + frame)
write("mbus-frame", "seed-concatenated", b"\x05" + b"".join(frames))
user_data = manual_response[6:-2]  # CI field and what follows, up to the checksum
write("mbus-variable-data", "seed-manual", user_data)
write("mbus-variable-data", "seed-negative-bcd", b"\x72" + manual_response[7:19] + hexbytes("0C 04 14 48 6B 01 8C 10 04 23 80 35 00"))
write("mbus-variable-data", "seed-short-header", b"\x7A" + hexbytes("02 00 00 00") + hexbytes("04 03 39 30 00 00 02 FD 3A 05 00 0F 01 02"))
write("mbus-variable-data", "seed-write", hexbytes("51 09 7C 01 54 02 01 FD 3A 05"))

# IEC 62056-21: Telegrams.swift (short and full forms), as a data block and as a data message stream.
short_form = hexbytes(
    "02302e302e30283133303730303432290d0a312e382e30283030313233342e35362a6b5768290d0a33322e372e30283233312e322a5"
    "6290d0a462e46283030290d0a210d0a0300")
full_form = hexbytes(
    "02312d303a312e382e302a3235352830303031322e3334352a6b5768290d0a312d303a322e382e302a32353528302e3030302a6b57"
    "68290d0a432e312e30284d54313734290d0a210d0a0348")
write("iec62056-data-block", "seed-short", b"\x00" + short_form)
write("iec62056-data-block", "seed-full", b"\x07" + full_form)
write("iec62056-data-block", "seed-block", short_form[1:-5])
write("iec62056-data-block", "seed-list", b"1.8.0(001234.56*kWh)(000001.00*kWh)\r\n(2)\r\nC.1.0(MT174)\r\n")

# Config: the sample config (config/example.yaml) and small variants.
with open(os.path.join(here, "..", "config", "example.yaml"), "rb") as f:
    write("config-yaml", "seed-example", f.read())
write("config-yaml", "seed-minimal",
      b"mqtt: {host: 127.0.0.1, port: 1883, client_id: basement-bridge, base_topic: pro380}\n"
      b"buses:\n  - name: basement\n    modbus_rtu: {device: /dev/ttyUSB0, baud: 9600, parity: even}\n"
      b"    meters:\n      - {name: main, address: 1, interval: 10s}\n"
      b"      - {name: kitchen, address: 2, groups: {instantaneous: 5s, energy: 30s, identity: 1h}}\n")
# The TLS and password files named here exist in the fuzz target's config folder (BridgeTargets.configFolder), so
# this seed decodes; seed-tls-missing names files that do not, for the error path (every problem at once).
write("config-yaml", "seed-tls",
      b"mqtt:\n  connect_timeout: 5s\n  password_file: password\n"
      b"  tls: {ca_file: ca.pem, cert_file: c.pem, key_file: c.key, insecure: true}\n"
      b"buses:\n  - name: g\n    modbus_tcp: {host: 192.0.2.10, port: 502}\n    meters: [{name: pv, address: 3}]\n")
write("config-yaml", "seed-tls-missing",
      b"mqtt:\n  connect_timeout: 0s\n  password_file: nowhere\n  tls: {ca_file: /nonexistent/ca.pem, cert_file: c.pem}\n"
      b"buses:\n  - name: g\n    modbus_tcp: {host: 192.0.2.10, port: 502}\n    meters: [{name: pv, address: 3}]\n")

# Commands: README's payloads; byte 0 picks the key (0 = tariff in table order), byte 1 the protocol.
for n, payload in enumerate([
    b"2", b"T1", b'{"value": 2, "persist": false, "id": "evening-42"}', b'{"value": "T2", "persist": false}',
    b'{"value": 4800}', b'{"value": 1, "time": "2026-11-29T12:00:00Z"}', b"none", b"0.1", b"{}", b"[1]",
]):
    write("command-payload", f"seed-{n}", bytes([n % 11, n % 3]) + payload)
