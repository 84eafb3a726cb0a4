import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Gives each present page of a clean file mapping a mapping (VMA) of its own, so that after `MADV_DONTNEED` a page
/// used again comes back alone.
///
/// Why: on a page fault in a file mapping the kernel also maps the pages around it that are in the page cache,
/// 64 KiB aligned (`fault_around_bytes`, mm/memory.c `do_fault_around`), but never past the faulting mapping's ends.
/// The binary's 21 MiB of code is in the page cache, so every function the bridge runs keeps 16 pages resident: with
/// the hot functions packed (the symbol order) 4.4 MiB of code stayed resident for perhaps a quarter of it in use,
/// since the standard library's code cannot be reordered. A page whose neighbours have other flags is a mapping of
/// its own, and its fault maps it alone. The flags: `MADV_RANDOM` (no readahead on a major fault: a single page is
/// wanted) on even pages, `MADV_DONTDUMP` (file-backed private mappings are not in a core dump by default anyway,
/// `coredump_filter` 0x33, core(5)) on odd ones; by the page's address, so a page isolated again gets the same flag
/// and two neighbours always differ from each other and from the pages around them that have neither.
///
/// Cost: a mapping is a kernel structure of about 200 bytes (`vm_area_struct` and its share of the maple tree);
/// the bridge isolates about 2,100 pages with one meter (docs/performance.md), and `maximumMappings` bounds the process's mappings.
/// Which pages are present comes from `/proc/self/pagemap` (bit 63 present, bit 61 a file page; proc(5), the
/// kernel's Documentation/admin-guide/mm/pagemap.rst), readable without privileges (only the frame numbers are
/// hidden).
final class PageIsolation {
    /// The process's mappings beyond which nothing more is isolated (the kernel's default `vm.max_map_count` is
    /// 65,530; a mapping past it fails `mmap`, so the isolation stays far below).
    static let maximumMappings = 8192

    /// Pages given a mapping of their own by this isolation.
    private(set) var isolated = 0
    /// The process's mappings, counted high as pages are isolated (two for a page cut out of a larger mapping,
    /// which splits it in three; one next to a page just isolated; a page isolated before adds none).
    private var mappings: Int
    private let pagemap: Int32
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Starts an isolation in a process with `mappings` mappings now.
    init(mappings: Int) {
        self.mappings = mappings
        pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if pagemap >= 0 { close(pagemap) }
    }

    /// Isolates every page of `mapping` that is present and a file page (not a copy-on-write copy), until the
    /// process would have `maximumMappings`. Nothing where `/proc/self/pagemap` cannot be read.
    func isolatePresentPages(of mapping: ResidentPageRelease.Mapping) {
        guard pagemap >= 0, mapping.end > mapping.start else { return }
        let first = Int(mapping.start) / pageSize
        let count = Int(mapping.end - mapping.start) / pageSize
        var entries = [UInt64](repeating: 0, count: count)
        let wanted = count * MemoryLayout<UInt64>.size
        let read = entries.withUnsafeMutableBytes {
            pread(pagemap, $0.baseAddress, wanted, off_t(first * MemoryLayout<UInt64>.size))
        }
        guard read == wanted else { return }
        var previousIsolated = false
        for (offset, entry) in entries.enumerated() {
            let present = entry & (1 << 63) != 0 && entry & (1 << 61) != 0
            guard present, mappings + 2 <= Self.maximumMappings else {
                previousIsolated = false
                continue
            }
            let page = first + offset
            let advice = page % 2 == 0 ? MADV_RANDOM : MADV_DONTDUMP
            guard let address = UnsafeMutableRawPointer(bitPattern: page * pageSize),
                madvise(address, pageSize, advice) == 0
            else {
                previousIsolated = false
                continue
            }
            isolated += 1
            // A page next to one just isolated adds one mapping (it only cuts the rest off); a page alone, two.
            let added = previousIsolated ? 1 : 2
            mappings += added
            previousIsolated = true
        }
    }
}
