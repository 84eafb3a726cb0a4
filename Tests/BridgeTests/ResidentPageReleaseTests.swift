import Foundation
import Testing

@testable import Bridge

#if canImport(Glibc)
import Glibc
#endif

/// `ResidentPageRelease`: which mappings of `/proc/self/smaps` it may drop (a golden excerpt), and on real mappings
/// of this process that a clean file mapping loses its resident pages and still reads the same, while a mapping
/// with written (copy-on-write) pages keeps them.
@Suite struct ResidentPageReleaseTests {
    /// An excerpt of a real `/proc/PID/smaps` of the release binary (fields trimmed to those read).
    static let smaps = """
        55d0a0000000-55d0a069d000 r--p 00000000 fe:00 6234148                    /usr/local/bin/pro380-mqtt
        Size:               6772 kB
        Rss:                 972 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me dw sd
        55d0a069d000-55d0a1bd5000 r-xp 0069c000 fe:00 6234148                    /usr/local/bin/pro380-mqtt
        Size:              21728 kB
        Rss:               15740 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me dw sd
        55d0a1bd5000-55d0a1c99000 r--p 01bd3000 fe:00 6234148                    /usr/local/bin/pro380-mqtt
        Size:                784 kB
        Rss:                 784 kB
        Anonymous:           784 kB
        VmFlags: rd mr mw me dw ac sd
        55d0a1c99000-55d0a40ef000 rw-p 01c96000 fe:00 6234148                    /usr/local/bin/pro380-mqtt
        Size:              37208 kB
        Rss:                2500 kB
        Anonymous:          1300 kB
        VmFlags: rd wr mr mw me dw ac sd
        7f3c40000000-7f3c40021000 rw-p 00000000 00:00 0
        Size:                132 kB
        Rss:                  12 kB
        Anonymous:            12 kB
        VmFlags: rd wr mr mw me nr sd
        7f3c4a000000-7f3c4a100000 r-xp 00000000 fe:00 1234                       /usr/lib/x86_64-linux-gnu/libold.so (deleted)
        Size:               1024 kB
        Rss:                 100 kB
        Anonymous:             0 kB
        7f3c4b000000-7f3c4b001000 rw-s 00000000 fe:00 777                        /var/lib/pro380-mqtt/outbox.sqlite-shm
        Size:                  4 kB
        Rss:                   4 kB
        Anonymous:             0 kB
        7f3c4c000000-7f3c4c100000 r-xp 00028000 fe:00 555                        /usr/lib/x86_64-linux-gnu/libc.so.6
        Size:               1024 kB
        Rss:                   0 kB
        Anonymous:             0 kB
        7f3c4d000000-7f3c4d180000 r-xp 00028000 fe:00 556                        /usr/lib/x86_64-linux-gnu/lib with space.so
        Size:               1536 kB
        Rss:                 640 kB
        Anonymous:             0 kB
        7ffd1a5f3000-7ffd1a5f5000 r-xp 00000000 00:00 0                          [vdso]
        Size:                  8 kB
        Rss:                   4 kB
        Anonymous:             0 kB
        """

    @Test func onlyCleanReadOnlyFileMappingsWithResidentPagesAreReleasable() {
        let found = ResidentPageRelease.releasableMappings(smaps: Self.smaps)
        #expect(
            found == [
                .init(
                    start: 0x55d0_a000_0000,
                    end: 0x55d0_a069_d000,
                    residentKiB: 972,
                    path: "/usr/local/bin/pro380-mqtt"
                ),
                .init(
                    start: 0x55d0_a069_d000,
                    end: 0x55d0_a1bd_5000,
                    residentKiB: 15740,
                    path: "/usr/local/bin/pro380-mqtt"
                ),
                .init(
                    start: 0x7f3c_4d00_0000,
                    end: 0x7f3c_4d18_0000,
                    residentKiB: 640,
                    path: "/usr/lib/x86_64-linux-gnu/lib with space.so"
                ),
            ]
        )
    }

    @Test func aMappingWithoutAnAnonymousLineIsNotReleasable() {
        let text = """
            55d0a069d000-55d0a1bd5000 r-xp 0069c000 fe:00 6234148                    /usr/local/bin/pro380-mqtt
            Rss:               15740 kB
            """
        #expect(ResidentPageRelease.releasableMappings(smaps: text).isEmpty)
    }

    /// A clean private mapping of a real file is dropped from the resident set and reads the same afterwards; a
    /// private mapping whose pages were written and then made read-only (as the loader does with RELRO) keeps its
    /// written bytes.
    @Test func releaseDropsCleanPagesAndKeepsWrittenOnes() throws {
        let pages = try PageFile(pages: 64)
        defer { pages.remove() }
        let (pageSize, length, contents, descriptor) = (pages.pageSize, pages.length, pages.contents, pages.descriptor)
        let clean: UnsafeMutableRawPointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
        let written: UnsafeMutableRawPointer = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0)
        try #require(clean != MAP_FAILED && written != MAP_FAILED)
        defer {
            munmap(clean, length)
            munmap(written, length)
        }
        var sum = 0
        for offset in stride(from: 0, to: length, by: pageSize) {
            sum &+= Int(clean.load(fromByteOffset: offset, as: UInt8.self))
        }
        for offset in stride(from: 0, to: length, by: pageSize) {
            written.storeBytes(of: 0xA5, toByteOffset: offset, as: UInt8.self)
        }
        #expect(mprotect(written, length, PROT_READ) == 0)
        #expect(try residentKiB(of: clean) == length / 1024)

        let outcome = try #require(ResidentPageRelease.release())

        #expect(outcome.mappings >= 1)
        #expect(outcome.releasedKiB >= length / 1024)
        #expect(try residentKiB(of: clean) == 0)
        #expect(Data(bytes: clean, count: length) == contents)
        #expect(try residentKiB(of: written) == length / 1024)
        for offset in stride(from: 0, to: length, by: pageSize) {
            #expect(written.load(fromByteOffset: offset, as: UInt8.self) == 0xA5)
        }
        #expect(sum != 0)
    }

    /// After an isolating release, a page used again comes back alone: the kernel maps the pages around a faulting
    /// page (fault-around) only within its mapping, and each page present at the release got one of its own.
    @Test func isolatedPagesComeBackAlone() throws {
        let pages = try PageFile(pages: 64)
        defer { pages.remove() }
        let (pageSize, length, contents, descriptor) = (pages.pageSize, pages.length, pages.contents, pages.descriptor)
        let mapping: UnsafeMutableRawPointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, length) }
        let used = [5, 40]
        func touch() -> Int {
            used.reduce(0) { $0 &+ Int(mapping.load(fromByteOffset: $1 * pageSize, as: UInt8.self)) }
        }

        _ = touch()
        let presentBefore = try presentPages(mapping, count: 64)
        #expect(presentBefore.isSuperset(of: used))
        let outcome = try #require(ResidentPageRelease.release(isolatingPresentPages: true))
        #expect(outcome.pagesIsolated >= presentBefore.count)
        #expect(outcome.mappingsAfter > used.count)
        #expect(try presentPages(mapping, count: 64).isEmpty)

        _ = touch()
        #expect(try presentPages(mapping, count: 64) == Set(used))
        #expect(Data(bytes: mapping, count: length) == contents)
    }

    /// Freed heap memory in the middle of malloc's heap (kept there by live blocks after it) goes back to the kernel.
    @Test func releaseGivesBackFreedHeap() throws {
        let blockSize = 64 * 1024
        var blocks: [UnsafeMutableRawPointer] = (0..<1024).compactMap { _ in malloc(blockSize) }
        #expect(blocks.count == 1024)
        for block in blocks { memset(block, 0x5A, blockSize) }
        for (index, block) in blocks.enumerated() where index % 16 != 15 { free(block) }
        blocks = blocks.enumerated().filter { $0.offset % 16 == 15 }.map(\.element)
        defer { for block in blocks { free(block) } }
        let before = try anonymousKiB()

        _ = try #require(ResidentPageRelease.release())

        // 60 MiB were freed between the live blocks; most of it must leave the anonymous resident set (the file
        // pages the release drops are not counted there).
        #expect(try before - anonymousKiB() > 30 * 1024)
        for block in blocks { #expect(block.load(fromByteOffset: blockSize - 1, as: UInt8.self) == 0x5A) }
    }

    /// `/proc/self/smaps` is read whole, though procfs reports its size as 0 (Foundation read only its start).
    @Test func procFilesAreReadToTheEnd() throws {
        let smaps = try #require(ResidentPageRelease.procFile("/proc/self/smaps"))
        #expect(smaps.utf8.count > 16 * 1024)
        #expect(smaps.contains("[stack]"))
    }

    /// The pages of `count` from `address` that are present in this process's page table (`/proc/self/pagemap`,
    /// bit 63), as page indexes from `address`.
    private func presentPages(_ address: UnsafeMutableRawPointer, count: Int) throws -> Set<Int> {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pagemap = open("/proc/self/pagemap", O_RDONLY)
        try #require(pagemap >= 0)
        defer { close(pagemap) }
        var entries = [UInt64](repeating: 0, count: count)
        let offset = off_t(Int(bitPattern: address) / pageSize * 8)
        let read = entries.withUnsafeMutableBytes { pread(pagemap, $0.baseAddress, $0.count, offset) }
        try #require(read == count * 8)
        return Set(entries.indices.filter { entries[$0] >> 63 == 1 })
    }

    /// `RssAnon` of `/proc/self/status`, KiB.
    private func anonymousKiB() throws -> Int {
        let status = try #require(ResidentPageRelease.procFile("/proc/self/status"))
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    /// The resident KiB of the mapping that starts at `address`, from `/proc/self/smaps`.
    private func residentKiB(of address: UnsafeMutableRawPointer) throws -> Int {
        let smaps = try #require(ResidentPageRelease.procFile("/proc/self/smaps"))
        let start = String(UInt(bitPattern: address), radix: 16)
        var inMapping = false
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), line[..<dash].allSatisfy(\.isHexDigit) {
                inMapping = line[..<dash].drop(while: { $0 == "0" }) == start
            } else if inMapping, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
            }
        }
        Issue.record("no mapping at \(start) in /proc/self/smaps")
        return -1
    }
}

/// A file of known bytes, `pages` pages long, in a folder of its own, open for reading.
private struct PageFile {
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    let length: Int
    let contents: Data
    let descriptor: Int32
    private let folder: URL

    init(pages: Int) throws {
        length = pages * pageSize
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("page-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("pages.bin")
        contents = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try contents.write(to: file)
        descriptor = open(file.path, O_RDONLY)
        try #require(descriptor >= 0)
    }

    /// Closes the file and removes its folder.
    func remove() {
        close(descriptor)
        try? FileManager.default.removeItem(at: folder)
    }
}
