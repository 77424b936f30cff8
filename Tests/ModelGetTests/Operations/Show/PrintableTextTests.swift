import XCTest
@testable import ModelGet

final class PrintableTextTests: XCTestCase {
    func testTemplatesShowAsText() {
        XCTAssertEqual(ModelInfo.printableText(Data("{{ .System }}\n\t{{ .Prompt }}".utf8)), "{{ .System }}\n\t{{ .Prompt }}")
    }

    func testBinaryIsNotTextAndTerminalCodesAreLeftForThePrinterToEscape() {
        XCTAssertEqual(ModelInfo.printableText(Data([0xff, 0xfe, 0x00, 0x41])), "(4 bytes, not text)")
        XCTAssertEqual(ModelInfo.printableText(Data([0x41, 0x00])), "(2 bytes, not text)")
        let title = ModelInfo.printableText(Data("\u{1B}]0;owned\u{07}".utf8))
        XCTAssertEqual(DisplayText.block(title), #"\u{1b}]0;owned\u{7}"#)
    }
}
