import XCTest
@testable import ModelGet

final class DisplayTextTests: XCTestCase {
    func testControlCharactersAreEscapedNotPrinted() {
        let hostile = "ok\u{1B}[2J\u{1B}]0;owned\u{07}\r\nnext\u{9B}31m\u{202E}txt.exe"
        let line = DisplayText.line(hostile)
        XCTAssertFalse(line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" }, line)
        XCTAssertEqual(line, #"ok\u{1b}[2J\u{1b}]0;owned\u{7}\r\nnext\u{9b}31m\u{202e}txt.exe"#)
        XCTAssertEqual(DisplayText.block("a\n\tb\rc\u{1B}"), "a\n\tb\\rc\\u{1b}", "a block keeps its lines and tabs")
        XCTAssertEqual(DisplayText.line("plain ünïcode"), "plain ünïcode")
    }

    func testLongTextIsCutAndSaysHowMuch() {
        let line = DisplayText.line(String(repeating: "x", count: 100_000), limit: 50)
        XCTAssertEqual(line, String(repeating: "x", count: 50) + "… (99950 more characters)")
    }

    func testErrorsAreOneBoundedLineWhateverTheyCarry() {
        let message = String(repeating: "line\n\u{1B}[2J", count: 20_000)
        let error = ModelGetError.http(status: 400, url: "https://r.example/v2/x", code: "DENIED", message: message)
        let text = error.description
        XCTAssertFalse(text.contains("\n"))
        XCTAssertFalse(text.contains("\u{1B}"))
        XCTAssertLessThan(text.count, DisplayText.lineLimit + 40)
        XCTAssertTrue(text.hasPrefix("https://r.example/v2/x: HTTP 400 DENIED: line\\n\\u{1b}[2J"), text)
    }
}
