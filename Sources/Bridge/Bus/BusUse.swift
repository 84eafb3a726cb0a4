/// Who uses a bus, which decides what a failed open of its transport promises.
///
/// The bridge keeps a bus for as long as it runs: a failed open is logged once as an error with the back-off of
/// the next tries (`BusLine`). A one-shot command (`read`, `write`, `scan`) tries once and says itself what went
/// wrong; a promise of retries it never makes would mislead, so its line logs the failure at debug level only.
package enum BusUse: Sendable {
    /// The bridge (`run`): failed opens are retried with a back-off, and the log line says when.
    case bridge
    /// A one-shot command: one try, its failure reported by the command.
    case oneShot
}
