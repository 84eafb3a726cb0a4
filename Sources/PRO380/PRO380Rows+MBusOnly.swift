import Foundation

/// Manual A2.2 "Write": settings only the M-Bus variant has.
extension PRO380Rows {
    /// Settings only the M-Bus variant has (manual A2.2 "Write"); no register to read them back.
    static let mbusOnly: [RegisterDefinition] = [
        row(
            "mbus_primary_address",
            "M-Bus primary address",
            nil,
            .setting,
            .identity,
            write: WriteSpecification(allowed: .integers(0...250), mbus: .primaryAddress)
        ),
        row(
            "mbus_secondary_address",
            "M-Bus secondary address",
            nil,
            .setting,
            .identity,
            write: WriteSpecification(allowed: .digits(8), mbus: .secondaryAddress)
        ),
    ]
}
