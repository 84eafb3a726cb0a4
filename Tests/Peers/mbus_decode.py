"""Decodes an M-Bus RSP_UD telegram (hex on argv[1]) with pyMeterBus and prints its records as JSON lines.

Independent oracle for MBusTests: one JSON object per record with the value pyMeterBus computes (primary VIF
scaling applied, VIFE corrections not), its unit name, storage number, tariff and function name.
"""
import json
import sys

import meterbus

frame = meterbus.load(bytes.fromhex(sys.argv[1]))
header = frame.body.bodyHeader
print(json.dumps({"manufacturer": frame.manufacturer, "access": header.acc_nr_field.parts[0]}))
for record in frame.records:
    print(json.dumps({
        "value": str(record.value),
        "unit": record.unit,
        "storage": record.dib.parse_dife()[0],
        "tariff": record.dib.parse_dife()[1] or 0,
        "function": str(record.dib.function_type),
    }))
