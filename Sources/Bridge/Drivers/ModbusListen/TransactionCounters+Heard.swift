import Modbus

extension TransactionCounters {
    /// Counts a request heard on a listen-only bus the way `BusLine` counts its own: an exchange is a transaction
    /// (an exception reply an `exceptions`), a request no reply followed a `timeouts`. The round trip stays `nil`:
    /// a listener does not know when the master started to wait.
    mutating func count(_ observation: RTUObservation) {
        switch observation {
        case .exchange(_, _, let response):
            transactions += 1
            if case .exception = response { exceptions += 1 }
        case .unanswered:
            transactions += 1
            timeouts += 1
        case .unpairedResponse, .otherFunction:
            break
        }
    }
}
