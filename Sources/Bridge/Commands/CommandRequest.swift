package import Foundation
package import PRO380

/// A command message as it arrived on `<base>/<meter>/<key>/set`, before validation.
package struct CommandRequest: Sendable, Equatable {
    package var meter: String
    package var key: String
    package var payload: [UInt8]
    /// The message carried the retain flag (a broker replaying an old command): never executed.
    package var retained: Bool
    package var receivedAt: Date

    package init(meter: String, key: String, payload: [UInt8], retained: Bool = false, receivedAt: Date = Date()) {
        self.meter = meter
        self.key = key
        self.payload = payload
        self.retained = retained
        self.receivedAt = receivedAt
    }
}

/// Why a command was refused before it touched the bus; the text goes into the error answer.
package struct CommandRejection: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    /// The command's `id` when the payload was readable enough to have one.
    package var id: String?

    package init(_ message: String, id: String? = nil) {
        self.message = message
        self.id = id
    }

    package var description: String { message }
}

/// A command that passed every check: what to write, and the request's `id` for the answer.
package struct ValidatedCommand: Sendable, Equatable {
    package var command: MeterCommand
    package var id: String?

    package init(command: MeterCommand, id: String?) {
        self.command = command
        self.id = id
    }
}
