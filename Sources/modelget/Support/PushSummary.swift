import Foundation
import ModelGet

/// How `push` and `copy` report a finished `PushResult`: one line, or one
/// JSON object with `--json`.
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
        Swift.print("\(verb) \(result.reference) (\(result.manifestDigest.prefix(19))): \(result.blobs) blobs, "
            + "\(ProgressFormat.bytes(result.totalBytes)); skipped \(result.skipped) (\(ProgressFormat.bytes(result.skippedBytes))), "
            + "mounted \(result.mounted) (\(ProgressFormat.bytes(result.mountedBytes))), "
            + "sent \(result.sent) (\(ProgressFormat.bytes(result.sentBytes))) in \(ProgressFormat.duration(seconds))")
    }
}
