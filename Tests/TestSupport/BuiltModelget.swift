import Foundation

/// The `modelget` executable SwiftPM built beside the test bundle, which
/// every test that runs the command line starts.
public enum BuiltModelget {
    /// Its location: the bundle's directory or the one above it (where
    /// `swift test` puts `modelget` on Linux). When neither holds it, the
    /// first, so that starting it fails naming where it was looked for.
    public static var url: URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("modelget") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
}
