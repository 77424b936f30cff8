@testable import ModelGet
import Foundation
import XCTest

/// The GGUF header reader on headers written byte by byte here.
final class GGUFHeaderTests: XCTestCase {
    /// A v3 header: architecture, file type 15, context 4096, two tensors (10×20 and 5).
    private func header() -> Data {
        var out = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: Array(s.utf8)) }
        u32(3); u64(2); u64(4)
        string("general.architecture"); u32(8); string("qwen2")
        string("general.file_type"); u32(4); u32(15)
        string("qwen2.context_length"); u32(4); u32(4096)
        string("tokenizer.ggml.scores"); u32(9); u32(6); u64(3); u32(0); u32(0); u32(0)
        string("a.weight"); u32(2); u64(10); u64(20); u32(0); u64(0)
        string("b.bias"); u32(1); u64(5); u32(0); u64(800)
        return out
    }

    func testReadsArchitectureParametersQuantisationAndContext() throws {
        let parsed = try GGUFHeader.parse(header() + Data(repeating: 0, count: 64))
        XCTAssertEqual(parsed, GGUFHeader(version: 3, architecture: "qwen2", parameterCount: 205, quantization: "Q4_K_M",
                                          contextLength: 4096, tensorCount: 2))
    }

    func testATruncatedHeaderAsksForMoreAndOtherFilesAreRefused() {
        let full = header()
        for cut in [3, 30, full.count - 1] {
            XCTAssertThrowsError(try GGUFHeader.parse(full.prefix(cut))) { XCTAssertEqual($0 as? GGUFHeader.Problem, .needMore, "cut \(cut)") }
        }
        XCTAssertThrowsError(try GGUFHeader.parse(Data("GGML0000".utf8))) { XCTAssertEqual($0 as? GGUFHeader.Problem, .invalid("not a GGUF file")) }
    }

    func testAFileSmallerThanTheFirstReadIsReadOnce() async throws {
        let file = header() + Data(repeating: 0, count: 100)
        var asked: [Int64] = []
        let parsed = try await GGUFHeader.read(size: Int64(file.count), limit: 1 << 20) { length in
            asked.append(length)
            return file.prefix(Int(length))
        }
        XCTAssertEqual(parsed?.parameterCount, 205)
        XCTAssertEqual(asked, [Int64(file.count)])
    }
}
