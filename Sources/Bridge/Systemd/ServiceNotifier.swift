import Foundation
package import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd (a `Type=notify` unit) how the bridge is: ready, its status, the watchdog, stopping
/// (`ServiceNotifications` decides what, `NotifySocket` sends it). The last service of `BridgeService`'s
/// `ServiceGroup`, so a graceful shutdown reaches it first and `STOPPING=1` goes out as shutdown begins.
package struct ServiceNotifier: Service {
    let socket: NotifySocket
    let status: BridgeStatus
    let watchdogTimeout: Duration?
    let logger: Logger
    /// How often the state is looked at (the watchdog pings go out every half timeout).
    let tick: Duration

    /// A notifier for the socket and watchdog `environment` names (`NOTIFY_SOCKET`, `WATCHDOG_USEC`,
    /// `WATCHDOG_PID`); `nil` when the daemon does not run under a service manager that listens.
    package init?(
        status: BridgeStatus,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger,
        tick: Duration = .seconds(1)
    ) {
        guard let socket = NotifySocket(environment: environment) else { return nil }
        self.socket = socket
        self.status = status
        self.watchdogTimeout = ServiceNotifications.watchdogTimeout(
            environment: environment,
            pid: ProcessInfo.processInfo.processIdentifier
        )
        self.logger = logger
        self.tick = tick
    }

    package func run() async {
        let notifications = ServiceNotifications(watchdogTimeout: watchdogTimeout)
        logger.debug(
            "notifying the service manager",
            metadata: [
                "socket": "\(socket.address)", "watchdog": "\(watchdogTimeout.map { "\($0)" } ?? "off")",
            ]
        )
        await cancelWhenGracefulShutdown { await notify(notifications) }
        socket.send(notifications.stopping())
    }

    /// Tells the manager that a reload begins (`RELOADING=1`, `MONOTONIC_USEC=`).
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        socket.send(
            ServiceNotifications.reloading(
                monotonicMicroseconds: UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
            )
        )
    }

    /// Tells the manager that the reload is done (`READY=1`), and the bridge's state with `note`.
    func reloaded(note: String) {
        socket.send(ServiceNotifications.reloaded(status.snapshot(), note: note))
    }

    /// Ticks until cancelled (by the graceful shutdown).
    private func notify(_ start: ServiceNotifications) async {
        var notifications = start
        while !Task.isCancelled {
            let messages = notifications.tick(status.snapshot())
            if !messages.isEmpty, !socket.send(messages) {
                logger.debug(
                    "the service manager did not take a notification",
                    metadata: ["socket": "\(socket.address)"]
                )
            }
            try? await Task.sleep(for: tick)
        }
    }
}
