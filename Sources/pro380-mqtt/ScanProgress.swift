import Foundation

/// The progress line of a scan on standard error: `address 17 (17/247), 2 found, about 40 s left`.
///
/// Standard output carries only the result (a config block or the `--json` report), so `scan ... > meters.yaml`
/// works. On a terminal the line is rewritten in place after every address; otherwise (a log, `| tee`) a line goes
/// out when a meter is found and at most every `interval` meanwhile. The estimate is the average time per address
/// so far times the addresses left.
struct ScanProgress {
    let total: Int
    let started: ContinuousClock.Instant
    let terminal: Bool
    let interval: Duration
    private(set) var done = 0
    private(set) var found = 0
    private var lastLine: ContinuousClock.Instant?
    private var rewriting = false

    init(
        total: Int,
        terminal: Bool = isatty(2) == 1,
        interval: Duration = .seconds(5),
        now: ContinuousClock.Instant = .now
    ) {
        self.total = total
        self.terminal = terminal
        self.interval = interval
        self.started = now
    }

    /// The line for the address just asked.
    static func line(address: Int, done: Int, total: Int, found: Int, left: Duration?) -> String {
        var text = "address \(address) (\(done)/\(total)), \(found) found"
        if let left, done < total {
            let seconds = Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded())
            text += seconds < 60 ? ", about \(seconds) s left" : ", about \(seconds / 60) min \(seconds % 60) s left"
        }
        return text
    }

    /// Records that `address` was asked (and whether a meter answered); returns what to write to stderr, if anything.
    mutating func asked(address: Int, foundMeter: String?, now: ContinuousClock.Instant = .now) -> String? {
        done += 1
        if foundMeter != nil { found += 1 }
        let elapsed = now - started
        let left = done > 0 ? elapsed / done * (total - done) : nil
        let line = Self.line(address: address, done: done, total: total, found: found, left: left)
        var out = ""
        if let foundMeter {
            out += (terminal && rewriting ? "\r\u{1B}[K" : "") + "found: \(foundMeter)\n"
            rewriting = false
        }
        if terminal {
            out += "\r\u{1B}[K" + line + (done == total ? "\n" : "")
            rewriting = done < total
        } else if foundMeter != nil || done == total || lastLine.map({ now - $0 >= interval }) ?? true {
            out += line + "\n"
            lastLine = now
        }
        return out.isEmpty ? nil : out
    }

    /// A line of its own (a phase starts, a collision), clearing a rewritten progress line first.
    mutating func note(_ text: String) -> String {
        defer { rewriting = false }
        return (terminal && rewriting ? "\r\u{1B}[K" : "") + text + "\n"
    }
}

extension Console {
    /// Writes `text` as it is to standard error, at once.
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
