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

private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MODELGET_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
        fatalError("set MODELGET_FUZZ_TARGET to one of: " + FuzzTarget.all.map(\.name).joined(separator: ", "))
    }
    return target
}()
#endif
