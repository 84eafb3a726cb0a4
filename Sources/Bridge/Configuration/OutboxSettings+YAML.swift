import Foundation
import Outbox

extension OutboxSettings {
    /// Decodes `outbox: {enabled, path, max_bytes, max_age, replay_rate, sync}`; without the section, the defaults
    /// with the file at `defaultPath`. A relative `path` is relative to the config file's folder.
    /// - Throws: `ConfigurationError` naming the key.
    init(_ node: ConfigNode?, file: String, clientID: String, environment: [String: String]) throws {
        let m = try node?.mapping(allowed: ["enabled", "path", "max_bytes", "max_age", "replay_rate", "sync"]) ?? [:]
        let enabled = try m["enabled"]?.bool() ?? true
        if !enabled, let path = m["path"] { throw path.error("enabled: false keeps the outbox in memory: no path") }
        var storage = Storage.memory
        if enabled {
            var path = try m["path"]?.string() ?? Self.defaultPath(clientID: clientID, environment: environment)
            if path.isEmpty { throw m["path"]!.error("a file path, or enabled: false for memory only") }
            if !path.hasPrefix("/") {
                path = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
            }
            storage = .file(path)
        }
        self.init(storage: storage)
        if let v = m["max_bytes"] {
            guard let bytes = ByteCountText.parse(try v.string()), bytes >= 64 << 10, bytes <= 1 << 40 else {
                throw v.error("a size from 64KiB to 1TiB, such as 256MB, 512MiB or 1GB")
            }
            maxBytes = bytes
        }
        if let v = m["max_age"] {
            maxAge = try v.duration()
            guard maxAge >= .seconds(60) else { throw v.error("at least 1m") }
        }
        if let v = m["replay_rate"] {
            guard let rate = Double(try v.string()), rate >= 1, rate <= 100_000 else {
                throw v.error("messages per second, 1 to 100000")
            }
            replayRate = rate
        }
        if let v = m["sync"] {
            guard let value = OutboxSynchronous(rawValue: try v.string()) else {
                throw v.error("normal (fsync at checkpoints) or full (fsync at every commit)")
            }
            synchronous = value
        }
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
