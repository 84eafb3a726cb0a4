import MQTT

extension MQTTClient {
    /// Connects, then subscribes to `filters` at QoS 1 (the test subscribers' way in). Shuts the client down when
    /// either throws: a client dropped without `shutdown()` fails an assertion, which would end the whole test run
    /// instead of failing one test (found on a loaded machine, where a connect timed out).
    func connectAndSubscribe(_ filters: [String]) async throws {
        do {
            try await connect()
            try await subscribe(filters, qos: .atLeastOnce)
        } catch {
            await shutdown()
            throw error
        }
    }
}
