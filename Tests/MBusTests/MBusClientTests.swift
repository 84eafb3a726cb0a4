import Foundation
import SerialIO
import TestSupport
import Testing

@testable import MBus

/// The client against a scripted slave over a real socketpair.
@Suite struct MBusClientTests {
    /// Generous timeouts: a loaded 2-core machine running the whole suite must not turn a late answer into a failure.
    static let fast = MBusClientConfiguration(
        replyTimeout: .seconds(1),
        interCharacterTimeout: .seconds(1)
    )

    /// Runs `client` against a peer answering `replies` in turn; returns the client's result and the frames the peer got.
    func withPeer<T: Sendable>(
        _ replies: [[UInt8]],
        configuration: MBusClientConfiguration = fast,
        _ body: @Sendable (MBusClient, SocketPairTransport) async throws -> T
    ) async throws -> (Result<T, any Error>, [MBusFrame]) {
        let (master, slave) = SocketPairTransport.makePair()
        let peer = Task { try await ScriptedPeer.run(slave, replies: replies) }
        let client = MBusClient(transport: master, configuration: configuration)
        let result: Result<T, any Error>
        do { result = .success(try await body(client, master)) } catch { result = .failure(error) }
        await master.close()
        let frames = (try? await peer.value) ?? []
        await slave.close()
        return (result, frames)
    }

    @Test func multiTelegramReadoutTogglesFCBAndJoinsParts() async throws {
        let part1 = telegram(access: 1, records: [energyRecord(0, 1_604_814)], more: true)
        let part2 = telegram(access: 2, records: [energyRecord(1, tariff: 1, 123_456)])
        let (result, frames) = try await withPeer([[0xE5], part1, part2]) { client, _ in
            try await client.readData(from: .primary(5), manufacturer: .inepro)
        }
        let reading = try result.get()
        #expect(reading.telegramCount == 2)
        #expect(reading.records.map(\.scaledValue) == [16_048_140, 1_234_560])
        #expect(
            frames == [
                .short(control: .sndNKE, address: 5), .short(control: .reqUD2(fcb: true), address: 5),
                .short(control: .reqUD2(fcb: false), address: 5),
            ]
        )
    }

    @Test func garbledReplyIsRetriedWithTheSameFCB() async throws {
        let good = telegram(access: 7, records: [energyRecord(0, 42)])
        let bad = telegram(access: 7, records: [energyRecord(0, 42)], corruptChecksum: true)
        let (result, frames) = try await withPeer([[0xE5], bad, good]) { client, _ in
            try await client.readData(from: .primary(5))
        }
        #expect(try result.get().records.first?.scaledValue == 420)
        #expect(
            frames.dropFirst() == [
                .short(control: .reqUD2(fcb: true), address: 5), .short(control: .reqUD2(fcb: true), address: 5),
            ]
        )
    }

    @Test func stuckAccessNumberGivesUp() async throws {
        let part = telegram(access: 3, records: [energyRecord(0, 1)], more: true)
        let (result, _) = try await withPeer([[0xE5], part, part, part, part]) { client, _ in
            try await client.readData(from: .primary(5))
        }
        #expect(throws: MBusError.telegramsNotAdvancing(address: "primary address 5", accessNumber: 3, attempts: 3)) {
            try result.get()
        }
    }

    @Test func swappedManufacturerBytesAreRefused() async throws {
        let swapped = telegram(access: 1, records: [], manufacturer: ManufacturerCode(rawValue: 0xCD25))
        let (result, _) = try await withPeer([[0xE5], swapped]) { client, _ in
            try await client.readData(from: .primary(5), manufacturer: .inepro)
        }
        #expect(throws: MBusError.manufacturerMismatch(expected: "INM", received: "SIE")) { try result.get() }
    }

    @Test func silentSecondaryAddressIsNamed() async throws {
        let address = try SecondaryAddress(identification: "13070042", manufacturer: .inepro, version: 1, medium: 2)
        let (result, frames) = try await withPeer([[], [], []]) { client, _ in
            try await client.readData(from: .secondary(address))
        }
        #expect(throws: MBusError.noReply(address: "secondary address 13070042 INM v01 medium 02", attempts: 3)) {
            try result.get()
        }
        #expect(
            frames.first
                == .long(control: .sndUD(fcb: false), address: 253, ci: 0x52, data: bytes("42 00 07 13 CD 25 01 02"))
        )
    }

    @Test func baudRateChangeAcknowledgedAtOldSpeedThenReconfigures() async throws {
        let (result, frames) = try await withPeer([[0xE5], [0xE5]]) { client, transport in
            try await client.sendNKE(to: 1)
            try await client.changeBaudRate(of: 1, to: 9600)
            return transport.reconfigurations
        }
        #expect(try result.get() == [LineSettings(baudRate: 9600)])
        #expect(frames.last == .long(control: .sndUD(fcb: true), address: 1, ci: 0xBD, data: []))
    }

    @Test func tariffWriteIsAcknowledged() async throws {
        let record = MBusDataRecord(
            dib: DataInformationBlock(coding: .bcd2),
            vib: ValueInformationBlock(vif: 0x7C, plainText: "T"),
            value: .number(2)
        )
        let (result, frames) = try await withPeer([[0xE5]]) { client, _ in try await client.write([record], to: 1) }
        try result.get()
        #expect(frames == [.long(control: .sndUD(fcb: true), address: 1, ci: 0x51, data: bytes("09 7C 01 54 02"))])
    }

    @Test func secondarySearchNarrowsOnCollisions() async throws {
        // Wildcard: collision; 0FFFFFFF: nothing; 1FFFFFFF: one meter, confirmed by its telegram; 2..9: nothing.
        let meter = telegram(address: 253, access: 1, records: [])
        let replies: [[UInt8]] = [[0xE5, 0x00, 0xE5], [], [0xE5], meter] + Array(repeating: [], count: 8)
        let (result, _) = try await withPeer(replies) { client, _ in try await client.searchSecondaryAddresses() }
        #expect(try result.get().map(\.address.identification) == ["13070042"])
    }
}

/// A probe of a meter that stopped answering costs one reply timeout, not one per repeat.
@Suite struct MBusProbeAttemptsTests {
    @Test func probeSendsEachRequestOnce() async throws {
        let (master, slave) = SocketPairTransport.makePair()
        let peer = Task { try await ScriptedPeer.run(slave, replies: [[]]) }
        let client = MBusClient(transport: master, configuration: MBusClientTests.fast)
        await #expect(throws: MBusError.noReply(address: "primary address 5", attempts: 1)) {
            try await client.withAttempts(1) { try await client.readData(from: .primary(5)) }
        }
        #expect(client.configuration.attempts == 3, "the configured repeats apply again after the probe")
        let frames = try await peer.value
        #expect(frames == [.short(control: .sndNKE, address: 5)])
        await master.close()
        await slave.close()
    }
}
