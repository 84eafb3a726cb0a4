/// Decides which discovery messages to publish and which to clear, from what is wanted now, what was published
/// in this session, and the registry of what any earlier run published. A value: no I/O (house style rule 7).
package struct DiscoveryReconciler: Sendable {
    /// What the broker holds for this bridge, as far as it knows.
    package private(set) var registry: DiscoveryRegistry
    /// The payload last published on each topic in this session.
    private var published: [String: String] = [:]

    package init(registry: DiscoveryRegistry) { self.registry = registry }

    /// What to send: clears (an empty retained payload) first, then configs, then the registry if it changed.
    package struct Actions: Sendable, Equatable {
        package var clear: [String] = []
        package var publish: [(topic: String, payload: String)] = []
        package var registry: String?

        package static func == (lhs: Actions, rhs: Actions) -> Bool {
            lhs.clear == rhs.clear && lhs.registry == rhs.registry
                && lhs.publish.map { "\($0.topic) \($0.payload)" } == rhs.publish.map { "\($0.topic) \($0.payload)" }
        }

        package var isEmpty: Bool { clear.isEmpty && publish.isEmpty && registry == nil }
    }

    /// Brings the broker to `wanted`.
    /// - Parameters:
    ///   - wanted: per owner, the messages it needs now; an owner mapped to nil is configured but not ready (its
    ///     serial number is unknown), and keeps whatever it had. An owner missing from `wanted` is gone: all its
    ///     topics are cleared.
    ///   - force: publish every wanted message even when unchanged (after a connect or Home Assistant's birth).
    package mutating func reconcile(wanted: [String: [String: String]?], force: Bool) -> Actions {
        var actions = Actions()
        let before = registry
        for owner in Set(registry.owners.keys).subtracting(wanted.keys).sorted() {
            actions.clear += registry.owners[owner]!.sorted()
            registry.owners[owner] = nil
        }
        for owner in wanted.keys.sorted() {
            guard let messages = wanted[owner] ?? nil else { continue }
            let stale = (registry.owners[owner] ?? []).subtracting(messages.keys)
            actions.clear += stale.sorted()
            for topic in messages.keys.sorted() where force || published[topic] != messages[topic] {
                actions.publish.append((topic, messages[topic]!))
            }
            registry.owners[owner] = messages.isEmpty ? nil : Set(messages.keys)
        }
        for topic in actions.clear { published[topic] = nil }
        for message in actions.publish { published[message.topic] = message.payload }
        if registry != before || force { actions.registry = registry.payload }
        return actions
    }
}
