import Foundation

/// Runs blocking work (a child process's `waitUntilExit`, a pipe's `readDataToEndOfFile`) on its own thread, never
/// on Swift's cooperative pool: on a 2-core machine that pool has two threads, and two tests blocking them starve
/// every other test's tasks (a scripted peer that cannot answer in time looks like a silent meter).
package enum BlockingCall {
    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
