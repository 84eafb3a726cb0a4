import Yams

/// The keys given twice in one mapping, each with its full key path and both places, for the config's errors.
///
/// Why: Yams refuses such a file as a whole (`YamlError.duplicatedKeysInMapping`) with the key's bare name and
/// the mark of its first occurrence only, and without a node tree to take a path from. This renames the occurrence
/// Yams names to a name the file does not hold and composes the text again, until Yams accepts it (at most
/// `maximumRenames` times): Yams itself then shows the mapping (its path) and the occurrence that follows. A
/// rename keeps the name's length in Unicode scalars, the unit of libyaml's columns, so every mark stays true.
struct DuplicateKeys {
    /// One key given twice: `buses[1].meters[0].name`, its first occurrence and the next one in the same mapping.
    struct Duplicate {
        var path: String
        var first: Mark
        var second: Mark
    }

    /// Renames tried before giving up (the config reports at most 20 problems anyway).
    static let maximumRenames = 20

    /// What `locate` found: the duplicates placed with their paths, or, when the text cannot be composed even with
    /// them renamed, the keys Yams named (bare name and first mark) and the error that stopped it.
    struct Located {
        var duplicates: [Duplicate] = []
        /// Every key Yams reported as duplicated, in order, with the mark of its first occurrence.
        var named: [(key: String, mark: Mark)] = []
        /// Another error of the text (a syntax error after the duplicate), found once the duplicates were renamed.
        var otherError: YamlError?
    }

    /// Every duplicated key of `yaml`, in the order Yams found them. `duplicates` is empty when they cannot be
    /// placed (a key that is not a plain or quoted scalar at its mark, another error of the text): the caller then
    /// says the keys of `named` in Yams's terms, and `otherError` too when the text has one.
    /// - Parameters:
    ///   - key: the name Yams reported first; `first`: its mark (1-based line and column).
    static func locate(yaml: String, key: String, first: Mark) -> Located {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        var renamed: [String: String] = [:]  // stand-in -> original name
        var located = Located(named: [(key, first)])
        var reported = (key: key, mark: first)
        while renamed.count < maximumRenames {
            guard let standIn = rename(reported.key, at: reported.mark, in: &lines, index: renamed.count) else {
                return located
            }
            renamed[standIn] = reported.key
            let text = lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
            do {
                guard let root = try Yams.compose(yaml: text) else { return located }
                collect(root, path: "", renamed: renamed, into: &located.duplicates)
                return located
            } catch YamlError.duplicatedKeysInMapping(let names, let context) {
                guard let name = names.first else { return located }
                reported = (name, context.mark)
                located.named.append(reported)
            } catch let error as YamlError {
                located.otherError = error
                return located
            } catch {
                return located
            }
        }
        return located
    }

    /// Replaces `key` at `mark` (a plain scalar, or one in quotes) with a stand-in of as many Unicode scalars from
    /// the private use area, the first one numbered by `index`; nil when `key` is not there.
    private static func rename(_ key: String, at mark: Mark, in lines: inout [[Unicode.Scalar]], index: Int) -> String?
    {
        guard lines.indices.contains(mark.line - 1) else { return nil }
        let line = lines[mark.line - 1]
        var start = mark.column - 1
        guard line.indices.contains(start) else { return nil }
        if line[start] == "\"" || line[start] == "'" { start += 1 }
        let name = Array(key.unicodeScalars)
        guard !name.isEmpty, start + name.count <= line.count, Array(line[start..<start + name.count]) == name,
            let numbered = Unicode.Scalar(0xE000 + UInt32(index)), let filler = Unicode.Scalar(0xF8FF)
        else { return nil }
        let standIn = [numbered] + Array(repeating: filler, count: name.count - 1)
        lines[mark.line - 1].replaceSubrange(start..<start + name.count, with: standIn)
        return String(String.UnicodeScalarView(standIn))
    }

    /// Walks the composed tree: every mapping key that was renamed and is the first of its name in its mapping is
    /// a duplicate, placed with the next key of that name in the same mapping.
    private static func collect(_ node: Node, path: String, renamed: [String: String], into found: inout [Duplicate]) {
        switch node {
        case .mapping(let mapping):
            let pairs = Array(mapping)
            let names = pairs.map { pair in pair.key.string.map { renamed[$0] ?? $0 } }
            for (index, pair) in pairs.enumerated() {
                guard let name = names[index] else { continue }
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                if let standIn = pair.key.string, renamed[standIn] != nil, !names[..<index].contains(name),
                    let next = names[(index + 1)...].firstIndex(of: name),
                    let first = pair.key.mark, let second = pairs[next].key.mark
                {
                    found.append(Duplicate(path: childPath, first: first, second: second))
                }
                collect(pair.value, path: childPath, renamed: renamed, into: &found)
            }
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                collect(element, path: "\(path)[\(index)]", renamed: renamed, into: &found)
            }
        case .scalar, .alias:
            break
        }
    }
}
