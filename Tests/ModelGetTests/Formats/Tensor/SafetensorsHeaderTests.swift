import Foundation
@testable import ModelGet
import XCTest

/// Safetensors headers come from registries: every length, offset and
/// size is checked, and a bad one is one line naming what is wrong.
final class SafetensorsHeaderTests: XCTestCase {
    private func file(_ header: String, data: Int) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Data(header.utf8) + Data(count: data)
    }

    private func parse(_ bytes: Data) throws -> SafetensorsHeader {
        try SafetensorsHeader.parse(bytes, fileSize: Int64(bytes.count), source: "blob x")
    }

    private func assertRefused(_ bytes: Data, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(bytes), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("blob x: not a valid safetensors file: ") && text.contains(words), text, file: file, line: line)
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
        }
    }

    func testAQuantisedBlobParsesInDataOrderWithItsMetadata() throws {
        let header = try parse(file(#"{"__metadata__":{"quant_type":"int4","group_size":"32"},"t/w":{"dtype":"U32","shape":[2,16],"data_offsets":[0,128]},"t/w.scale":{"dtype":"BF16","shape":[2,4],"data_offsets":[128,144]},"t/w.bias":{"dtype":"BF16","shape":[2,4],"data_offsets":[144,160]}}"#, data: 160))
        XCTAssertEqual(header.tensors.map(\.name), ["t/w", "t/w.scale", "t/w.bias"])
        XCTAssertEqual(header.metadata, ["quant_type": "int4", "group_size": "32"])
        guard case let .weight(quantization) = QuantizedTensor.role(of: header.tensors[0], in: header) else { return XCTFail("not a weight") }
        XCTAssertEqual(quantization.description, "int4 (group 32)")
        XCTAssertEqual(header.tensors[0].elements * quantization.valuesPerElement("U32"), 256)
        guard case .companion = QuantizedTensor.role(of: header.tensors[2], in: header) else { return XCTFail("bias is a companion") }
    }

    func testOffsetsPastTheEndAreRefused() {
        assertRefused(file(#"{"w":{"dtype":"U8","shape":[64],"data_offsets":[0,64]}}"#, data: 16), "past the end")
    }

    func testOverlappingRangesAreRefused() {
        assertRefused(file(#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}}"#, data: 16), "overlap")
    }

    func testAHeaderLengthOf2To63IsRefusedBeforeAnythingIsRead() {
        var bytes = Data()
        withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { bytes.append(contentsOf: $0) }
        assertRefused(bytes + Data("{}".utf8), "header length 9223372036854775808")
        assertRefused(file("{}", data: 0).prefix(4), "shorter than")
    }

    func testSizesThatDoNotMatchOrOverflowAreRefused() {
        assertRefused(file(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8), "do not hold")
        assertRefused(file(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}"#, data: 8), "larger than the file")
        assertRefused(file(#"{"w":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}"#, data: 1), "unknown dtype")
        assertRefused(file(#"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0.5,1]}}"#, data: 1), "two integers")
        assertRefused(file(#"{"w":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551616,1]}}"#, data: 1), "two integers")
        assertRefused(file(#"["not", "an object"]"#, data: 0), "not a JSON object")
    }
}
