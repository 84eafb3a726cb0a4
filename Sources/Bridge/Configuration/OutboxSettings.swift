import Foundation
package import Outbox

/// The durable outbox (`outbox:`): where readings wait for the broker, and its bounds (docs/outbox.md).
///
/// The YAML loader always gives a file store (the default path below) unless `enabled: false`; a configuration
/// built in code starts in memory, so that tests and embedders never share a state file by accident.
package struct OutboxSettings: Sendable, Equatable {
    /// Where the messages live.
    package enum Storage: Sendable, Equatable {
        /// A SQLite file (WAL mode).
        case file(String)
        /// In memory only (`enabled: false`): lost at a restart.
        case memory
    }

    /// Default `max_bytes` of a file store: 256 MiB (a day of 100 meters' 60 values every 10 s is about 1 GB).
    package static let defaultFileMaxBytes = 256 << 20
    /// Default `max_bytes` in memory: 16 MiB.
    package static let defaultMemoryMaxBytes = 16 << 20
    /// Default `max_age`: 30 days, the longest duration the config accepts.
    package static let defaultMaxAge = Duration.seconds(30 * 24 * 3600)
    /// Default `replay_rate`: 100 messages/s (AWS IoT Core, for one, allows 100 publishes/s per connection).
    package static let defaultReplayRate = 100.0

    package var storage: Storage
    /// `max_bytes`: topic and payload bytes plus 32 per message, summed.
    package var maxBytes: Int
    /// `max_age`: from when a message was stored.
    package var maxAge: Duration
    /// `replay_rate`: backlog messages per second.
    package var replayRate: Double
    /// `sync`: `full` (default: fsync at every commit) or `normal` (fsync at checkpoints).
    package var synchronous: OutboxSynchronous
    /// `write_ahead`: store every QoS 1 reading before it is sent (true), or only what the broker does not
    /// acknowledge in time, at a lost connection and at shutdown (false, the default: `Publisher+Unstored.swift`).
    package var writeAhead: Bool
    /// A hard cap on the file in 4 KiB SQLite pages (not a config key): tests use it to make the disk "full".
    package var maxPageCount: Int?
    /// Where the default file is under the installed service (`serviceStateDirectory`), when the config names no
    /// `path` and the default here is another file (a check run from a shell): `check-config` says both. Nil
    /// otherwise, so that under the service a reload compares equal settings.
    package var serviceDefaultPath: String?

    package init(
        storage: Storage = .memory,
        maxBytes: Int? = nil,
        maxAge: Duration = OutboxSettings.defaultMaxAge,
        replayRate: Double = OutboxSettings.defaultReplayRate,
        synchronous: OutboxSynchronous = .full,
        writeAhead: Bool = false
    ) {
        self.storage = storage
        self.maxBytes =
            maxBytes ?? (storage == .memory ? OutboxSettings.defaultMemoryMaxBytes : OutboxSettings.defaultFileMaxBytes)
        self.maxAge = maxAge
        self.replayRate = replayRate
        self.synchronous = synchronous
        self.writeAhead = writeAhead
    }

    /// `/var/lib/pro380-mqtt/outbox-x.sqlite (max 256MiB, 720h, replay 100/s, sync full)`, for `check-config`;
    /// from a shell, without `path`: `/root/.local/state/pro380-mqtt/outbox-x.sqlite (under the installed service:
    /// /var/lib/pro380-mqtt/outbox-x.sqlite; max 256MiB, ...)`.
    package var summary: String {
        let place: String
        var notes: [String] = []
        switch storage {
        case .file(let path):
            place = path
            if let service = serviceDefaultPath { notes.append("under the installed service: \(service)") }
        case .memory: place = "in memory only"
        }
        let size = maxBytes % (1 << 20) == 0 ? "\(maxBytes >> 20)MiB" : "\(maxBytes) bytes"
        let rate = replayRate.rounded() == replayRate ? "\(Int(replayRate))" : "\(replayRate)"
        let seconds = maxAge.components.seconds
        let age =
            seconds % 3600 == 0 && maxAge.components.attoseconds == 0
            ? "\(seconds / 3600)h" : DurationText.format(maxAge)
        notes.append(
            "max \(size), \(age), replay \(rate)/s, sync \(synchronous.rawValue)\(writeAhead ? ", write-ahead" : "")"
        )
        return "\(place) (\(notes.joined(separator: "; ")))"
    }

    /// The bounds.
    package var limits: OutboxLimits { OutboxLimits(maxBytes: maxBytes, maxAge: maxAge) }

    /// Opens the outbox these settings describe.
    /// - Throws: `OutboxError.cannotOpen` (a damaged file is moved aside instead: see `Outbox.recovery`).
    package func open() throws(OutboxError) -> Outbox {
        switch storage {
        case .file(let path):
            try Outbox(.file(path), limits: limits, synchronous: synchronous, maxPageCount: maxPageCount)
        case .memory: try Outbox(.memory, limits: limits, synchronous: synchronous, maxPageCount: maxPageCount)
        }
    }

    /// The state folder: `$STATE_DIRECTORY` (systemd's `StateDirectory=`, its first entry), else
    /// `$XDG_STATE_HOME/pro380-mqtt`, else `~/.local/state/pro380-mqtt`, else the working folder.
    package static func stateDirectory(environment: [String: String]) -> String {
        if let folders = environment["STATE_DIRECTORY"], let first = folders.split(separator: ":").first {
            return String(first)
        }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/pro380-mqtt" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/pro380-mqtt" }
        return FileManager.default.currentDirectoryPath
    }

    /// The default file: `<state folder>/outbox-<client_id>.sqlite`, one per bridge instance.
    package static func defaultPath(clientID: String, environment: [String: String]) -> String {
        stateDirectory(environment: environment) + "/outbox-\(clientID).sqlite"
    }

    /// The installed service's state folder: systemd sets `$STATE_DIRECTORY` to it from the unit's
    /// `StateDirectory=pro380-mqtt` (config/pro380-mqtt.service; `/var/lib/` + the name for a system service).
    package static let serviceStateDirectory = "/var/lib/pro380-mqtt"

    /// The default file under the installed service: `defaultPath` with the service's `$STATE_DIRECTORY`.
    package static func serviceDefaultPath(clientID: String) -> String {
        defaultPath(clientID: clientID, environment: ["STATE_DIRECTORY": serviceStateDirectory])
    }
}
