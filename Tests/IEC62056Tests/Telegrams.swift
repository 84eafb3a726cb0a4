import CodecSupport
import IEC62056

/// Golden telegrams written from IEC 62056-21 clause 6.3.4 (`STX Data block ! CR LF ETX BCC`). The BCC bytes
/// were computed independently by the PyPI package iec62056-21 0.0.2 (`Tests/Peers/iec_telegram.py encode`)
/// and are fixed here; `PythonOracleTests` repeats that computation live when the venv exists.
enum Telegrams {
    /// Short addresses, a value without unit, `F.F`. BCC 0x00 (the XOR happens to cancel out).
    static let shortForm: [UInt8] = hex(
        "02302e302e30283133303730303432290d0a312e382e30283030313233342e35362a6b5768290d0a33322e372e30283233312e322a5"
            + "6290d0a462e46283030290d0a210d0a0300"
    )
    static let shortFormSets = [
        DataSet(address: "0.0.0", value: "13070042"), DataSet(address: "1.8.0", value: "001234.56", unit: "kWh"),
        DataSet(address: "32.7.0", value: "231.2", unit: "V"), DataSet(address: "F.F", value: "00"),
    ]

    /// Full addresses `1-0:1.8.0*255` and a text value. BCC 0x48.
    static let fullForm: [UInt8] = hex(
        "02312d303a312e382e302a3235352830303031322e3334352a6b5768290d0a312d303a322e382e302a32353528302e3030302a6b57"
            + "68290d0a432e312e30284d54313734290d0a210d0a0348"
    )
    static let fullFormSets = [
        DataSet(address: "1-0:1.8.0*255", value: "00012.345", unit: "kWh"),
        DataSet(address: "1-0:2.8.0*255", value: "0.000", unit: "kWh"), DataSet(address: "C.1.0", value: "MT174"),
    ]

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// Every message `decode()` yields after feeding `chunks` one by one.
    static func decodeAll(_ chunks: [[UInt8]]) throws -> [DataMessage] {
        var decoder = DataMessageDecoder()
        var messages: [DataMessage] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let message = try decoder.decode() { messages.append(message) }
        }
        return messages
    }

    /// `bytes` cut into random chunks of 1...maxSize bytes, with a seeded generator so a failure repeats.
    static func randomChunks(_ bytes: [UInt8], seed: UInt64, maxSize: Int = 7) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        var chunks: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let size = Int.random(in: 1...maxSize, using: &generator)
            chunks.append(Array(bytes[index..<min(index + size, bytes.count)]))
            index += size
        }
        return chunks
    }
}
