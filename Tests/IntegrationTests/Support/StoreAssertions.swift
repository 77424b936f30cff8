import Foundation
import ModelGet
import TestSupport
import XCTest

extension CLIHarness {
    /// Every blob of `model` is in the store under its digest, and its bytes hash to it.
    func assertBlobsVerified(_ model: GeneratedModel, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try model.storeProblems(inModelsDirectory: models.path), [], file: file, line: line)
    }
}
