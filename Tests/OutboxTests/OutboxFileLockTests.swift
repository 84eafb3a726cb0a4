import Foundation
import Testing

@testable import Outbox

/// One outbox file, one running bridge: the file's lock on real files, within this process and against another
/// process (`flock(1)` from util-linux holding the lock file).
@Suite struct OutboxFileLockTests {
    let folder: URL
    let limits = OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(3600))

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var path: String { folder.appendingPathComponent("outbox.sqlite").path }

    private func isInUse(_ error: any Error) -> Bool {
        guard case OutboxError.cannotOpen(let failedPath, let reason) = error else { return false }
        return failedPath == path && reason.contains("in use by another running bridge")
    }

    @Test func aSecondOpenIsRefusedUntilTheFirstIsClosed() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Outbox(.file(path), limits: limits)
        _ = try await first.append(OutboxStoreTests.messages(2))
        #expect(performing: { _ = try Outbox(.file(path), limits: limits) }, throws: isInUse)
        // The refused open touched nothing: the first one's messages are all there.
        #expect(try await first.read(after: 0, limit: 10).count == 2)

        await first.close()
        let second = try Outbox(.file(path), limits: limits)
        #expect(second.statisticsAtOpen.count == 2)
        await second.close()
    }

    @Test func anotherProcessHoldingTheLockKeepsTheOutboxClosed() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/flock") else { return }
        let ready = folder.appendingPathComponent("ready").path
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", "--no-fork", path + ".lock", "sh", "-c", "touch '\(ready)'; exec sleep 30"]
        try holder.run()
        defer { holder.terminate() }
        // flock(1) takes the lock before it runs the command, which marks that moment.
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) {
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(FileManager.default.fileExists(atPath: ready))
        #expect(performing: { _ = try Outbox(.file(path), limits: limits) }, throws: isInUse)
        holder.terminate()
        holder.waitUntilExit()
        let outbox = try Outbox(.file(path), limits: limits)
        await outbox.close()
    }
}
