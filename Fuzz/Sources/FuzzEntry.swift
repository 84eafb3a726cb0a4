#if canImport(Glibc)
import Glibc
#endif

/// The process entry point. SwiftPM links an executable target with `--defsym main=<module>_main`; this module has
/// no top-level code (`-parse-as-library`), so it defines that symbol itself and hands the command line to
/// libFuzzer's driver (`LLVMFuzzerRunDriver`, linked in by `-sanitize=fuzzer` with the rest of libFuzzer).
@_cdecl("pro380_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// libFuzzer's per-input callback: runs the target named by `PRO380_FUZZ_TARGET` on one input. (Also exported
/// under libFuzzer's standard name, which its own `main`, linked in but unused, refers to.)
///
/// Built only by `scripts/fuzz.sh`; a target must never crash, trap or hang on any input: every failure is a
/// thrown error the caller already handles.
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
        print("set PRO380_FUZZ_TARGET to one of: \(names)")
        exit(2)
    }
    return target
}()
