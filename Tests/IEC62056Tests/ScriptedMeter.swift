import IEC62056
import SerialIO
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A scripted mode C meter on the peer end of a `SocketPairTransport` pair, run beside the client in a task group.
///
/// It answers each request with `identification`; after the acknowledgement it moves its end to the selected
/// speed unless it `ignoresSpeedSwitch` (the field case of a meter that proposes a rate and keeps talking at
/// 300 baud), then sends `dataMessage` (already encoded, so tests can corrupt it). It runs until the client closes
/// its end and returns every message the HHU sent.
struct ScriptedMeter {
    var identification: IdentificationMessage
    var dataMessage: [UInt8]
    var ignoresSpeedSwitch = false
    var sendsParityBits = false

    func run(on end: SocketPairTransport) async throws -> [HHUMessage] {
        var decoder = HHUMessageDecoder()
        var received: [HHUMessage] = []
        while true {
            guard let message = try decoder.decode() else {
                do {
                    decoder.append(try await end.read(maxCount: 256, timeout: .seconds(10)))
                } catch TransportError.closed {
                    return received
                }
                continue
            }
            received.append(message)
            do {
                try await answer(message, on: end)
            } catch TransportError.closed {
                return received
            } catch TransportError.systemCall(_, _, let code) where code == EPIPE || code == ECONNRESET {
                // The client hung up while the meter was still answering (it refused the identification).
                return received
            }
        }
    }

    private func answer(_ message: HHUMessage, on end: SocketPairTransport) async throws {
        let signOn = LineSettings(baudRate: 300, dataBits: 7, parity: .even)
        switch message {
        case .request:
            try await end.reconfigure(signOn)
            try await end.write(wire(IEC62056Encoder.encode(identification)))
        case .optionSelect(let select):
            let rate = select.baudRate ?? 300
            try await end.waitForOtherEnd(baudRate: rate)
            if !ignoresSpeedSwitch {
                try await end.reconfigure(LineSettings(baudRate: rate, dataBits: 7, parity: .even))
            }
            try await end.write(wire(dataMessage))
        }
    }

    private func wire(_ bytes: [UInt8]) -> [UInt8] { sendsParityBits ? SevenBit.withEvenParity(bytes) : bytes }
}
