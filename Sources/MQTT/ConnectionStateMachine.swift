/// The network thread's connection life as a value: connect attempts with a CONNACK timeout, back-off between
/// attempts, and a bounded stop. Events go in through the mutating methods; `nextAction(now:)` says what the thread
/// does next (house style rule 7: the thread carries out actions, the machine holds no I/O and is tested without it).
///
/// Back-off: the first retry waits `backoff.lowerBound`, each further failed attempt doubles the wait up to
/// `backoff.upperBound`; a CONNACK that accepts the connection resets it.
struct ConnectionStateMachine: Sendable {
    typealias Instant = ContinuousClock.Instant

    enum State: Equatable, Sendable {
        /// Not started yet.
        case idle
        /// An attempt is under way (TCP connect, TLS handshake, CONNECT sent): it must see a CONNACK by `deadline`.
        case connecting(deadline: Instant)
        /// The broker accepted the connection.
        case connected
        /// Waiting out the back-off; the next attempt starts at `until`.
        case waiting(until: Instant)
        /// Stopping with a clean DISCONNECT: the socket must close by `deadline`, or the thread ends anyway.
        case disconnecting(deadline: Instant)
        /// The thread is done.
        case stopped
    }

    enum Action: Equatable, Sendable {
        /// Start a connection attempt (`mosquitto_connect_async` the first time, `mosquitto_reconnect_async` after).
        case startAttempt(first: Bool)
        /// Run one `mosquitto_loop` pass: read, write, keep alive.
        case serviceNetwork
        /// The attempt saw no CONNACK in time: close its socket, report it, then wait out the back-off.
        case abandonAttempt
        /// Nothing to do before `until` (or a wake-up: a stop request).
        case sleep(until: Instant)
        /// Send DISCONNECT (`mosquitto_disconnect`), then keep servicing the network until the socket closes.
        case sendDisconnect
        /// Leave the thread.
        case exit
    }

    let backoff: ClosedRange<Duration>
    let connectTimeout: Duration
    /// How long a stop waits for a DISCONNECT to go out before the thread ends regardless.
    let disconnectGrace: Duration
    private(set) var state = State.idle
    private(set) var stopRequested = false
    private var nextDelay: Duration

    init(backoff: ClosedRange<Duration>, connectTimeout: Duration, disconnectGrace: Duration = .seconds(2)) {
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.disconnectGrace = disconnectGrace
        self.nextDelay = backoff.lowerBound
    }

    /// What the thread does now.
    mutating func nextAction(now: Instant) -> Action {
        switch state {
        case .idle:
            if stopRequested {
                state = .stopped
                return .exit
            }
            return .startAttempt(first: true)
        case .connecting(let deadline):
            if stopRequested {
                state = .stopped
                return .exit
            }
            return now >= deadline ? .abandonAttempt : .serviceNetwork
        case .connected:
            guard stopRequested else { return .serviceNetwork }
            state = .disconnecting(deadline: now + disconnectGrace)
            return .sendDisconnect
        case .waiting(let until):
            if stopRequested {
                state = .stopped
                return .exit
            }
            return now >= until ? .startAttempt(first: false) : .sleep(until: until)
        case .disconnecting(let deadline):
            if now >= deadline {
                state = .stopped
                return .exit
            }
            return .serviceNetwork
        case .stopped:
            return .exit
        }
    }

    /// The attempt's socket is opening: the CONNACK is due within `connectTimeout`.
    mutating func attemptStarted(now: Instant) {
        guard !stopRequested else { return }
        state = .connecting(deadline: now + connectTimeout)
    }

    /// The attempt failed (refused, unreachable, TLS, no CONNACK) or the connection was lost.
    /// - Returns: the back-off before the next attempt, or nil while stopping (no further attempt).
    mutating func connectionEnded(now: Instant) -> Duration? {
        switch state {
        case .disconnecting, .stopped:
            state = .stopped
            return nil
        case .idle, .connecting, .connected, .waiting:
            if stopRequested {
                state = .stopped
                return nil
            }
            let delay = nextDelay
            nextDelay = min(nextDelay * 2, backoff.upperBound)
            state = .waiting(until: now + delay)
            return delay
        }
    }

    /// CONNACK with success: connected, back-off reset.
    mutating func connackAccepted() {
        nextDelay = backoff.lowerBound
        guard case .connecting = state else { return }
        state = .connected
    }

    /// `shutdown()` or a failed first `connect` asks the thread to end (after a DISCONNECT when connected).
    mutating func requestStop() {
        stopRequested = true
    }
}
