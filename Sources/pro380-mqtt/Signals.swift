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
