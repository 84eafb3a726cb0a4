import Synchronization

/// The QoS 0 messages libmosquitto has taken and its network thread has not yet written to the socket, and a
/// one-shot wake-up for whoever waits for that queue to shrink.
///
/// Why: `mosquitto_publish` takes a QoS 0 message at once and keeps it in the client's outgoing packet list until
/// the network thread writes it; nothing bounds that list. A publisher that counts a QoS 0 message done when
/// libmosquitto took it runs ahead of a busy broker or a slow link, and the list grows for as long as the meters are
/// read faster than the socket drains (ten meters flat out held 140-180 MiB in it, docs/performance.md, stop 22).
/// libmosquitto calls on_publish for a QoS 0 message once the PUBLISH "was passed to the local operating system
/// for delivery" (mosquitto.h, `mosquitto_publish_v5_callback_set`): each such call is one message written. The
/// count is raised before the message is handed over (the callback may come before `mosquitto_publish` returns)
/// and lowered again if libmosquitto refuses it.
///
/// libmosquitto frees the packets of a lost connection when it reconnects (`mosquitto_reconnect`), without a
/// callback for them: the count is reset at every CONNACK (`reset`, then `recheck`). A PUBACK for a QoS 1 message
/// whose waiter was cancelled is indistinguishable from a QoS 0 write and lowers the count by one too many; `count`
/// never reads below zero, and the next CONNACK sets it right.
final class SendQueueGauge: Sendable {
    private let unwritten = Atomic<Int>(0)
    /// The level the waiter wants the queue at, or -1 when nobody waits.
    private let wakeLevel = Atomic<Int>(-1)
    private let wake = Mutex<(@Sendable () -> Void)?>(nil)

    /// QoS 0 messages taken by libmosquitto and not yet written (never below zero).
    var count: Int { max(0, unwritten.load(ordering: .relaxed)) }

    /// A QoS 0 message is about to be handed to libmosquitto.
    func handingOver() {
        unwritten.add(1, ordering: .relaxed)
    }

    /// libmosquitto refused the message counted by `handingOver`.
    func refused() {
        unwritten.subtract(1, ordering: .relaxed)
    }

    /// The network thread wrote a QoS 0 message (its on_publish): wakes the waiter once the queue is at its level.
    func written() {
        // Sequentially consistent, with `wake`'s store and load: each side writes one variable then reads the
        // other, and with weaker orderings both could read the old values (a store may pass a later load, as on
        // x86) and the wake-up would be lost.
        let now = unwritten.subtract(1, ordering: .sequentiallyConsistent).newValue
        let level = wakeLevel.load(ordering: .sequentiallyConsistent)
        if level >= 0, now <= level { fire() }
    }

    /// A new connection: libmosquitto dropped the packets of the last one, so nothing is unwritten. Wakes nobody
    /// (it runs under the client's state lock); `recheck` does, after the lock.
    func reset() {
        unwritten.store(0, ordering: .sequentiallyConsistent)
    }

    /// Wakes the waiter if the queue is at its level now.
    func recheck() {
        let level = wakeLevel.load(ordering: .sequentiallyConsistent)
        if level >= 0, count <= level { fire() }
    }

    /// Calls `action` once, on whichever thread sees it first, when at most `level` messages are unwritten (at
    /// once if they already are). A later call replaces a wake-up still armed. The action may run once more than
    /// asked when two arm and fire at the same time: it should only make its owner look again.
    func wake(atMost level: Int, _ action: @escaping @Sendable () -> Void) {
        wake.withLock { $0 = action }
        wakeLevel.store(max(0, level), ordering: .sequentiallyConsistent)
        if max(0, unwritten.load(ordering: .sequentiallyConsistent)) <= level { fire() }
    }

    private func fire() {
        guard wakeLevel.exchange(-1, ordering: .sequentiallyConsistent) >= 0 else { return }
        let action = wake.withLock { action in
            defer { action = nil }
            return action
        }
        action?()
    }
}
