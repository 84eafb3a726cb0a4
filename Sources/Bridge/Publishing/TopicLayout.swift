/// The topic tree of one bridge instance (see README "Topics").
///
/// Meter topics live under `<base>/<meter>/…`; the bridge's own topics under `<base>/bridge/<client_id>/…`, so
/// that several bridge instances publishing into one broker (each with its own client id) never overwrite each
/// other's state, will or diagnostics.
package struct TopicLayout: Sendable, Equatable {
    package var base: String
    package var clientID: String

    package init(base: String, clientID: String) {
        self.base = base
        self.clientID = clientID
    }

    /// `<base>/<meter>/<key>`: the retained reading.
    package func reading(meter: String, key: String) -> String { "\(base)/\(meter)/\(key)" }
    /// `<base>/<meter>/availability`: `online`/`offline`, retained.
    package func availability(meter: String) -> String { "\(base)/\(meter)/availability" }
    /// `<base>/<meter>/diagnostics`: the meter's counters, retained.
    package func diagnostics(meter: String) -> String { "\(base)/\(meter)/diagnostics" }
    /// `<base>/bridge/<client_id>/state`: `online`/`offline`, retained, the client's will.
    /// `<base>/bridge/<client_id>`: the level under which this instance publishes about itself.
    package var bridgeLevel: String { "\(base)/bridge/\(clientID)" }
    package var bridgeState: String { "\(bridgeLevel)/state" }
    /// `<base>/bridge/<client_id>/diagnostics`: per-bus counters, retained.
    package var bridgeDiagnostics: String { "\(bridgeLevel)/diagnostics" }
    /// `<base>/<meter>/<key>/set`: a command.
    package func commandSet(meter: String, key: String) -> String { "\(base)/\(meter)/\(key)/set" }
    /// `<base>/<meter>/<key>/set/result`: the answer to a command, not retained.
    package func commandResult(meter: String, key: String) -> String { "\(base)/\(meter)/\(key)/set/result" }
    /// `<base>/<meter>/<key>/get` and `<base>/<meter>/get`: read now.
    package func get(meter: String, key: String?) -> String {
        key.map { "\(base)/\(meter)/\($0)/get" } ?? "\(base)/\(meter)/get"
    }
}
