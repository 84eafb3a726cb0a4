import Bridge
import Foundation
import MBus
import SerialIO
import Simulator
import Testing

/// Commissioning scan over a simulated bus on a real pseudo-terminal.
@Suite struct MBusScannerTests {
    typealias Harness = MBusSimulatorHarness

    static func options(primary: ClosedRange<UInt8>?) -> MBusScanner.Options {
        var options = MBusScanner.Options()
        options.primaryAddresses = primary
        options.timeout = .milliseconds(400)
        return options
    }

    /// Five meters all left at the default primary address 0: the secondary search narrows digit by digit (three
    /// digits deep for 13070001 and 13170042) and finds all five.
    /// Every empty mask costs one reply timeout, so the serial numbers part early to keep the test short.
    @Test func secondarySearchFindsFiveMetersSharingAddressZero() async throws {
        let serials = ["13070001", "13170042", "24000001", "35000009", "46001234"]
        let meters = try serials.map { try Harness.meter(serial: $0, primary: 0) }
        let result = try await Harness.with(meters) { _, server in
            let port = try SerialPort(
                device: server.endpoint,
                settings: LineSettings(baudRate: 2400),
                logger: Harness.logger
            )
            defer { Task { await port.close() } }
            return try await MBusScanner.scan(port, options: Self.options(primary: nil))
        }
        #expect(Set(result.meters.map(\.serialNumber)) == Set(serials))
        #expect(result.meters.allSatisfy { $0.primaryAddress == nil && $0.manufacturer == "INM" && $0.version == 1 })
        let yaml = MBusScanner.configurationYAML(
            result.meters,
            link: .mbusSerial(device: "/dev/ttyUSB0", settings: LineSettings(baudRate: 2400))
        )
        #expect(yaml.contains("    mbus_serial: {device: /dev/ttyUSB0, baud: 2400}"))
        for serial in serials {
            #expect(yaml.contains("      - {name: meter-\(serial), secondary_address: \"\(serial)\"}  "))
        }
    }

    /// The primary pass over the same five meters sees the collision at address 0 (a generous timeout: the five
    /// overlapping replies must arrive even on a loaded machine to be told from silence).
    @Test func primaryPassReportsTheCollisionAtAddressZero() async throws {
        let serials = ["13070001", "13170042", "24000001", "35000009", "46001234"]
        let meters = try serials.map { try Harness.meter(serial: $0, primary: 0) }
        let result = try await Harness.with(meters) { _, server in
            let port = try SerialPort(
                device: server.endpoint,
                settings: LineSettings(baudRate: 2400),
                logger: Harness.logger
            )
            defer { Task { await port.close() } }
            var options = Self.options(primary: 0...1)
            options.searchSecondary = false
            options.timeout = .seconds(2)
            return try await MBusScanner.scan(port, options: options)
        }
        #expect(result.collidingPrimaryAddresses == [0])
        #expect(result.meters.isEmpty)
    }

    @Test func primaryPassFindsMetersAtTheirOwnAddresses() async throws {
        let meters = [
            try Harness.meter(serial: "13070001", primary: 1), try Harness.meter(serial: "13070003", primary: 3),
        ]
        let result = try await Harness.with(meters, on: .tcp(host: "127.0.0.1", port: 0)) { _, server in
            let transport = try await TCPTransport.connect(host: "127.0.0.1", port: server.port!, timeout: .seconds(2))
            defer { Task { await transport.close() } }
            var options = Self.options(primary: 0...4)
            options.searchSecondary = false
            options.timeout = .seconds(1)  // three empty addresses: cheap, and safe on a loaded machine
            return try await MBusScanner.scan(transport, options: options)
        }
        #expect(result.meters.map(\.primaryAddress) == [1, 3])
        #expect(result.meters.map(\.serialNumber) == ["13070001", "13070003"])
        #expect(result.collidingPrimaryAddresses.isEmpty)
        let yaml = MBusScanner.configurationYAML(result.meters, link: .mbusTCP(host: "10.0.0.9", port: 10001))
        #expect(yaml.hasPrefix("buses:\n  - name: mbus\n    mbus_tcp: {host: 10.0.0.9, port: 10001}\n    meters:\n"))
        #expect(yaml.contains("      - {name: meter-13070003, address: 3}  "))
    }
}
