import Foundation

/// Fresh private directories under the system temporary directory.
enum TemporaryDirectory {
    /// Creates a new, empty directory named `<prefix>.XXXXXX`.
    static func make(prefix: String) throws -> URL {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix).XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw TestSupportError.system(call: "mkdtemp \(template)", errno: errno)
        }
        return URL(fileURLWithPath: String(cString: created), isDirectory: true)
    }
}
