import Foundation
import XCTest

extension XCTestCase {
    /// Runs a reference tool (skopeo, umoci) and fails the test with its output if it fails.
    @discardableResult
    func runTool(_ name: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + name)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(name) \(arguments.joined(separator: " ")): \(text)")
        return process.terminationStatus
    }
}
