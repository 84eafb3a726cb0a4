import CMosquitto

#if canImport(Glibc)
import Glibc
#endif

/// The network thread's wake-up: an `eventfd` (eventfd(2)) that other threads signal and the network thread polls,
/// alone while it sleeps (back-off), together with the broker's socket while connected
/// (`ClientContext.serviceConnection`).
///
/// Why not libmosquitto's own wake-up: every `mosquitto_publish` writes one byte to an internal socket pair, and
/// `mosquitto_loop` reads one byte per pass, so a poll of 70 readings woke the network thread and cost it about 70
/// `select` passes. A client that signals this descriptor once per batch wakes it once.
final class NetworkWakeup: Sendable {
    /// The eventfd, non-blocking and close-on-exec; open for the client's life.
    let descriptor: Int32

    /// - Throws: `MQTTError.libmosquitto` naming `eventfd` when the descriptor cannot be made (no descriptors left).
    init() throws(MQTTError) {
        let descriptor = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard descriptor >= 0 else {
            let code = errno
            throw .libmosquitto(call: "eventfd", code: code, message: String(cString: strerror(code)))
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Ends the network thread's current or next wait (it then looks at its state and its socket again). Any
    /// number of signals before the wait ends it once.
    func signal() {
        var one: UInt64 = 1
        _ = write(descriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// Clears the signals received (the eventfd's counter), so the next wait blocks again.
    func clear() {
        var count: UInt64 = 0
        _ = read(descriptor, &count, MemoryLayout<UInt64>.size)
    }

    /// Sleeps until `deadline` or until signalled, whichever comes first; clears the signal it woke for.
    func wait(until deadline: ContinuousClock.Instant) {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, Self.milliseconds(until: deadline)) > 0 { clear() }
    }

    /// `poll`'s timeout for `deadline`: the milliseconds left, rounded up so a wait never ends before it.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return 0 }
        let (seconds, attoseconds) = remaining.components
        let wholeMilliseconds = seconds.multipliedReportingOverflow(by: 1000).partialValue
        let milliseconds = wholeMilliseconds + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}
