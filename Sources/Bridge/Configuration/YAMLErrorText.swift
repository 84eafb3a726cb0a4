import Yams

/// A Yams parse error taken apart: the line it points at, the problem on one line, and the offending line quoted
/// with a `^` under the column (Yams's own `description` runs these together over several lines).
///
/// Yams's marks are 1-based (libyaml's 0-based marks plus one), and the line and column here are Yams's. Two cases
/// are said better than Yams's own snippet does:
/// - The end of the file: libyaml's mark is then past the last line, where Yams's snippet quotes the last line
///   with a caret at column 1 as if the mistake were there; here the problem is "at the end of the file", with no
///   quote of that line.
/// - An unclosed flow mapping or sequence (`{`, `[`): libyaml notices it only where the collection should have
///   gone on, a line or more after the real mistake (or at the end of the file); the problem then says where the
///   `{` was opened, and that line is quoted too, with its caret under the `{`.
struct YAMLErrorText {
    /// The 1-based line the error points at, when Yams says (at the end of the file: the unclosed `{`'s line, or
    /// the last line).
    var line: Int?
    /// `while scanning a simple key in line 3, column 1: could not find expected ':' (column 5)`.
    var problem: String
    /// The offending line and the `^` line under it; for an unclosed `{` also its line, with its own caret.
    var excerpt: String?

    init(_ error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, let yaml),
            .parser(let context, let problem, let mark, let yaml),
            .composer(let context, let problem, let mark, let yaml):
            let lines = Self.lines(of: yaml)
            let inFile = lines.indices.contains(mark.line - 1)
            let position = inFile ? "(column \(mark.column))" : "at the end of the file"
            var quotes = inFile ? [Self.quote(lines[mark.line - 1], column: mark.column)] : []
            if let context, let collection = Self.unclosedCollection(context, before: inFile ? mark : nil, lines) {
                let opened = context.mark
                line = inFile ? mark.line : opened.line
                self.problem =
                    "\(problem) \(position): the \(collection) opened at line \(opened.line), column "
                    + "\(opened.column) is not closed"
                quotes.append(Self.quote(lines[opened.line - 1], column: opened.column, note: "opened here"))
            } else {
                line = inFile ? mark.line : (lines.isEmpty ? nil : lines.count)
                let during = context.map { "\($0.text) in line \($0.mark.line), column \($0.mark.column): " } ?? ""
                self.problem = "\(during)\(problem) \(position)"
            }
            excerpt = quotes.isEmpty ? nil : quotes.joined(separator: "\n")
        default:
            line = nil
            problem = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            excerpt = nil
        }
    }

    /// The text's lines as libyaml counts them (any line break, CRLF as one); a final line break starts no line.
    static func lines(of yaml: String) -> [Substring] {
        var lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// `line`, then a caret under the 1-based `column` (counted in Unicode scalars, as libyaml does; a tab before
    /// it stays a tab so the caret lines up), then `note`.
    static func quote(_ line: Substring, column: Int, note: String? = nil) -> String {
        let before = line.unicodeScalars.prefix(max(column - 1, 0)).map { $0 == "\t" ? "\t" : " " }.joined()
        return "\(line)\n\(before)^" + (note.map { " \($0)" } ?? "")
    }

    /// "flow mapping '{'" or "flow sequence '['" when `context` is one being parsed that began on a line before
    /// `mark` (or before the end of the file, for a nil `mark`) and on a line of the file; nil otherwise.
    static func unclosedCollection(_ context: YamlError.Context, before mark: Mark?, _ lines: [Substring]) -> String? {
        let collection: String
        switch context.text {
        case "while parsing a flow mapping": collection = "flow mapping '{'"
        case "while parsing a flow sequence": collection = "flow sequence '['"
        default: return nil
        }
        guard lines.indices.contains(context.mark.line - 1), context.mark.line < mark?.line ?? Int.max else {
            return nil
        }
        return collection
    }
}
