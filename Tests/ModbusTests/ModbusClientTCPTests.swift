import Modbus
import SerialIO
import Testing

/// The client in Modbus TCP and RTU-over-TCP framing over a real socketpair.
@Suite struct ModbusClientTCPTests {
    @Test func dropsAStaleTransaction() async throws {
        let (values, diagnostics) = try await withClientAndPeer(
            framing: .tcp,
            peer: { peer in
                let adu = try await peer.nextTCPRequest()
                let id = try #require(adu.transactionID)
                try await peer.send(
                    TCPFraming.encode(transactionID: id &- 1, unit: 1, response: .readHoldingRegisters([9, 9]))
                )
                try await peer.send(
                    TCPFraming.encode(transactionID: id, unit: 1, response: .readHoldingRegisters([1, 2]))
                )
            },
            client: { client in
                (try await client.readHoldingRegisters(unit: 1, address: 0x5002, count: 2), client.diagnostics)
            }
        )
        #expect(values == [1, 2])
        #expect(diagnostics.mismatches == 1)
    }

    @Test func transactionIDsAdvance() async throws {
        try await withClientAndPeer(
            framing: .tcp,
            peer: { peer in
                var seen: [UInt16] = []
                for _ in 0..<2 {
                    let adu = try await peer.nextTCPRequest()
                    seen.append(try #require(adu.transactionID))
                    try await peer.send(
                        TCPFraming.encode(
                            transactionID: adu.transactionID!,
                            unit: 1,
                            response: .readHoldingRegisters([7])
                        )
                    )
                }
                #expect(seen[1] == seen[0] &+ 1)
            },
            client: { client in
                for _ in 0..<2 {
                    let values = try await client.readHoldingRegisters(unit: 1, address: 0x6048, count: 1)
                    #expect(values == [7])
                }
            }
        )
    }

    @Test func asksToReopenAfterRepeatedMismatches() async throws {
        let error = await #expect(throws: ModbusError.self) {
            try await withClientAndPeer(
                framing: .tcp,
                peer: { peer in
                    let adu = try await peer.nextTCPRequest()
                    let id = try #require(adu.transactionID)
                    for stale in 1...3 {
                        try await peer.send(
                            TCPFraming.encode(
                                transactionID: id &- UInt16(stale),
                                unit: 1,
                                response: .readHoldingRegisters([0, 0])
                            )
                        )
                    }
                },
                client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
            )
        }
        #expect(error == .tooManyMismatches(endpoint: "socketpair:client", count: 3))
    }

    @Test func recognisesAModbusTCPGatewayConfiguredAsRTUOverTCP() async throws {
        let error = await #expect(throws: ModbusError.self) {
            try await withClientAndPeer(
                framing: .rtuOverTCP,
                peer: { peer in
                    _ = try await peer.nextRTURequest()
                    try await peer.send(
                        TCPFraming.encode(transactionID: 1, unit: 1, response: .readHoldingRegisters([1, 2]))
                    )
                },
                client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
            )
        }
        #expect(error == .framingMismatch(endpoint: "socketpair:client", configured: .rtuOverTCP, detected: .tcp))
        #expect(error.map { "\($0)" }?.contains("modbus_tcp") == true)
    }

    @Test func recognisesAnRTUOverTCPGatewayConfiguredAsModbusTCP() async throws {
        let error = await #expect(throws: ModbusError.self) {
            try await withClientAndPeer(
                framing: .tcp,
                peer: { peer in
                    _ = try await peer.nextTCPRequest()
                    try await peer.send(bytes("01 03 04 43 66 4C CD FA FD"))
                },
                client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
            )
        }
        #expect(error == .framingMismatch(endpoint: "socketpair:client", configured: .tcp, detected: .rtuOverTCP))
        #expect(error.map { "\($0)" }?.contains("modbus_rtu_over_tcp") == true)
    }

    @Test func rtuOverTCPReadsLikeRTU() async throws {
        let values = try await withClientAndPeer(
            framing: .rtuOverTCP,
            peer: { peer in
                _ = try await peer.nextRTURequest()
                try await peer.send(bytes("01 03 04 43 66 4C CD FA FD"))
            },
            client: { try await $0.readHoldingRegisters(unit: 1, address: 0x5002, count: 2) }
        )
        #expect(values == [0x4366, 0x4CCD])
    }
}
