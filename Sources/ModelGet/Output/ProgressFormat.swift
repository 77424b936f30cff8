import Foundation

/// Pure formatting of progress figures, shared by the terminal line, the
/// summaries and the tests.
public enum ProgressFormat {
    /// `1.5 GB`, `312 KB`, `17 B` (powers of 1000, as `ollama` prints).
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(count) B" }
        return String(format: value < 10 ? "%.2f %@" : value < 100 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// `1h02m`, `4m05s`, `12s`.
    public static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }

    /// The live line: `pulling name  45% 1.20 GB/2.65 GB  12/40 blobs  85.3 MB/s  ETA 17s`,
    /// cut to `width` columns.
    public static func line(label: String, completed: Int64, total: Int64, blobsDone: Int, blobs: Int,
                            bytesPerSecond: Double?, eta: TimeInterval?, width: Int) -> String {
        let percent = total > 0 ? Int(Double(completed) * 100 / Double(total)) : 0
        var parts = [label, "\(percent)%", "\(bytes(completed))/\(bytes(total))", "\(blobsDone)/\(blobs) blobs"]
        if let bytesPerSecond { parts.append(bytes(Int64(bytesPerSecond)) + "/s") }
        if let eta, completed < total { parts.append("ETA " + duration(eta)) }
        let text = parts.joined(separator: "  ")
        return text.count > width ? String(text.prefix(max(width - 1, 0))) : text
    }
}
