@testable import ModelGet
import Foundation
import XCTest

/// Layer paths resolved inside a root: links followed as the container
/// sees them, escapes refused.
final class RootFilesystemTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "rootfs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/usr/lib", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/lib", withDestinationPath: "usr/lib")
        try FileManager.default.createSymbolicLink(atPath: root + "/abs", withDestinationPath: "/usr")
        try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: root + "/loop", withDestinationPath: "loop")
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(atPath: root)
    }

    func testNamesAreNormalisedOrRefused() throws {
        XCTAssertEqual(try RootFilesystem.components(of: "./usr//bin/./ls"), ["usr", "bin", "ls"])
        XCTAssertEqual(try RootFilesystem.components(of: "./"), [])
        XCTAssertThrowsError(try RootFilesystem.components(of: "/etc/passwd")) { XCTAssertEqual($0 as? RootFilesystem.Refusal, .absolute) }
        XCTAssertThrowsError(try RootFilesystem.components(of: "a/../../b")) { XCTAssertEqual($0 as? RootFilesystem.Refusal, .dotDot) }
    }

    func testLinksAreFollowedInsideTheRootAndTheLastComponentIsNot() throws {
        let fs = RootFilesystem(root: root)
        XCTAssertEqual(try fs.resolveParent(["lib", "libc.so"]), ["usr", "lib", "libc.so"])
        XCTAssertEqual(try fs.resolveParent(["abs", "lib", "x"]), ["usr", "lib", "x"])
        XCTAssertEqual(try fs.resolveParent(["lib"]), ["lib"])
        XCTAssertEqual(try fs.resolveParent(["new", "dir", "file"]), ["new", "dir", "file"])
    }

    func testEscapesAndLoopsAreRefused() throws {
        let fs = RootFilesystem(root: root)
        XCTAssertThrowsError(try fs.resolveParent(["up", "etc", "passwd"])) {
            XCTAssertEqual($0 as? RootFilesystem.Refusal, .escapesThroughSymlink("up"))
        }
        XCTAssertThrowsError(try fs.resolveParent(["loop", "x"])) { XCTAssertEqual($0 as? RootFilesystem.Refusal, .symlinkLoop) }
    }

    /// A path under a file counts as removed (a whiteout under what is no
    /// longer a directory), and directories their owner may not change or
    /// list are opened up on the way.
    func testRemoveTreeTakesReadOnlyDirectoriesAndIgnoresPathsUnderFiles() throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/file"))
        XCTAssertNoThrow(try RootFilesystem.removeTree(root + "/file/child"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/file"))

        try FileManager.default.createDirectory(atPath: root + "/ro/inner", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/ro/inner/f"))
        XCTAssertEqual(chmod(root + "/ro/inner", 0o500), 0)
        XCTAssertEqual(chmod(root + "/ro", 0o555), 0)
        try RootFilesystem.removeTree(root + "/ro")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/ro"))
    }
}
