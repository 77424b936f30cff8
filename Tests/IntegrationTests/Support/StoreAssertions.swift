import Foundation
import ModelGet
import TestSupport
import XCTest

extension CLIHarness {
    /// Every blob of `model` is in the store under its digest, and its bytes hash to it.
    func assertBlobsVerified(_ model: GeneratedModel, file: StaticString = #filePath, line: UInt = #line) {
        for blob in [model.config] + model.layers {
            let data = FileManager.default.contents(atPath: blobPath(blob.digest)) ?? Data()
            XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: data), blob.digest, "blob \(blob.digest)", file: file, line: line)
        }
    }
}
