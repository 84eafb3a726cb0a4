import Logging
import PRO380
import ServiceLifecycle

/// One bus with its pollers: the unit that can be started and stopped on its own (the seam for adding and
/// removing buses at run time, e.g. `ServiceGroup.addServiceUnlessShutdown`).
///
/// Runs one `MeterPoller` per meter, and the bus's own `run()` (a listen-only bus listens there), until graceful
/// shutdown; the pollers stop at their next transaction boundary (a transaction in flight finishes). Then its
/// meters are published `offline` and the bus is closed.
struct BusService: Service, CustomStringConvertible {
    let bus: BusSession
    let pollers: [MeterPoller]
    let publisher: Publisher

    init(bus: BusSession, publisher: Publisher, logger: Logger) {
        self.bus = bus
        self.publisher = publisher
        self.pollers = bus.meters.map { meter in
            var meterLogger = logger
            meterLogger[metadataKey: "meter"] = "\(meter.configuration.name)"
            return MeterPoller(
                meter: meter.configuration.name,
                driver: meter.driver,
                intervals: meter.configuration.intervals,
                offlineAfter: meter.configuration.offlineAfter,
                publisher: publisher,
                logger: meterLogger
            )
        }
    }

    var description: String { "bus \(bus.name)" }

    func run() async {
        let (bus, pollers) = (self.bus, self.pollers)
        await BridgePart(
            description,
            body: {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await bus.run() }
                    for poller in pollers { group.addTask { await poller.run() } }
                }
            },
            stop: {
                for poller in pollers { await publisher.publishAvailability(meter: poller.meter, online: false) }
                await bus.close()
            }
        ).run()
    }
}
