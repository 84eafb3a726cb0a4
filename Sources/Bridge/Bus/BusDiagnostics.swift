/// The counters of one bus, published under `<base>/bridge/<client_id>/diagnostics` in `buses.<name>`.
///
/// The same keys for every protocol (a figure a protocol cannot have stays 0); the keys are listed and explained
/// in docs/diagnostics.md and are kept stable.
package struct BusDiagnostics: Sendable, Equatable {
    /// `modbus`, `mbus`, `iec62056` or `modbus_listen`.
    package var meterProtocol: String
    /// The device path or `host:port`.
    package var endpoint: String
    /// The serial line's speed in baud (the sign-on speed for IEC 62056-21); `nil` on TCP.
    package var baudRate: Int?
    /// The meters configured on the bus.
    package var meters: Int
    /// Transactions waiting for the gate now.
    package var queueLength: Int
    /// Transports opened (the first open included), failed opens, transports closed after a failure.
    package var transportOpens: Int
    package var openFailures: Int
    package var transportDrops: Int
    /// The bus's transactions, all meters together.
    package var counters: TransactionCounters
    /// What a listen-only bus counts besides (`nil`, and left out of the JSON, for a bus the bridge polls).
    package var listen: ListenCounters? = nil

    /// The JSON object, keys in a stable order.
    package var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("protocol", .string(meterProtocol)),
            ("endpoint", .string(endpoint)),
            ("baud", baudRate.map { .integer($0) } ?? .null),
            ("meters", .integer(meters)),
            ("transactions", .integer(counters.transactions)),
            ("timeouts", .integer(counters.timeouts)),
            ("protocol_errors", .integer(counters.protocolErrors)),
            ("exceptions", .integer(counters.exceptions)),
            ("checksum_errors", .integer(counters.recoveries.checksumErrors)),
            ("stray_bytes", .integer(counters.recoveries.strayBytes)),
            ("echoes", .integer(counters.recoveries.echoes)),
            ("mismatches", .integer(counters.recoveries.mismatches)),
            ("last_round_trip_ms", counters.lastRoundTrip.map { .fixed($0.milliseconds, digits: 1) } ?? .null),
            ("queue_length", .integer(queueLength)),
            ("transport_opens", .integer(transportOpens)),
            ("open_failures", .integer(openFailures)),
            ("transport_drops", .integer(transportDrops)),
        ]
        if let listen { members.append(("listen", listen.json)) }
        return .object(members)
    }
}
