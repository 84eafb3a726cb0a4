import ServiceLifecycle

/// One long-running part of the bridge as a swift-service-lifecycle `Service`: `body` runs until graceful
/// shutdown reaches this part (then its task is cancelled), and `stop` runs after it, in the part's turn.
///
/// `BridgeService` lists the parts in one `ServiceGroup`, which shuts them down in reverse order; that list is the
/// one place where the shutdown order is stated. A part whose `body` ends early (discovery disabled) waits for its
/// turn before `stop`, so the order holds whatever the parts do.
struct BridgePart: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void
    let stop: @Sendable () async -> Void

    init(
        _ description: String,
        body: @escaping @Sendable () async -> Void,
        stop: @escaping @Sendable () async -> Void = {}
    ) {
        self.description = description
        self.body = body
        self.stop = stop
    }

    func run() async {
        await cancelWhenGracefulShutdown { await body() }
        try? await gracefulShutdown()
        await stop()
    }
}
