/// The TCP port numbers the bridge accepts, and the one wording of a port outside them, shared by the command line
/// (`--modbus-tcp host:port`, `--broker-port`, ...), the config file (`port:`) and `TCPTransport.connect`.
package enum TCPPort {
    /// The ports a connection can go to: 1-65535 (port 0 is no TCP destination).
    package static let connectable = 1...65535
    /// The ports a listener can take: 0-65535, 0 asking the kernel for a free one.
    package static let listenable = 0...65535

    /// `the port must be 1-65535, not 99999` when `port` is outside the range, else nil.
    /// - Parameters:
    ///   - port: the port as given (text, so that a number too long for `Int` is told as given).
    ///   - allowingAnyPort: for listening sockets: 0 is taken and means any free port.
    package static func problem(_ port: some StringProtocol, allowingAnyPort: Bool = false) -> String? {
        let range = allowingAnyPort ? listenable : connectable
        if let number = Int(port), range.contains(number) { return nil }
        return "the port must be \(rangeText(allowingAnyPort: allowingAnyPort)), not \(port)"
    }

    /// `1-65535`, or `0-65535 (0 picks a free one)` for listening sockets.
    package static func rangeText(allowingAnyPort: Bool = false) -> String {
        allowingAnyPort ? "0-65535 (0 picks a free one)" : "1-65535"
    }

    /// `the port must be 1-65535, not 99999` when `port` is outside the range, else nil.
    package static func problem(_ port: Int, allowingAnyPort: Bool = false) -> String? {
        problem(String(port), allowingAnyPort: allowingAnyPort)
    }
}
