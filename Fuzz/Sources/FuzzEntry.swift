#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's entry point: runs the target named by `PRO380_FUZZ_TARGET` on one input.
///
/// Built only by `scripts/fuzz.sh` (with `-sanitize=fuzzer`, which links libFuzzer's `main`); a target must never
/// crash, trap or hang on any input: every failure is a thrown error the caller already handles.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(bytes)
    return 0
}

/// The target of this process, chosen once from the environment.
let selectedTarget: FuzzTarget = {
    let name = getenv("PRO380_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
        fputs("set PRO380_FUZZ_TARGET to one of: \(names)\n", stderr)
        exit(2)
    }
    return target
}()
