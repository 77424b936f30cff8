#if LIBFUZZER
import Foundation

/// libFuzzer's entry point (built with `-sanitize=fuzzer -DLIBFUZZER`,
/// see `make fuzz`). The target comes from `MODELGET_FUZZ_TARGET`; a
/// broken property aborts, which libFuzzer reports and saves as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    do {
        try selectedTarget.run(data)
    } catch {
        fatalError("\(selectedTarget.name): \(error)")
    }
    return 0
}

/// SwiftPM links an executable's `main` to `<module>_main`; here that runs
/// libFuzzer's own driver (its `LLVMFuzzerRunDriver`), which parses the
/// libFuzzer flags and calls `fuzzOneInput`.
@_cdecl("modelget_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MODELGET_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
        fatalError("set MODELGET_FUZZ_TARGET to one of: " + FuzzTarget.all.map(\.name).joined(separator: ", "))
    }
    return target
}()
#endif
