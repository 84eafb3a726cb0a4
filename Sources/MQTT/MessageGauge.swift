import Synchronization

/// A count of messages libmosquitto holds for the broker, and a one-shot wake-up for whoever waits for it to shrink.
///
/// The client keeps two (`ClientContext`):
/// - `sendQueue`: the QoS 0 messages libmosquitto has taken and its network thread has not yet written to the
///   socket. `mosquitto_publish` takes a QoS 0 message at once and keeps it in the client's outgoing packet list
///   until the network thread writes it, and nothing bounds that list: a publisher that counts a QoS 0 message done
///   when libmosquitto took it runs ahead of a busy broker or a slow link (ten meters flat out held 140-180 MiB in
///   it, docs/performance.md, stop 22). libmosquitto calls on_publish for a QoS 0 message once the PUBLISH "was
///   passed to the local operating system for delivery" (mosquitto.h, `mosquitto_publish_v5_callback_set`): each
///   such call is one message written. libmosquitto frees the packets of a lost connection when it reconnects
///   (`mosquitto_reconnect`), without a callback for them: that count is reset at every CONNACK (`reset`, then
///   `recheck`). A PUBACK for a QoS 1 message whose waiter was cancelled is indistinguishable from a QoS 0 write
///   and lowers it by one too many; `count` never reads below zero, and the next CONNACK sets it right.
/// - `acknowledgementsDue`: the QoS 1/2 publications whose PUBACK (PUBCOMP) has not come, so that a publisher
///   holding polls back until earlier ones are acknowledged is woken by the acknowledgements, not by a timer.
///
/// Each count is raised before the message is handed over (the callback may come before `mosquitto_publish`
/// returns) and lowered again if libmosquitto refuses it.
final class MessageGauge: Sendable {
    private let messages = Atomic<Int>(0)
    /// The level the waiter wants the count at, or -1 when nobody waits.
    private let wakeLevel = Atomic<Int>(-1)
    private let wake = Mutex<(@Sendable () -> Void)?>(nil)

    /// The messages counted now (never below zero).
    var count: Int { max(0, messages.load(ordering: .sequentiallyConsistent)) }

    /// A message is about to be handed to libmosquitto.
    func handingOver() {
        messages.add(1, ordering: .sequentiallyConsistent)
    }

    /// `count` messages are no longer held (refused by libmosquitto, or their waiter gave up), without a wake-up:
    /// for callers under the client's state lock (see `reset`).
    func remove(_ count: Int = 1) {
        messages.subtract(count, ordering: .sequentiallyConsistent)
    }

    /// The network thread is done with a message (written, or acknowledged): wakes the waiter once the count is at
    /// its level.
    func done() {
        // Sequentially consistent, with `wake`'s store and load: each side writes one variable then reads the
        // other, and with weaker orderings both could read the old values (a store may pass a later load, as on
        // x86) and the wake-up would be lost.
        let now = messages.subtract(1, ordering: .sequentiallyConsistent).newValue
        let level = wakeLevel.load(ordering: .sequentiallyConsistent)
        if level >= 0, now <= level { fire() }
    }

    /// A new connection: libmosquitto dropped the packets of the last one, so nothing is held. Wakes nobody (it runs
    /// under the client's state lock, and a wake-up resumes a task, which must not happen under it); `recheck` does,
    /// after the lock.
    func reset() {
        messages.store(0, ordering: .sequentiallyConsistent)
    }

    /// Wakes the waiter if the count is at its level now (after `remove` or `reset` under the lock).
    func recheck() {
        let level = wakeLevel.load(ordering: .sequentiallyConsistent)
        if level >= 0, count <= level { fire() }
    }

    /// Calls `action` once, on whichever thread sees it first, when at most `level` messages are counted (at once if
    /// they already are). A later call replaces a wake-up still armed. The action may run once more than asked when
    /// two arm and fire at the same time: it should only make its owner look again.
    func wake(atMost level: Int, _ action: @escaping @Sendable () -> Void) {
        let level = max(0, level)
        wake.withLock { $0 = action }
        wakeLevel.store(level, ordering: .sequentiallyConsistent)
        if count <= level { fire() }
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
