import Foundation

/// A `Content-Range: bytes <start>-<end>/<total|*>` header.
package struct ContentRange: Equatable, Sendable {
    package var start: Int64
    package var end: Int64
    package var total: Int64?

    package init?(_ header: String) {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst(6)
        let halves = spec.split(separator: "/", maxSplits: 1)
        let bounds = halves.first?.split(separator: "-", maxSplits: 1) ?? []
        guard halves.count == 2, bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]), start <= end else {
            return nil
        }
        let total = halves[1] == "*" ? nil : Int64(halves[1])
        // A range that ends at or past the total it states is no range.
        guard start >= 0, total.map({ end < $0 }) ?? (halves[1] == "*") else { return nil }
        self.start = start
        self.end = end
        self.total = total
    }
}
