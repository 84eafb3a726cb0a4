import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Gives back the resident pages of code and read-only data the process touched only while starting (argument
/// parsing, the YAML parser, config checks, the first connect), or since the last release (a reconnect and its
/// outbox replay, a reload), and the heap's free pages, so that its resident set is what it keeps using.
///
/// Why: the static release binary holds the Swift runtime, Foundation and every dependency; start-up alone makes
/// about 10 MiB of it resident, and the kernel's fault-around maps 64 KiB around every page touched. Those pages are
/// clean copies of the file: dropping them from the page table (`madvise(MADV_DONTNEED)`, madvise(2)) costs
/// nothing, and a page needed again comes back from the page cache in a minor fault. docs/performance.md
/// ("Where the memory goes") has the figures.
///
/// Only mappings that are safe to drop are touched: backed by a file, private, not writable, and with no
/// copy-on-write page (`Anonymous: 0 kB` in `/proc/self/smaps`, proc(5)). A relocated read-only segment
/// (`PT_GNU_RELRO`) holds written pages, so it is left alone; so is every writable or shared mapping. A dropped page
/// is read again from the file it maps, so a file rewritten in place while mapped would show through; the kernel
/// refuses writes to a running executable (`ETXTBSY`), and package managers replace libraries by renaming a new
/// file over the old (the mapping keeps the old one).
package enum ResidentPageRelease {
    /// One mapping `/proc/self/smaps` lists that may be dropped: its address range and resident KiB.
    package struct Mapping: Equatable, Sendable {
        package var start: UInt
        package var end: UInt
        package var residentKiB: Int
        package var path: String
    }

    /// What one release did.
    package struct Outcome: Sendable {
        /// The mappings advised.
        package var mappings: Int
        /// Their resident KiB before the release.
        package var releasedKiB: Int
        /// The process's resident KiB (`/proc/self/statm`) before and after.
        package var residentBeforeKiB: Int
        package var residentAfterKiB: Int
        /// Present pages given a mapping of their own (`isolatingPresentPages`), and the process's mappings after
        /// (`/proc/self/maps`).
        package var pagesIsolated = 0
        package var mappingsAfter = 0
    }

    /// The mappings of `smaps` (the text of `/proc/self/smaps`) that can be dropped and hold resident pages: file
    /// backed (an absolute path, not `[vdso]` or a deleted file), permissions `r--p` or `r-xp`, `Anonymous: 0 kB`.
    package static func releasableMappings(smaps: String) -> [Mapping] {
        var scanner = SmapsScanner()
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) { scanner.scan(line) }
        return scanner.finish()
    }

    /// Reads `/proc/self/smaps` line by line into `releasableMappings`' result, never holding the whole text: with
    /// isolated pages (`isolatingPresentPages`) the process has thousands of mappings, and the text megabytes.
    /// - Returns: the releasable mappings and the number of mappings in all; `nil` where the file cannot be read.
    static func scanOwnMappings() -> (releasable: [Mapping], total: Int)? {
        var scanner = SmapsScanner()
        guard forEachLine(ofProcFile: "/proc/self/smaps", { scanner.scan($0) }) else { return nil }
        let releasable = scanner.finish()
        return (releasable, scanner.total)
    }

    /// `releasableMappings`, one `/proc/PID/smaps` line at a time.
    struct SmapsScanner {
        private var found: [Mapping] = []
        private var current: Mapping?
        private var currentAllowed = false
        private var resident = 0
        private var anonymous = -1
        /// The mappings seen, releasable or not.
        private(set) var total = 0

        mutating func scan(_ line: Substring) {
            if let header = ResidentPageRelease.header(line) {
                finishMapping()
                total += 1
                current = header.mapping
                currentAllowed = header.allowed
                resident = 0
                anonymous = -1
            } else if line.hasPrefix("Rss:") {
                resident = ResidentPageRelease.kibibytes(line) ?? 0
            } else if line.hasPrefix("Anonymous:") {
                anonymous = ResidentPageRelease.kibibytes(line) ?? -1
            }
        }

        mutating func finish() -> [Mapping] {
            finishMapping()
            current = nil
            return found
        }

        private mutating func finishMapping() {
            if var mapping = current, currentAllowed, anonymous == 0, resident > 0 {
                mapping.residentKiB = resident
                found.append(mapping)
            }
        }
    }

    /// Drops the resident pages of every releasable mapping of this process (`releasableMappings`), then gives the
    /// heap's free pages back to the kernel (glibc's `malloc_trim(0)`: after an outbox replay the arenas hold
    /// megabytes of freed memory).
    ///
    /// With `isolatingPresentPages`, every page of those mappings that is present in the page table just before is
    /// first given a mapping of its own (`isolatePresentPages`), so that when it is used again it comes back alone
    /// instead of with the 64 KiB around it. Call it once the pages in use are the only ones present: after a plain
    /// release and a few seconds of running.
    ///
    /// The mappings are read, then advised: a range could only change in between if a library were unloaded and
    /// its addresses reused, and the bridge unloads none (glibc keeps the NSS modules it loads).
    /// - Returns: what was done, or `nil` where `/proc/self/smaps` cannot be read (not Linux, or no procfs).
    package static func release(isolatingPresentPages: Bool = false) -> Outcome? {
        guard let (mappings, total) = scanOwnMappings() else { return nil }
        let before = residentKiB()
        var outcome = Outcome(mappings: 0, releasedKiB: 0, residentBeforeKiB: before, residentAfterKiB: before)
        let isolation = isolatingPresentPages ? PageIsolation(mappings: total) : nil
        for mapping in mappings {
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            isolation?.isolatePresentPages(of: mapping)
            if madvise(address, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                outcome.mappings += 1
                outcome.releasedKiB += mapping.residentKiB
            }
        }
        trimHeap()
        outcome.residentAfterKiB = residentKiB()
        outcome.pagesIsolated = isolation?.isolated ?? 0
        var mappingsAfter = 0
        _ = forEachLine(ofProcFile: "/proc/self/maps") { _ in mappingsAfter += 1 }
        outcome.mappingsAfter = mappingsAfter
        return outcome
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (the Glibc module does not import `malloc.h`); nothing where
    /// the C library has none.
    private static func trimHeap() {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }

    /// The resident set size of this process in KiB (`/proc/self/statm`'s second field, in pages); 0 if unknown.
    package static func residentKiB() -> Int {
        guard let statm = procFile("/proc/self/statm") else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE)) / 1024
    }

    /// The whole text of a procfs file. Foundation's `String(contentsOfFile:)` trusts the size `stat` gives, which
    /// procfs does not know, and returns the first few KiB of a long file such as `/proc/self/smaps`: this reads to
    /// the end. `nil` when the file cannot be opened.
    package static func procFile(_ path: String) -> String? {
        var lines: [Substring] = []
        guard forEachLine(ofProcFile: path, { lines.append($0) }) else { return nil }
        return lines.joined(separator: "\n")
    }

    /// Hands over the lines of a procfs file (without their newline) as they are read, 64 KiB at a time, to the
    /// end (see `procFile`). Returns false when the file cannot be opened.
    static func forEachLine(ofProcFile path: String, _ body: (Substring) -> Void) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending.append(contentsOf: chunk[..<count])
            guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
            let text = String(decoding: pending[..<last], as: UTF8.self)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) { body(line) }
            pending.removeSubrange(...last)
        }
        if !pending.isEmpty { body(Substring(String(decoding: pending, as: UTF8.self))) }
        return true
    }

    /// A mapping's header line (`start-end perms offset dev inode [path]`), and whether its kind may be dropped.
    fileprivate static func header(_ line: Substring) -> (mapping: Mapping, allowed: Bool)? {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5, let dash = fields[0].firstIndex(of: "-"),
            let start = UInt(fields[0][..<dash], radix: 16),
            let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16)
        else { return nil }
        let path = fields.count > 5 ? String(fields[5].trimmingCharacters(in: .whitespaces)) : ""
        let permissions = fields[1]
        let allowed =
            (permissions == "r--p" || permissions == "r-xp") && path.hasPrefix("/") && !path.hasSuffix("(deleted)")
        return (Mapping(start: start, end: end, residentKiB: 0, path: path), allowed)
    }

    /// The number of a `Name:   123 kB` line.
    fileprivate static func kibibytes(_ line: Substring) -> Int? {
        line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }
}
