import Foundation
import IEC62056
import Logging
import SerialIO
import Synchronization

/// The meter's side of mode C data readouts on one transport (a pty controller or an accepted TCP connection).
///
/// IEC 62056-21 clause 6.4.1, as a meter: at 300 baud, a request `/?address!` for this meter (or no address) is
/// answered after the reaction time with the identification; an acknowledgement `ACK 0 Z 0` then selects the
/// speed: `0` keeps 300 baud, the offered character switches to the offered rate (the transport is reconfigured;
/// on a pty controller or a socket that changes nothing, the bridge's side does the real switch). The data message
/// follows after the reaction time; then the meter is back at 300 baud, waiting for the next request. An
/// acknowledgement that selects programming mode or another rate is ignored. Faults: see `IEC62056SimulatorFaults`.
struct IEC62056MeterSession: Sendable {
    let transport: any Transport
    let configuration: IEC62056SimulatorConfiguration
    let faults: @Sendable () -> IEC62056SimulatorFaults
    let dataSets: @Sendable () -> [DataSet]
    let logger: Logger

    private static let signOn = LineSettings(baudRate: 300, dataBits: 7, parity: .even, stopBits: 1)

    /// Serves until the task is cancelled or the transport closes.
    func run() async {
        var decoder = HHUMessageDecoder()
        var identified = false
        while !Task.isCancelled {
            do {
                let bytes = try await transport.read(maxCount: 256, timeout: .milliseconds(250))
                decoder.append(bytes)
                while let message = try decoder.decode() {
                    identified = try await handle(message, identified: identified)
                }
            } catch TransportError.timeout {
                continue
            } catch IEC62056Error.messageTooLong {
                identified = false
            } catch {
                logger.debug("IEC 62056-21 session ended: \(error)", metadata: ["endpoint": "\(transport.endpoint)"])
                return
            }
        }
    }

    /// Answers one message; returns whether the meter now waits for an acknowledgement.
    private func handle(_ message: HHUMessage, identified: Bool) async throws -> Bool {
        switch message {
        case .request(let request):
            guard Self.addresses(request.deviceAddress, configuration.deviceAddress) else { return false }
            try await transport.reconfigure(Self.signOn)
            try await Task.sleep(for: configuration.reactionTime)
            try await transport.write(IEC62056Encoder.encode(configuration.identification))
            return true
        case .optionSelect(let select):
            guard identified, select.modeControl == OptionSelectMessage.dataReadout else { return false }
            let offered = configuration.identification.baudCharacter
            guard select.baudCharacter == offered || select.baudRate == Self.signOn.baudRate else { return false }
            var message = IEC62056Encoder.encode(DataMessage(dataSets: dataSets()))
            let faults = faults()
            if faults.badBCC { message[message.count - 1] ^= 0x01 }
            try await Task.sleep(for: configuration.reactionTime)
            if select.baudRate != Self.signOn.baudRate, let rate = select.baudRate {
                if faults.ignoresSpeedSwitch {
                    logger.debug("ignoring the speed switch")
                    try await transport.write(Self.garbleAsSeenAtHigherSpeed(message))
                    return false
                }
                var settings = Self.signOn
                settings.baudRate = rate
                try await transport.reconfigure(settings)
                logger.debug("switched to \(rate) baud")
            }
            try await transport.write(message)
            try await transport.reconfigure(Self.signOn)
            return false
        }
    }

    /// Whether a request for `requested` reaches a meter at `own`: no address reaches every meter; otherwise the
    /// addresses must match with leading zeros ignored.
    static func addresses(_ requested: String?, _ own: String?) -> Bool {
        guard let requested, !requested.isEmpty, let own else { return true }
        func trimmed(_ s: String) -> Substring {
            let t = s.drop { $0 == "0" }
            return t.isEmpty ? "0" : t
        }
        return trimmed(requested) == trimmed(own)
    }

    /// What a UART at the higher rate makes of characters sent at 300 baud: each start bit is a long run of
    /// zeros, read as a NUL with a framing error, and the rest as stray high bytes; never an STX.
    static func garbleAsSeenAtHigherSpeed(_ message: [UInt8]) -> [UInt8] {
        message.prefix(48).map { $0 & 0x01 == 0 ? 0x00 : 0xF8 }
    }
}
