/// An OBIS code as a data set address carries it, in its short (`1.8.0`, `F.F`, `C.1.0`) or full
/// (`1-0:1.8.0*255`) form.
///
/// IEC 62056-61 value groups `A-B:C.D.E*F`: A medium (1 electricity, 0 abstract), B channel, C quantity (a number
/// or a letter: `C` service, `F` error, `L` list, `P` profile), D processing, E tariff or classifier, F billing
/// period (255 or absent: the current value). Readouts over IEC 62056-21 mostly send the short `C.D.E` form.
///
/// `shortKey` normalizes both forms so they map to the same key: A is dropped when it is 0 or 1 and B when it
/// is 0 (the electricity meter's own, only channel), F when it is 255; any other A, B or F is kept, so a second
/// channel (`1-1:1.8.0`) or a billing period value (`1.8.0*12`) never overwrites the current value.
package struct OBISCode: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The address exactly as sent.
    package var original: String
    /// Group A, when the address has the `A-B:` prefix.
    package var medium: Int?
    /// Group B, when the address has the `A-B:` prefix.
    package var channel: Int?
    /// Groups C, D and E (two or three groups; numbers without leading zeros, or a single capital letter).
    package var groups: [String]
    /// Group F after `*` or `&`, when present.
    package var billingPeriod: Int?

    /// Parses a data set address.
    /// - Returns: `nil` when the address is not an OBIS code (then use `fallbackKey(forAddress:)`).
    package init?(_ address: String) {
        original = address
        var rest = Substring(address.filter { $0 != " " })
        if let colon = rest.firstIndex(of: ":") {
            let prefix = rest[..<colon].split(separator: "-", omittingEmptySubsequences: false)
            guard prefix.count == 2, let a = Self.number(prefix[0]), let b = Self.number(prefix[1]) else { return nil }
            medium = a
            channel = b
            rest = rest[rest.index(after: colon)...]
        }
        if let star = rest.firstIndex(where: { $0 == "*" || $0 == "&" }) {
            guard let f = Self.number(rest[rest.index(after: star)...]) else { return nil }
            billingPeriod = f
            rest = rest[..<star]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count) else { return nil }
        var normalized: [String] = []
        for part in parts {
            if let n = Self.number(part) {
                normalized.append(String(n))
            } else if part.count == 1, let letter = part.first, letter.isLetter, letter.isASCII {
                normalized.append(letter.uppercased())
            } else {
                return nil
            }
        }
        groups = normalized
    }

    /// The normalized short form used for mapping: `1.8.0` for `1.8.0`, `1-0:1.8.0*255` and `1-0:1.8.0`;
    /// `C.1.0` for `0-0:C.1.0`; `1-1:1.8.0` and `1.8.0*12` stay distinct.
    package var shortKey: String {
        var key = groups.joined(separator: ".")
        let ownMedium = medium == nil || medium == 0 || medium == 1
        let ownChannel = channel == nil || channel == 0
        if !(ownMedium && ownChannel) { key = "\(medium ?? 1)-\(channel ?? 0):" + key }
        if let f = billingPeriod, f != 255 { key += "*\(f)" }
        return key
    }

    /// The key under which a line with no vocabulary key is published: `obis_` and the short key in lower case
    /// with every other character an underscore (`96.1.3` → `obis_96_1_3`, `C.1.0` → `obis_c_1_0`).
    package var fallbackKey: String { Self.fallbackKey(forAddress: shortKey) }

    /// The fallback key for any address, OBIS or not: `obis_` and the address in lower case with each run of
    /// characters other than letters and digits replaced by one underscore.
    package static func fallbackKey(forAddress address: String) -> String {
        var key = "obis"
        var pendingUnderscore = true
        for character in address.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                if pendingUnderscore { key.append("_") }
                pendingUnderscore = false
                key.append(character)
            } else {
                pendingUnderscore = true
            }
        }
        return key
    }

    package var description: String { original }

    private static func number(_ text: Substring) -> Int? {
        guard (1...3).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text),
            n <= 255
        else { return nil }
        return n
    }
}
