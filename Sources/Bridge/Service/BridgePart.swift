import ServiceLifecycle

/// One long-running part of the bridge as a swift-service-lifecycle `Service`: `body` runs until graceful
/// shutdown reaches this part (then its task is cancelled, or it is asked to finish: `Ending`), and `stop` runs
/// after it, in the part's turn.
///
/// `BridgeService` lists the parts in one `ServiceGroup`, which shuts them down in reverse order; that list is the
/// one place where the shutdown order is stated. A part whose `body` ends early (discovery disabled) waits for its
/// turn before `stop`, so the order holds whatever the parts do.
struct BridgePart: Service, CustomStringConvertible {
    /// How graceful shutdown ends `body` when it reaches this part.
    enum Ending: Sendable {
        /// `body`'s task is cancelled.
        case cancel
        /// `finish` is called and `body` ends by itself (the publisher drains what it started).
        case ask(finish: @Sendable () -> Void)
    }

    let description: String
    let ending: Ending
    let body: @Sendable () async -> Void
    let stop: @Sendable () async -> Void

    init(
        _ description: String,
        ending: Ending = .cancel,
        body: @escaping @Sendable () async -> Void,
        stop: @escaping @Sendable () async -> Void = {}
    ) {
        self.description = description
        self.ending = ending
        self.body = body
        self.stop = stop
    }

    func run() async {
        switch ending {
        case .cancel:
            await cancelWhenGracefulShutdown { await body() }
        case .ask(let finish):
            await withGracefulShutdownHandler {
                await body()
            } onGracefulShutdown: {
                finish()
            }
        }
        try? await gracefulShutdown()
        await stop()
    }
}
