import Foundation
import ModelGet

/// How `push` and `copy` report a finished `PushResult`: a summary within
/// 80 columns, or one JSON object with `--json`.
enum PushSummary {
    static func print(_ result: PushResult, verb: String, seconds: TimeInterval, json: Bool) {
        if json {
            JSONLines.emit([
                "event": "done", "reference": result.reference, "digest": result.manifestDigest,
                "blobs": result.blobs, "total_bytes": result.totalBytes,
                "skipped": result.skipped, "skipped_bytes": result.skippedBytes,
                "mounted": result.mounted, "mounted_bytes": result.mountedBytes,
                "sent": result.sent, "sent_bytes": result.sentBytes,
                "bytes_transferred": result.bytesTransferred, "seconds": (seconds * 1000).rounded() / 1000,
            ])
            return
        }
        let size = ProgressFormat.binaryBytes
        ModelGetCLI.print(Summary.text("\(verb) \(result.reference) (\(result.manifestDigest.prefix(19)))",
                                 "\(result.blobs) blobs, \(size(result.totalBytes)); skipped \(result.skipped) (\(size(result.skippedBytes))), "
                                 + "mounted \(result.mounted) (\(size(result.mountedBytes))), "
                                 + "sent \(result.sent) (\(size(result.sentBytes))) in \(ProgressFormat.duration(seconds))"))
    }
}
