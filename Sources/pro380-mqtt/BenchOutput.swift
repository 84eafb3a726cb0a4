import Foundation

/// How every `bench` subcommand reports: a progress line per measured step on stderr, the figures on stdout as a
/// table or, with `--json`, as sorted pretty-printed JSON for tracking.
enum BenchOutput {
    /// One progress line on stderr (stdout carries only the figures).
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("  \(line)\n".utf8))
    }

    /// The figures on stdout: `figures` as JSON when `json`, else `table()`.
    /// - Throws: the encoder's error for figures that cannot be encoded.
    static func figures<Figures: Encodable>(_ figures: Figures, json: Bool, table: () -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.write(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            Console.write(table())
        }
    }
}

extension BenchBroker {
    /// Runs `body` with the port of a private broker, which is stopped whether `body` returns or throws.
    static func withBroker<Result>(_ body: (_ port: Int) async throws -> Result) async throws -> Result {
        let broker = try await BenchBroker()
        do {
            let result = try await body(broker.port)
            await broker.stop()
            return result
        } catch {
            await broker.stop()
            throw error
        }
    }
}
