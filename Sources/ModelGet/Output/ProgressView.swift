import Foundation

/// Draws a `ProgressSnapshot` as text: a pure function of the snapshot,
/// the speeds measured so far and the width, so tests compare strings.
///
/// On a terminal (`lines`): one line for the whole operation, one per big
/// blob (short digest, bar, percentage, bytes, speed, ETA, or what it waits
/// for), one for the small blobs together when there are big ones, and a
/// last line saying what runs now when it is not plain transferring
/// (`verifying`, `syncing to disk`, `writing manifest`, `done`, a resume,
/// a wait for another process, or a status line another part set).
/// Narrow lines lose the bar first, then the name, then the byte counts;
/// the percentage, speed and ETA stay and no number is ever cut.
/// Off a terminal (`logLine`): the whole operation on one line.
package enum ProgressView {
    /// Speeds measured by the display (a `SpeedMeter` each).
    package struct Speeds: Sendable, Equatable {
        /// Bytes per second over the whole operation.
        package var overall: Double?
        /// The small blobs together.
        package var small: Double?
        /// Each big blob, by digest.
        package var blobs: [String: Double]

        package init(overall: Double? = nil, small: Double? = nil, blobs: [String: Double] = [:]) {
            self.overall = overall
            self.small = small
            self.blobs = blobs
        }
    }

    /// Columns of a sub-line's name (a short digest), so the bars line up.
    static let nameWidth = 12

    /// Big blobs drawn at most; the rest are counted on one line.
    package static let maximumBlobLines = 8

    /// The lines for a terminal `width` columns wide, none longer than it.
    package static func lines(label: String, snapshot: ProgressSnapshot, speeds: Speeds, width: Int) -> [String] {
        var lines = [totalLine(label: label, snapshot: snapshot, speed: speeds.overall, width: width)]
        guard snapshot.phase != .resolving else { return lines }
        let shown = blobsToShow(snapshot.blobs)
        for blob in shown {
            lines.append(blobLine(blob, speed: speeds.blobs[blob.digest], width: width))
        }
        let hidden = snapshot.blobs.count - shown.count
        if hidden > 0 {
            lines.append(fit([Field("\(hidden) more big blobs", .name)], width: width, indent: "  "))
        }
        let small = snapshot.smallBlobs
        if !snapshot.blobs.isEmpty && small.total > 0 {
            lines.append(smallLine(small, speed: speeds.small, width: width))
        }
        if let activity = activity(snapshot) {
            lines.append(fit([Field(activity, .name)], width: width))
        }
        return lines
    }

    /// One line for a log: the whole operation and what runs now.
    package static func logLine(label: String, snapshot: ProgressSnapshot, speed: Double?) -> String {
        var line = totalLine(label: label, snapshot: snapshot, speed: speed, width: .max)
        if let activity = activity(snapshot) { line += "  (\(activity))" }
        return line
    }

    /// What runs now, when it is more than moving bytes; nil otherwise.
    package static func activity(_ snapshot: ProgressSnapshot) -> String? {
        if let status = snapshot.status { return DisplayText.line(status, limit: 200) }
        switch snapshot.phase {
        case .resolving:
            return nil
        case .transferring:
            if let digest = snapshot.waitingFor.first {
                let more = snapshot.waitingFor.count > 1 ? " (and \(snapshot.waitingFor.count - 1) more blobs)" : ""
                return "waiting for another modelget pulling \(shortDigest(digest, long: true))\(more)"
            }
            if let verifying = snapshot.blobs.first(where: { $0.state == .verifying }) {
                return "verifying \(shortDigest(verifying.digest, long: true))"
            }
            if snapshot.totalBytes > 0 && snapshot.completedBytes >= snapshot.totalBytes
                && snapshot.completedBlobs < snapshot.totalBlobs {
                return "verifying"
            }
            if snapshot.keptBytes > 0 {
                return "resuming: \(ProgressFormat.binaryBytes(snapshot.keptBytes)) already here"
            }
            return nil
        case .verifying, .syncing, .writingManifest, .done:
            return snapshot.phase.rawValue
        }
    }

    // MARK: - Lines

    private static func totalLine(label: String, snapshot: ProgressSnapshot, speed: Double?, width: Int) -> String {
        var fields = [Field(label, .name)]
        guard snapshot.phase != .resolving else {
            fields.append(Field("resolving", .kept))
            return fit(fields, width: width)
        }
        fields.append(Field(percent(snapshot.completedBytes, of: snapshot.totalBytes), .kept))
        fields.append(Field(byteCounts(snapshot.completedBytes, snapshot.totalBytes), .bytes))
        fields.append(Field("\(snapshot.completedBlobs)/\(snapshot.totalBlobs) blobs", .count))
        if snapshot.completedBytes < snapshot.totalBytes {
            fields += rateFields(speed: speed, remaining: snapshot.totalBytes - snapshot.completedBytes)
        }
        return fit(fields, width: width)
    }

    private static func blobLine(_ blob: BlobProgress, speed: Double?, width: Int) -> String {
        var fields = [Field(shortDigest(blob.digest, long: false).padding(toLength: nameWidth, withPad: " ", startingAt: 0), .name), Field(nil, .bar, fraction: fraction(blob.completed, blob.size)),
                      Field(percent(blob.completed, of: blob.size), .kept), Field(byteCounts(blob.completed, blob.size), .bytes)]
        switch blob.state {
        case .transferring where blob.completed < blob.size:
            fields += rateFields(speed: speed, remaining: blob.size - blob.completed)
        case .transferring:
            // Every byte is here; a connection is still finishing its part.
            break
        case .queued, .waiting, .verifying, .syncing, .done:
            fields.append(Field(blob.state.rawValue, .kept))
        }
        return fit(fields, width: width, indent: "  ")
    }

    private static func smallLine(_ small: (total: Int, done: Int, totalBytes: Int64, completedBytes: Int64),
                                  speed: Double?, width: Int) -> String {
        var fields = [Field("small blobs".padding(toLength: nameWidth, withPad: " ", startingAt: 0), .name), Field(nil, .bar, fraction: fraction(small.completedBytes, small.totalBytes)),
                      Field("\(small.done)/\(small.total)", .kept), Field(byteCounts(small.completedBytes, small.totalBytes), .bytes)]
        if small.completedBytes < small.totalBytes {
            fields += rateFields(speed: speed, remaining: small.totalBytes - small.completedBytes)
        }
        return fit(fields, width: width, indent: "  ")
    }

    /// The speed, and the ETA at that speed for `remaining` bytes.
    private static func rateFields(speed: Double?, remaining: Int64) -> [Field] {
        guard let speed else { return [] }
        var fields = [Field(ProgressFormat.binaryBytes(Int64(speed)) + "/s", .kept)]
        if speed > 0 { fields.append(Field("ETA " + ProgressFormat.duration(Double(max(remaining, 0)) / speed), .kept)) }
        return fields
    }

    /// The big blobs to draw: every one until there are too many, then
    /// those still running first.
    private static func blobsToShow(_ blobs: [BlobProgress]) -> [BlobProgress] {
        guard blobs.count > maximumBlobLines else { return blobs }
        let running = blobs.filter { $0.state != .done && $0.state != .queued }
        let rest = blobs.filter { $0.state == .done || $0.state == .queued }
        return Array((running + rest).prefix(maximumBlobLines - 1))
    }

    // MARK: - Fields

    /// What gives way first when a line is too wide.
    private enum Give: Int {
        case bar = 0, name, bytes, count
        /// Never dropped: the percentage, speed, ETA and state.
        case kept = 100
    }

    private struct Field {
        var text: String?
        var give: Give
        var fraction: Double = 0

        init(_ text: String?, _ give: Give, fraction: Double = 0) {
            self.text = text
            self.give = give
            self.fraction = fraction
        }
    }

    /// Joins fields two spaces apart within `width` (after `indent`):
    /// drops the bar, then the name (shortened first, never below 10
    /// columns), then byte counts and blob counts; then closes the gaps to
    /// one space; a line still too wide loses whole fields from its end, so
    /// no number is ever cut.
    private static func fit(_ fields: [Field], width: Int, indent: String = "") -> String {
        var fields = fields
        let width = width - indent.count
        func joined(_ separator: String) -> String { fields.compactMap(\.text).joined(separator: separator) }
        if let index = fields.firstIndex(where: { $0.give == .bar }) {
            // The bar takes what is left, 10 to 30 columns with its brackets.
            let room = min(30, width - joined("  ").count - 2)
            fields[index].text = room >= 10 ? bar(fraction: fields[index].fraction, width: room) : nil
        }
        if joined("  ").count > width, let index = fields.firstIndex(where: { $0.give == .name }), let name = fields[index].text {
            let keep = name.count - (joined("  ").count - width) - 1
            fields[index].text = keep >= 10 ? String(name.prefix(keep)) + "…" : nil
        }
        for give in [Give.bytes, .count] where joined("  ").count > width {
            for index in fields.indices where fields[index].give == give { fields[index].text = nil }
        }
        let separator = joined("  ").count <= width ? "  " : " "
        while joined(separator).count > width, let last = fields.lastIndex(where: { $0.text != nil }) {
            fields[last].text = nil
        }
        return indent + joined(separator)
    }

    private static func bar(fraction: Double, width: Int) -> String {
        let inner = max(width - 2, 1)
        let filled = Int((min(max(fraction, 0), 1) * Double(inner)).rounded(.down))
        let head = filled < inner && filled > 0 ? ">" : ""
        let body = String(repeating: "=", count: head.isEmpty ? filled : filled - 1) + head
        return "[" + body + String(repeating: " ", count: inner - body.count) + "]"
    }

    private static func fraction(_ done: Int64, _ total: Int64) -> Double {
        total > 0 ? Double(done) / Double(total) : 1
    }

    private static func percent(_ done: Int64, of total: Int64) -> String {
        let value = total > 0 ? Int(Double(max(done, 0)) * 100 / Double(total)) : 100
        return "\(min(value, 100))%"
    }

    /// `120/256 MiB` when both share a unit, else `512 KiB/1.20 GiB`.
    static func byteCounts(_ done: Int64, _ total: Int64) -> String {
        let (a, b) = (ProgressFormat.binaryBytes(max(done, 0)), ProgressFormat.binaryBytes(total))
        let unitA = a.split(separator: " ").last, unitB = b.split(separator: " ").last
        if unitA == unitB, unitA != "B", let number = a.split(separator: " ").first { return "\(number)/\(b)" }
        return "\(a)/\(b)"
    }

    /// `1a2b3c4d5e6f` (12 hex, as docker and ollama show layers), or with
    /// `long` `sha256:1a2b3c4d5e6f…`.
    static func shortDigest(_ digest: String, long: Bool) -> String {
        let hex = digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest
        return long ? "sha256:\(hex.prefix(12))…" : String(hex.prefix(12))
    }
}
