import Foundation
import Outbox

extension OutboxSettings {
    /// Decodes `outbox: {enabled, path, max_bytes, max_age, replay_rate, sync, write_ahead}`, recording every problem with its
    /// file, line and key; without the section, the defaults with the file at `defaultPath`. A relative `path` is
    /// relative to the config file's folder; a path that is a folder is an error, a folder the bridge cannot write
    /// to a warning (`check-config` may run as another user than the service).
    init(_ node: ConfigNode?, files: ConfigFiles, clientID: String, environment: [String: String]) {
        let m = node.flatMap { node in
            node.attempt {
                try node.mapping(
                    allowed: ["enabled", "path", "max_bytes", "max_age", "replay_rate", "sync", "write_ahead"]
                )
            }
        }
        let enabled = m?["enabled"].flatMap { v in v.attempt { try v.bool() } } ?? true
        guard enabled else {
            if let v = m?["path"] { v.problems.record(v.error("enabled: false keeps the outbox in memory: no path")) }
            self.init(storage: .memory)
            self.decodeBounds(m ?? [:])
            return
        }
        guard let v = m?["path"] else {
            let path = Self.defaultPath(clientID: clientID, environment: environment)
            self.init(storage: .file(path))
            // Only when it is another file: under the service the two are one, and stay equal across reloads.
            let service = Self.serviceDefaultPath(clientID: clientID)
            serviceDefaultPath = service == path ? nil : service
            decodeBounds(m ?? [:])
            return
        }
        let path =
            v.attempt { try Self.filePath(v, files: files) }
            ?? Self.defaultPath(clientID: clientID, environment: environment)
        self.init(storage: .file(path))
        decodeBounds(m ?? [:])
    }

    /// `path`, resolved against the config file's folder.
    /// - Throws: `ConfigurationError` for an empty path or one naming a folder.
    private static func filePath(_ v: ConfigNode, files: ConfigFiles) throws -> String {
        let text = try v.string()
        guard !text.isEmpty, !text.hasSuffix("/") else {
            throw v.error("a file path, or enabled: false for memory only")
        }
        let path = files.resolve(text)
        let here = files.lookup(path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: here, isDirectory: &isDirectory), isDirectory.boolValue {
            throw v.error("\(path) is a folder: name the outbox file in it, such as \(path)/outbox.sqlite")
        }
        let folder = URL(fileURLWithPath: here).deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: folder), !FileManager.default.isWritableFile(atPath: folder) {
            v.warn("the folder of \(path) is not writable by this user: the bridge's user must be able to write there")
        }
        return path
    }

    /// `max_bytes`, `max_age`, `replay_rate`, `sync` and `write_ahead`, each recorded with its key when it does not
    /// check.
    private mutating func decodeBounds(_ m: [String: ConfigNode]) {
        if let v = m["max_bytes"] {
            maxBytes =
                v.attempt {
                    guard let bytes = ByteCountText.parse(try v.string()), bytes >= 64 << 10, bytes <= 1 << 40 else {
                        throw v.error(
                            "expected a size from 64KiB to 1TiB, such as 256MB, 512MiB or 1GB, got \(v.describe())"
                        )
                    }
                    return bytes
                } ?? maxBytes
        }
        if let v = m["max_age"] {
            maxAge =
                v.attempt {
                    let age = try v.duration()
                    guard age >= .seconds(60) else { throw v.error("at least 1m") }
                    return age
                } ?? maxAge
        }
        if let v = m["replay_rate"] {
            replayRate =
                v.attempt {
                    guard let rate = Double(try v.string()), rate >= 1, rate <= 100_000 else {
                        throw v.error("expected messages per second, 1 to 100000, got \(v.describe())")
                    }
                    return rate
                } ?? replayRate
        }
        if let v = m["sync"] {
            synchronous =
                v.attempt {
                    guard let value = OutboxSynchronous(rawValue: try v.string()) else {
                        throw v.error(
                            "expected normal (fsync at checkpoints) or full (fsync at every commit), got \(v.describe())"
                        )
                    }
                    return value
                } ?? synchronous
        }
        if let v = m["write_ahead"] { writeAhead = v.attempt { try v.bool() } ?? writeAhead }
    }
}

/// Sizes written `65536`, `512KiB`, `256MB`, `1GiB`: decimal units (kB, MB, GB = 1000^n) and binary ones (KiB,
/// MiB, GiB = 1024^n); a bare number is bytes.
enum ByteCountText {
    static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("kB", 1000), ("KB", 1000),
            ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
        ]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value * Double(factor) < Double(1 << 50) else { return nil }
            return Int((value * Double(factor)).rounded())
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }
}
