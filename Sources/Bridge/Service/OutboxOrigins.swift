/// Which of the messages waiting in the outbox at start were published by another config: the outbox file belongs to
/// the MQTT client id (its default path is `outbox-<client_id>.sqlite`), not to one config file, so a config that
/// reuses a client id (the meters changed, or another config run with the same id) finds the readings the earlier
/// one left unsent. They are real readings and are sent as stored (nothing is lost); the bridge says so once at
/// start (`BridgeService`), naming where they come from, so that a replay of meters the config does not list
/// surprises nobody (docs/outbox.md, "Whose readings wait in the outbox").
package struct OutboxOrigins: Sendable, Equatable {
    /// A topic prefix this config does not publish under (`pro380/old-meter`, `other/bridge/x`), and how many of the
    /// waiting topics are under it.
    package struct Origin: Sendable, Equatable {
        package var prefix: String
        package var topics: Int
    }

    /// The foreign origins, most topics first, then by prefix.
    package var foreign: [Origin]

    /// Sorts the `waiting` topics (those with messages in the outbox) into this config's own and foreign ones.
    ///
    /// Own: `<base>/<meter>/…` of a configured meter, and `<base>/bridge/<client_id>/…`. Foreign, grouped by the
    /// prefix that names their publisher: `<base>/<meter>` of a meter not in the config, `<x>/bridge/<id>` of
    /// another bridge, and the first two levels of any other topic (another base topic). Home Assistant discovery
    /// topics (under `discoveryPrefix`) name meters by serial number, which is not known before the first poll:
    /// they are left out.
    package init(waiting: some Sequence<String>, topics: TopicLayout, meters: Set<String>, discoveryPrefix: String) {
        var counts: [String: Int] = [:]
        let base = topics.base + "/"
        let ownBridge = topics.bridgeLevel + "/"
        for topic in waiting {
            if topic.hasPrefix(discoveryPrefix + "/") || topic.hasPrefix(ownBridge) { continue }
            if topic.hasPrefix(base), let meter = topic.dropFirst(base.count).split(separator: "/").first,
                meters.contains(String(meter)), meter != "bridge"
            {
                continue
            }
            counts[Self.prefix(of: topic, base: base), default: 0] += 1
        }
        foreign = counts.map { Origin(prefix: $0.key, topics: $0.value) }
            .sorted { ($1.topics, $0.prefix) < ($0.topics, $1.prefix) }
    }

    /// `<base>/<meter>` or `<base>/bridge/<id>` under the base topic; elsewhere the first two levels, or three when
    /// the second is `bridge`.
    private static func prefix(of topic: String, base: String) -> String {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        let baseLevels = base.split(separator: "/").count
        let under = topic.hasPrefix(base) ? baseLevels : 1
        let keep = levels.count > under && levels[under] == "bridge" ? under + 2 : under + 1
        return levels.prefix(min(keep, max(levels.count - 1, 1))).joined(separator: "/")
    }

    /// The notice for the log, `nil` when nothing foreign waits: names up to `shown` prefixes and what to do.
    package func notice(path: String, clientID: String, shown: Int = 8) -> String? {
        guard !foreign.isEmpty else { return nil }
        var listed = foreign.prefix(shown).map { "\($0.prefix) (\($0.topics) topic\($0.topics == 1 ? "" : "s"))" }
        if foreign.count > shown { listed.append("and \(foreign.count - shown) more") }
        return "outbox \(path) also holds messages of topics this config does not publish, left unsent by an earlier "
            + "run with client id \(clientID): \(listed.joined(separator: ", ")); they are sent to the broker as "
            + "stored (the outbox belongs to the client id, not to the config file: docs/outbox.md). To drop them "
            + "instead, stop the bridge and delete \(path), or give this config its own mqtt.client_id or outbox.path"
    }
}
