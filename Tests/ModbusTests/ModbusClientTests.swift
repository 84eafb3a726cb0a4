import Modbus
import SerialIO
import Testing

/// The client over a real socketpair with a scripted peer: recovery and rejection paths.
@Suite struct ModbusClientTests {
    static let read5002 = ModbusRequest.readHoldingRegisters(address: 0x5002, count: 2)

    @Test func readsRegisters() async throws {
        let values = try await withClientAndPeer(
            peer: { peer in
                let adu = try await peer.nextRTURequest()
                #expect(adu == ModbusADU(unit: 1, message: .request(Self.read5002)))
                try await peer.send(bytes("01 03 04 43 66 4C CD FA FD"))
            },
            client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
        )
        #expect(values == [0x4366, 0x4CCD])
    }

    @Test func skipsAStrayByteBeforeTheReply() async throws {
        let (values, diagnostics) = try await withClientAndPeer(
            peer: { peer in
                _ = try await peer.nextRTURequest()
                try await peer.send(bytes("00 01 03 04 43 66 4C CD FA FD"))
            },
            client: { client in
                (try await client.readHoldingRegisters(unit: 1, address: 0x5002, count: 2), client.diagnostics)
            }
        )
        #expect(values == [0x4366, 0x4CCD])
        #expect(diagnostics.strayBytes == 1)
        #expect(diagnostics.crcErrors == 0)
    }

    @Test func reportsAnEchoAsEcho() async throws {
        let error = await #expect(throws: ModbusError.self) {
            try await withClientAndPeer(
                peer: { peer in
                    _ = try await peer.nextRTURequest()
                    try await peer.send(bytes("01 03 50 02 00 02 74 CB") + bytes("01 03 04 43 66 4C CD FA FD"))
                },
                client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
            )
        }
        #expect(error == .echoDetected(endpoint: "socketpair:client"))
    }

    @Test(arguments: [
        ModbusRequest.readHoldingRegisters(address: 0x5002, count: 2),
        .writeSingleRegister(address: 0x6048, value: 2),
        .writeMultipleRegisters(address: 0x400D, values: [0x4120, 0]),
    ])
    func skipsTheEchoWhenExpected(_ request: ModbusRequest) async throws {
        let (response, diagnostics) = try await withClientAndPeer(
            expectEcho: true,
            peer: { peer in
                guard case .request(let received) = try await peer.nextRTURequest().message else { return }
                let reply = ModbusResponse.success(for: received, registers: [0x4366, 0x4CCD])
                try await peer.send(
                    RTUFraming.encode(unit: 1, request: received) + RTUFraming.encode(unit: 1, response: reply)
                )
            },
            client: { client in (try await client.send(unit: 1, request: request), client.diagnostics) }
        )
        #expect(response == .success(for: request, registers: [0x4366, 0x4CCD]))
        #expect(diagnostics.echoes == 1)
        #expect(diagnostics.crcErrors == 0)
    }

    @Test func flushesTrailingGarbageBeforeTheNextRequest() async throws {
        let values = try await withClientAndPeer(
            requestGap: .milliseconds(50),
            peer: { peer in
                _ = try await peer.nextRTURequest()
                try await peer.send(RTUFraming.encode(unit: 1, response: .readHoldingRegisters([1, 2])))
                // A late duplicate reply: it must not be taken as the answer to the next request.
                try await peer.send(RTUFraming.encode(unit: 1, response: .readHoldingRegisters([0xDEAD, 0xBEEF])))
                _ = try await peer.nextRTURequest()
                try await peer.send(RTUFraming.encode(unit: 1, response: .readHoldingRegisters([3, 4])))
            },
            client: { client in
                let first = try await client.readHoldingRegisters(unit: 1, address: 0x5002, count: 2)
                let second = try await client.readHoldingRegisters(unit: 1, address: 0x5002, count: 2)
                return [first, second]
            }
        )
        #expect(values == [[1, 2], [3, 4]])
    }

    @Test func timesOutWithoutAReply() async throws {
        let error = await #expect(throws: ModbusError.self) {
            try await withClientAndPeer(
                timeout: .seconds(1),
                peer: { peer in
                    _ = try await peer.nextRTURequest()
                    try await peer.send([0xFF])
                },
                client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
            )
        }
        #expect(
            error == .timeout(endpoint: "socketpair:client", unit: 1, function: .readHoldingRegisters, bytesReceived: 1)
        )
    }

    @Test func dropsAReplyFromAnotherUnit() async throws {
        let (error, diagnostics) = try await withClientAndPeer(
            timeout: .seconds(1),
            peer: { peer in
                _ = try await peer.nextRTURequest()
                try await peer.send(RTUFraming.encode(unit: 2, response: .readHoldingRegisters([1, 2])))
            },
            client: { client in
                let error = await #expect(throws: ModbusError.self) {
                    try await client.readHoldingRegisters(unit: 1, address: 0x5002, count: 2)
                }
                return (error, client.diagnostics)
            }
        )
        #expect(
            error == .timeout(endpoint: "socketpair:client", unit: 1, function: .readHoldingRegisters, bytesReceived: 9)
        )
        #expect(diagnostics.mismatches == 1)
        #expect(diagnostics.timeouts == 1)
    }

    @Test func throwsTheDevicesException() async throws {
        let (error, diagnostics) = try await withClientAndPeer(
            peer: { peer in
                _ = try await peer.nextRTURequest()
                try await peer.send(bytes("01 83 02 C0 F1"))
            },
            client: { client in
                let error = await #expect(throws: ModbusError.self) {
                    try await client.readHoldingRegisters(unit: 1, address: 0x5000, count: 2)
                }
                return (error, client.diagnostics)
            }
        )
        #expect(error == .exception(function: .readHoldingRegisters, code: .illegalDataAddress))
        #expect(diagnostics.exceptions == 1)
    }

    @Test func confirmsWritesByTheirEcho() async throws {
        try await withClientAndPeer(
            peer: { peer in
                _ = try await peer.nextRTURequest()
                try await peer.send(bytes("01 10 40 0D 00 02 C5 CB"))
                _ = try await peer.nextRTURequest()
                try await peer.send(
                    RTUFraming.encode(unit: 1, response: .writeSingleRegister(address: 0x6048, value: 1))
                )
            },
            client: { client in
                try await client.writeMultipleRegisters(unit: 1, address: 0x400D, values: [0x4120, 0])
                let error = await #expect(throws: ModbusError.self) {
                    try await client.writeSingleRegister(unit: 1, address: 0x6048, value: 2)
                }
                #expect(
                    error
                        == .writeNotConfirmed(
                            request: .writeSingleRegister(address: 0x6048, value: 2),
                            response: .writeSingleRegister(address: 0x6048, value: 1)
                        )
                )
            }
        )
    }

    @Test func broadcastOnlySends() async throws {
        try await withClientAndPeer(
            peer: { peer in
                let adu = try await peer.nextRTURequest()
                #expect(adu == ModbusADU(unit: 0, message: .request(.writeSingleRegister(address: 0x6048, value: 12))))
            },
            client: { client in
                try await client.writeSingleRegister(unit: 0, address: 0x6048, value: 12)
                await #expect(throws: ModbusError.self) {
                    try await client.readHoldingRegisters(unit: 0, address: 0x6048, count: 1)
                }
            }
        )
    }

    @Test func refusesOutOfLimitRequestsBeforeSending() async throws {
        try await withClientAndPeer(
            peer: { _ in },
            client: { client in
                await #expect(throws: ModbusError.self) {
                    try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 126)
                }
                #expect(client.diagnostics.transactions == 0)
            }
        )
    }
}
