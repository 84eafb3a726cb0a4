import Foundation
import SerialIO

@testable import MBus

/// A frame the scripted peer received.
typealias MBusFrameRecord = MBusFrame

/// Reads whole frames from a transport with an `MBusFrameDecoder`.
struct MBusFrameDecoderBox {
    var decoder = MBusFrameDecoder()

    mutating func nextFrame(from transport: any Transport) async throws -> MBusFrame {
        while true {
            if let frame = try decoder.decode() { return frame }
            decoder.append(try await transport.read(maxCount: 512, timeout: .seconds(5)))
        }
    }
}

/// A scripted M-Bus slave on the other end: for each step it reads one frame, records it and sends the reply
/// bytes (none = stays silent).
enum ScriptedPeer {
    static func run(_ transport: any Transport, replies: [[UInt8]]) async throws -> [MBusFrameRecord] {
        var decoder = MBusFrameDecoderBox()
        var received: [MBusFrameRecord] = []
        for reply in replies {
            let frame = try await decoder.nextFrame(from: transport)
            received.append(frame)
            if !reply.isEmpty { try await transport.write(reply) }
        }
        return received
    }
}

/// A RSP_UD telegram from address `address` with the given access number and records.
func telegram(
    address: UInt8 = 5,
    access: UInt8,
    records: [MBusDataRecord],
    more: Bool = false,
    manufacturer: ManufacturerCode = .inepro,
    corruptChecksum: Bool = false
) -> [UInt8] {
    let structure = VariableDataStructure(
        header: .long(
            FixedDataHeader(
                address: try! SecondaryAddress(
                    identification: "13070042",
                    manufacturer: manufacturer,
                    version: 1,
                    medium: 2
                ),
                accessNumber: access
            )
        ),
        records: records,
        moreRecordsFollow: more
    )
    var bytes = MBusFrameEncoder.encode(
        .long(control: .rspUD(), address: address, ci: 0x72, data: try! VariableDataEncoder.encode(structure))
    )
    if corruptChecksum { bytes[bytes.count - 2] &+= 1 }
    return bytes
}

func energyRecord(_ function: UInt8, tariff: UInt32 = 0, _ value: Int) -> MBusDataRecord {
    MBusDataRecord(
        dib: DataInformationBlock(coding: .bcd8, functionField: function, tariff: tariff),
        vib: ValueInformationBlock(vif: 0x04),
        value: .number(.init(value))
    )
}
