import Foundation

/// Plain text tables and ages, as `ollama list` prints them.
enum Table {
    /// Left-aligned columns separated by three spaces.
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $1.padding(toLength: $0 == row.count - 1 ? $1.count : widths[$0] + 3, withPad: " ", startingAt: 0) }
                .joined()
        }.joined(separator: "\n") + "\n"
    }

    /// "5 minutes ago", "3 days ago".
    static func age(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        let units: [(Int, String)] = [(86400 * 365, "year"), (86400 * 30, "month"), (86400 * 7, "week"), (86400, "day"),
                                      (3600, "hour"), (60, "minute")]
        for (size, name) in units where seconds >= size {
            let n = seconds / size
            return "\(n) \(name)\(n == 1 ? "" : "s") ago"
        }
        return "just now"
    }
}
