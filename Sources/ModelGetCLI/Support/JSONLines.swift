import Foundation
import ModelGet

/// One JSON object per line on stdout (the running command's `OutputSink`).
enum JSONLines {
    static func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        CommandOutput.sink.json(data + Data("\n".utf8))
    }
}
