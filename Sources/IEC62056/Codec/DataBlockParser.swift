/// Parses a data block (the bytes between STX and the final `!` CR LF) into data sets.
///
/// IEC 62056-21 clause 6.4: a data block is data lines ending in CR LF; a data line holds one or more data sets
/// `address(value*unit)`; a data set may carry further values `(value*unit)(value)`, and a line that starts with
/// `(` continues the data set before it (a list). Empty lines are skipped. The address is kept as sent.
package enum DataBlockParser {
    /// The data sets of `block`, in order.
    /// - Throws: `IEC62056Error.malformedDataLine` for a value with no address before it, an unbalanced
    ///   parenthesis, or an address with no value.
    package static func parse(_ block: some Collection<UInt8>) throws -> [DataSet] {
        let text = String(decoding: block, as: UTF8.self)
        var sets: [DataSet] = []
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            try parse(line: line, into: &sets)
        }
        return sets
    }

    private static func parse(line: Substring, into sets: inout [DataSet]) throws {
        var address = ""
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if character == "(" {
                let contentStart = line.index(after: index)
                guard let close = line[contentStart...].firstIndex(of: ")") else {
                    throw IEC62056Error.malformedDataLine(String(line), reason: "unclosed parenthesis")
                }
                let content = line[contentStart..<close]
                guard !content.contains("(") else {
                    throw IEC62056Error.malformedDataLine(String(line), reason: "nested parenthesis")
                }
                let value = DataValue(parenthesised: content)
                let trimmed = address.trimmingSpaces
                if !trimmed.isEmpty {
                    sets.append(DataSet(address: trimmed, values: [value]))
                    address = ""
                } else if !sets.isEmpty {
                    sets[sets.count - 1].values.append(value)
                } else {
                    throw IEC62056Error.malformedDataLine(String(line), reason: "a value with no address before it")
                }
                index = line.index(after: close)
            } else if character == ")" {
                throw IEC62056Error.malformedDataLine(String(line), reason: "unbalanced parenthesis")
            } else {
                address.append(character)
                index = line.index(after: index)
            }
        }
        guard address.trimmingSpaces.isEmpty else {
            throw IEC62056Error.malformedDataLine(String(line), reason: "an address with no value")
        }
    }
}

extension String {
    /// The string without leading and trailing spaces (no Foundation needed for this one trim).
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
