package import Foundation
package import MBus
import Synchronization

/// Several simulated PRO380-Mb on one M-Bus, answering master frames as the meters on a real bus would, including
/// their collisions.
///
/// Addressing (EN 13757-2, manual A2.1): 0 ... 250 reaches the meters with that primary address, 253 the meters
/// selected by secondary address, 254 every meter (each answers), 255 every meter (none answers). When more than
/// one meter answers, their replies overlap on the line (`overlay`: bitwise AND, a space from either slave wins),
/// so the master sees a garbled frame. Two E5 at once look like one E5, as on a real bus; a search tells the meters
/// apart by the readout that follows.
///
/// Thread safety: the meters' link state sits behind a `Mutex`; a request is handled under it, so requests are
/// strictly one at a time like on the half-duplex line. A write saves the model's state file: callers run
/// `reply(to:at:)` off the cooperative pool.
package final class SimulatedMBusBus: Sendable {
    private struct State {
        var meters: [SimulatedMBusMeter]
        var faults: MBusFaults
    }

    private let state: Mutex<State>

    /// - Parameter meters: the meters on the bus; each keeps its own primary and secondary address.
    package init(meters: [SimulatedMBusMeter], faults: MBusFaults = MBusFaults()) {
        state = Mutex(State(meters: meters, faults: faults))
    }

    /// The meters' models, in bus order.
    package var models: [PRO380Model] { state.withLock { $0.meters.map(\.model) } }

    /// The meters as they are now (link state included).
    package var meters: [SimulatedMBusMeter] { state.withLock { $0.meters } }

    /// The faults in force; tests change them while the bus is served.
    package var faults: MBusFaults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    /// The bytes the line carries back after the master sent `frame` at `now`; `nil` is silence.
    package func reply(to frame: MBusFrame, at now: Date) -> [UInt8]? {
        state.withLock { state -> [UInt8]? in
            var replies: [MBusFrame] = []
            switch frame {
            case .ack:
                return nil
            case .short(let control, let address):
                let targets = Self.targets(address, in: state.meters)
                if control == .sndNKE {
                    for index in targets {
                        state.meters[index].reset()
                        if address == MBusPrimaryAddress.networkLayer { state.meters[index].selected = false }
                        replies.append(.ack)
                    }
                } else if control.isReqUD2 {
                    for index in targets {
                        let reply = state.meters[index].respond(to: control, address: address, at: now)
                        if state.faults.corruptTelegrams > 0 {
                            state.faults.corruptTelegrams -= 1
                            return Self.corrupted(reply)
                        }
                        replies.append(reply)
                    }
                }
            case .long(let control, let address, let ci, let data):
                guard control.isSndUD else { return nil }
                let reached =
                    ci == ControlInformation.selection && address == MBusPrimaryAddress.networkLayer
                    ? Array(state.meters.indices) : Self.targets(address, in: state.meters)
                for index in reached where control.fcv { state.meters[index].noteSendUserData(fcb: control.fcb) }
                if ci == ControlInformation.selection, address == MBusPrimaryAddress.networkLayer {
                    for index in state.meters.indices {
                        state.meters[index].selected = state.meters[index].matches(data)
                        if state.meters[index].selected { replies.append(.ack) }
                    }
                } else {
                    for index in Self.targets(address, in: state.meters)
                    where Self.apply(ci: ci, data: data, to: state.meters[index].model, at: now) {
                        replies.append(.ack)
                    }
                }
            }
            guard Self.address(of: frame) != MBusPrimaryAddress.broadcastNoReply else { return nil }
            return Self.overlay(replies.map(MBusFrameEncoder.encode))
        }
    }

    /// The meters a frame to `address` reaches.
    private static func targets(_ address: UInt8, in meters: [SimulatedMBusMeter]) -> [Int] {
        switch address {
        case MBusPrimaryAddress.networkLayer: return meters.indices.filter { meters[$0].selected }
        case MBusPrimaryAddress.broadcastWithReply, MBusPrimaryAddress.broadcastNoReply: return Array(meters.indices)
        case 0...MBusPrimaryAddress.highestAssignable:
            return meters.indices.filter { meters[$0].primaryAddress == address }
        default: return []
        }
    }

    /// Replies sent at once, as the master receives them. Identical replies (two E5) look like one. Different ones
    /// overlap bit by bit: a space (0) from either slave wins over the idle mark (1), so the line carries the
    /// bitwise AND (the longer reply's tail as is). Where that AND happens to decode as a valid frame (one reply's
    /// bits a subset of the other's), a real UART would still flag the parity and framing errors of the overlap;
    /// the simulator stands for them by spoiling the checksum, so a collision is never a clean frame.
    static func overlay(_ replies: [[UInt8]]) -> [UInt8]? {
        guard var line = replies.first else { return nil }
        guard replies.contains(where: { $0 != line }) else { return line }
        for reply in replies.dropFirst() {
            for (index, byte) in reply.enumerated() {
                if index < line.count { line[index] &= byte } else { line.append(byte) }
            }
        }
        var decoder = MBusFrameDecoder()
        decoder.append(line)
        if (try? decoder.decode()) != nil, line.count >= 2 { line[line.count - 2] &+= 1 }
        return line
    }

    /// `frame`'s bytes with the checksum made wrong (fault injection: a telegram corrupted on the line).
    private static func corrupted(_ frame: MBusFrame) -> [UInt8] {
        var bytes = MBusFrameEncoder.encode(frame)
        bytes[bytes.count - 2] &+= 1
        return bytes
    }

    private static func address(of frame: MBusFrame) -> UInt8? {
        switch frame {
        case .ack: return nil
        case .short(_, let address), .long(_, let address, _, _): return address
        }
    }
}

/// Misbehaviour of a simulated M-Bus, for tests.
package struct MBusFaults: Sendable, Equatable {
    /// The next this many RSP_UD telegrams go out with a wrong checksum.
    package var corruptTelegrams: Int

    package init(corruptTelegrams: Int = 0) {
        self.corruptTelegrams = corruptTelegrams
    }
}
