package import Logging
import SerialIO
import Synchronization

/// An RS-485 line for tests: pseudo-terminals joined so that every byte one port's user writes is heard on every
/// other port, as on a shared two-wire bus, with a record of what each port transmitted.
///
/// Each port is a `PseudoTerminal`; its user (a master, a simulated meter, a listener) opens `devicePaths[i]` as a
/// serial port. `run()` relays until cancelled: bytes read from one controller are recorded as that port's
/// transmission and written to every other controller, from the highest index down, so a passive listener at the
/// last index hears a request before the meter (at a lower index) can answer it, and hears the answer after it.
/// Reads wait at most 2 ms so a port's channel never holds a delivery back for long.
package final class SharedSerialLine: Sendable {
    /// The subordinate paths, one per port, for `SerialPort`, `ReceiveOnlySerialPort` or pyserial.
    package let devicePaths: [String]
    private let terminals: [PseudoTerminal]
    private let record: Mutex<[[UInt8]]>

    /// Opens `ports` pseudo-terminals (at least 2).
    /// - Throws: `TransportError` when a pseudo-terminal cannot be opened.
    package init(ports: Int, logger: Logger) throws {
        var terminals: [PseudoTerminal] = []
        for _ in 0..<max(2, ports) { terminals.append(try PseudoTerminal.open(logger: logger)) }
        self.terminals = terminals
        devicePaths = terminals.map(\.devicePath)
        record = Mutex(Array(repeating: [], count: terminals.count))
    }

    /// Every byte the user of `port` transmitted so far.
    package func transmitted(by port: Int) -> [UInt8] { record.withLock { $0[port] } }

    /// Relays between the ports until the task is cancelled.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            for index in terminals.indices {
                group.addTask { await self.relay(from: index) }
            }
        }
    }

    /// Closes every pseudo-terminal (after `run()` ended).
    package func close() async {
        for terminal in terminals { await terminal.close() }
    }

    private func relay(from index: Int) async {
        let source = terminals[index].controller
        while !Task.isCancelled {
            let bytes: [UInt8]
            do {
                bytes = try await source.read(maxCount: 4096, timeout: .milliseconds(2))
            } catch TransportError.timeout {
                continue
            } catch {
                return
            }
            record.withLock { $0[index] += bytes }
            for target in terminals.indices.reversed() where target != index {
                try? await terminals[target].controller.write(bytes)
            }
        }
    }
}
