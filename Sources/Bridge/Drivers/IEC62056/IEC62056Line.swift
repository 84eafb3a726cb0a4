package import IEC62056
package import Logging
package import SerialIO

/// The optical head's line: the transport and the readout client of one IEC 62056-21 bus, opened on demand and
/// reopened after a failure.
///
/// Owned by `IEC62056BusSession`; its drivers call `readout` inside the bus's `BusGate`, so one session runs on the
/// line at a time. The transport is opened at the first readout (a missing device is a failed poll, not a failed
/// start) and dropped after a transport failure or a timeout, so the next readout starts on a fresh descriptor or
/// connection. The per-meter `SpeedPolicy` the client learns (a meter that proposes a speed but stays at 300 baud)
/// is kept here, so it survives reopening for the process lifetime.
package actor IEC62056Line {
    /// Opens the transport: a `SerialPort` at the sign-on settings, or a TCP connection.
    package typealias Opener = @Sendable () async throws -> any Transport

    package let endpoint: String
    private let open: Opener
    private let configuration: IEC62056ClientConfiguration
    private let logger: Logger
    private var connection: (transport: any Transport, client: IEC62056Client)?
    private var policies: [String: SpeedPolicy] = [:]
    private var closed = false

    package init(endpoint: String, configuration: IEC62056ClientConfiguration, logger: Logger, open: @escaping Opener) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        self.open = open
    }

    /// Runs one readout session with the meter at `deviceAddress` (`nil`: whichever meter is at the head).
    /// - Throws: `IEC62056Error` (BCC mismatch, timeouts, malformed messages), `TransportError` (the device or
    ///   connection failed; the line is reopened next time), `CancellationError`.
    package func readout(deviceAddress: String?) async throws -> Readout {
        guard !closed else { throw TransportError.closed(endpoint: endpoint) }
        let (transport, client) = try await connect()
        do {
            let readout = try await client.readout(deviceAddress: deviceAddress)
            await learn(from: client, deviceAddress: deviceAddress)
            return readout
        } catch let error as IEC62056Error {
            if case .timeout = error { await drop(transport) }
            throw error
        } catch let error as TransportError {
            await drop(transport)
            throw error
        }
    }

    /// The speed policy in force for the meter at `deviceAddress`.
    package func speedPolicy(forDevice deviceAddress: String?) -> SpeedPolicy {
        policies[deviceAddress ?? ""] ?? .switchToOffered
    }

    /// Closes the transport; later readouts throw `TransportError.closed`.
    package func close() async {
        closed = true
        if let connection { await connection.transport.close() }
        connection = nil
    }

    private func connect() async throws -> (any Transport, IEC62056Client) {
        if let connection { return connection }
        let transport = try await open()
        let client = IEC62056Client(transport: transport, configuration: configuration)
        for (address, policy) in policies {
            await client.rememberSpeedPolicy(policy, forDevice: address.isEmpty ? nil : address)
        }
        connection = (transport, client)
        logger.debug("opened IEC 62056-21 line", metadata: ["endpoint": "\(endpoint)"])
        return (transport, client)
    }

    private func learn(from client: IEC62056Client, deviceAddress: String?) async {
        let learned = await client.speedPolicy(forDevice: deviceAddress)
        let key = deviceAddress ?? ""
        if learned != (policies[key] ?? .switchToOffered) {
            logger.notice(
                "meter keeps talking at the sign-on speed: reading it without a speed switch from now on",
                metadata: ["endpoint": "\(endpoint)", "device_address": "\(deviceAddress ?? "-")"]
            )
        }
        policies[key] = learned
    }

    private func drop(_ transport: any Transport) async {
        guard let connection, connection.transport === transport else { return }
        self.connection = nil
        await transport.close()
    }
}
