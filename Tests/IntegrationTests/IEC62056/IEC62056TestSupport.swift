import Bridge
import Foundation
import IEC62056
import Logging
import PRO380
import SerialIO
import Simulator
import TestSupport

/// Shared pieces of the IEC 62056-21 integration tests.
enum IEC62056Fixtures {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    /// The fixed time every simulator readout is taken at, so the model's values can be compared exactly.
    static let readoutTime = start.addingTimeInterval(3_723)

    static func model() throws -> PRO380Model {
        try PRO380Model(profile: .household(seed: 3), start: start)
    }

    /// A client configuration with short timeouts, so a test of the retry path takes about a second.
    static var quickClient: IEC62056ClientConfiguration {
        IEC62056ClientConfiguration(
            identificationTimeout: .milliseconds(1500),
            dataStartTimeout: .milliseconds(700),
            interCharacterTimeout: .milliseconds(400)
        )
    }

    static func bus(_ link: BusLink, deviceAddress: String? = nil) -> BusConfiguration {
        BusConfiguration(
            name: "optical",
            link: link,
            meters: [MeterConfiguration(name: "m1", address: nil, deviceAddress: deviceAddress)]
        )
    }

    /// A session on a serial device with the quick client configuration (the production opener, shorter waits).
    static func quickSerialSession(device: String, logger: Logger) -> BusSession {
        let bus = bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false))
        return BusSession.iec62056(bus, clientConfiguration: quickClient, logger: logger) { _ in
            try SerialPort(
                device: device,
                settings: LineSettings(baudRate: 300, dataBits: 7, parity: .even),
                logger: logger
            )
        }
    }

    /// Runs `server` while `body` runs, then stops it.
    static func serving<T: Sendable>(
        _ server: IEC62056SimulatorServer,
        _ body: () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await server.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    static func value(_ readings: [Reading], _ key: String) -> MeterValue? {
        readings.first { $0.key == key }?.value
    }
}
