/// Runs `body` and cancels it after `limit`; returns whether it finished in time.
///
/// For the shutdown steps that wait on the broker: the MQTT client's waits for acknowledgements end on
/// cancellation, so a broker that went away cannot hold the exit.
func withDeadline(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            await body()
            return true
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
}
