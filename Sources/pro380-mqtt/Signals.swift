import ArgumentParser
import Foundation
import ServiceLifecycle
import UnixSignals

/// Runs `body` and cancels it on SIGINT or SIGTERM (for the subcommands that are not a `ServiceGroup`).
func withTaskCancellationOnSignals(_ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await body() }
        group.addTask {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return }
        }
        try await group.next()
        group.cancelAll()
    }
}

/// Runs a benchmark until it ends or SIGINT/SIGTERM arrives.
///
/// Without this, SIGINT and SIGTERM ended a benchmark by their default action (or not at all, when it inherited
/// SIGINT ignored, as a shell's background job does), with no clean-up: its mosquitto and its bridge were left
/// running. On a signal, `body` is cancelled (its own clean-up stops the children it started and removes its work
/// folder), then every child still running is stopped
/// (`BenchChildren.stopAll`), and the command ends with `ExitCode(128 + signal)`: 130 for Ctrl-C, 143 for SIGTERM.
/// Should `body` not unwind within `unwindBound`, the children are stopped and the process exits anyway.
/// - Throws: what `body` throws when it ends by itself; `ExitCode` after a signal.
func withBenchInterruption(
    unwindBound: Duration = .seconds(20),
    _ body: @escaping @Sendable () async throws -> Void
) async throws {
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let caught: UnixSignal? = try await withThrowingTaskGroup(of: UnixSignal?.self) { group in
        group.addTask {
            try await body()
            return nil
        }
        group.addTask {
            for await signal in signals { return signal }
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        if let first {
            let code = 128 + first.rawValue
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(unwindBound.components.seconds))
                BenchChildren.stopAll()
                exit(code)
            }
        }
        return first
    }
    guard let caught else { return }
    BenchChildren.stopAll()
    throw ExitCode(128 + caught.rawValue)
}
