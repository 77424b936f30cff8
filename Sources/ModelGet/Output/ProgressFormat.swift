import Foundation

/// Pure formatting of progress figures, shared by the terminal line, the
/// summaries and the tests.
package enum ProgressFormat {
    /// `1.5 GB`, `312 KB`, `17 B` (powers of 1000, as `ollama` prints).
    package static func bytes(_ count: Int64) -> String {
        scaled(count, base: 1000, units: ["B", "KB", "MB", "GB", "TB", "PB"])
    }

    /// `1.50 GiB`, `312 KiB`, `17 B`: powers of 1024, the units
    /// `--limit-rate` takes (as curl's), for transfer sizes and speeds.
    package static func binaryBytes(_ count: Int64) -> String {
        scaled(count, base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
    }

    /// `count` in the largest of `units` (each `base` times the last) it
    /// reaches, with three significant digits.
    private static func scaled(_ count: Int64, base: Double, units: [String]) -> String {
        var value = Double(count)
        var unit = 0
        while abs(value) >= base && unit < units.count - 1 {
            value /= base
            unit += 1
        }
        if unit == 0 { return "\(count) B" }
        return String(format: value < 10 ? "%.2f %@" : value < 100 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// `1h02m`, `4m05s`, `12s`.
    package static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
