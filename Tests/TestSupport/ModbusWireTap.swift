import Foundation
import SerialIO
import Synchronization

/// A Modbus TCP relay that records every frame on the wire, so a test can count and compare the exact requests a
/// client sent and the bytes both ways.
///
/// Clients connect to `port`; each connection is relayed to `127.0.0.1:targetPort` by two child tasks of `run()`.
/// Frames are cut by their MBAP length field (Modbus Messaging on TCP/IP, 3.1.3), so `requests` holds whole ADUs
/// (`transaction id | protocol id | length | unit | PDU`) even when TCP delivers them in pieces.
package final class ModbusWireTap: Sendable {
    /// One Modbus TCP request as sent by the client.
    package struct Frame: Sendable, Equatable, CustomStringConvertible {
        /// The whole ADU, MBAP header included.
        package var bytes: [UInt8]
        /// The unit id.
        package var unit: UInt8 { bytes[6] }
        /// The PDU: function code and data.
        package var pdu: [UInt8] { Array(bytes[7...]) }
        /// The function code.
        package var function: UInt8 { bytes[7] }
        /// The first register address of a function 03, 06 or 16 request.
        package var address: UInt16 { UInt16(bytes[8]) << 8 | UInt16(bytes[9]) }
        /// The register count of a function 03 or 16 request.
        package var count: Int { Int(bytes[10]) << 8 | Int(bytes[11]) }

        package var description: String {
            "unit \(unit) " + pdu.map { String(format: "%02X", $0) }.joined(separator: " ")
        }
    }

    private struct Record {
        var requests: [Frame] = []
        var answered: [Frame] = []
        /// Requests awaiting their reply, by connection number and transaction id.
        var awaiting: [Int: [UInt16: Frame]] = [:]
        var connections = 0
        var requestBytes = 0
        var responseBytes = 0
    }

    /// The loopback port clients connect to.
    package let port: Int
    private let targetPort: Int
    private let listener: TCPListener
    private let record = Mutex(Record())

    /// Binds a free loopback port that relays to `targetPort`; call `run()` in a task to serve it.
    package init(targetPort: Int) throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0)
        port = listener.port
        self.targetPort = targetPort
    }

    /// Every request so far, in order.
    package var requests: [Frame] { record.withLock { $0.requests } }
    /// Every request the server answered with its function (not an exception response), in order of the replies.
    package var answered: [Frame] { record.withLock { $0.answered } }
    /// Bytes sent by clients, and bytes answered, so far.
    package var byteCounts: (requests: Int, responses: Int) { record.withLock { ($0.requestBytes, $0.responseBytes) } }
    /// Write requests (function 06 or 16) so far.
    package var writes: [Frame] { requests.filter { $0.function == 0x06 || $0.function == 0x10 } }

    /// Relays connections until cancelled (`accept()` ends with the cancellation), then closes the listener.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            while let client = try? await listener.accept() {
                group.addTask { await self.relay(client) }
            }
            group.cancelAll()
        }
        listener.close()
    }

    private func relay(_ client: TCPTransport) async {
        guard let server = try? await TCPTransport.connect(host: "127.0.0.1", port: targetPort, timeout: .seconds(2))
        else {
            await client.close()
            return
        }
        let connection = record.withLock { record in
            record.connections += 1
            return record.connections
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pump(from: client, to: server, requests: true, connection: connection) }
            group.addTask { await self.pump(from: server, to: client, requests: false, connection: connection) }
            await group.next()
            group.cancelAll()
        }
        await client.close()
        await server.close()
    }

    private func pump(from source: TCPTransport, to target: TCPTransport, requests: Bool, connection: Int) async {
        var pending: [UInt8] = []
        while !Task.isCancelled {
            let bytes: [UInt8]
            do {
                // A transport runs its reads and writes on one queue: a short read wait keeps the other
                // direction's writes from queueing behind it.
                bytes = try await source.read(maxCount: 4096, timeout: .milliseconds(2))
            } catch TransportError.timeout {
                continue
            } catch {
                return
            }
            guard !bytes.isEmpty else { return }
            pending += bytes
            record.withLock { record in
                if requests { record.requestBytes += bytes.count } else { record.responseBytes += bytes.count }
                while pending.count >= 7 {
                    let length = 6 + (Int(pending[4]) << 8 | Int(pending[5]))
                    guard pending.count >= length else { break }
                    let frame = Frame(bytes: Array(pending[..<length]))
                    let transaction = UInt16(frame.bytes[0]) << 8 | UInt16(frame.bytes[1])
                    if requests {
                        record.requests.append(frame)
                        record.awaiting[connection, default: [:]][transaction] = frame
                    } else if let request = record.awaiting[connection]?.removeValue(forKey: transaction),
                        length > 7, frame.function == request.function
                    {
                        record.answered.append(request)
                    }
                    pending.removeFirst(length)
                }
            }
            do { try await target.write(bytes) } catch { return }
        }
    }
}
