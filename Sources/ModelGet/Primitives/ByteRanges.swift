/// A set of byte offsets kept as sorted, disjoint, non-adjacent half-open
/// ranges: the parts of a blob that are written, or still missing.
struct ByteRanges: Sendable, Equatable {
    private(set) var ranges: [Range<Int64>] = []

    init() {}

    init(_ ranges: [Range<Int64>]) {
        for range in ranges { insert(range) }
    }

    /// The number of bytes covered.
    var count: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }

    var isEmpty: Bool { ranges.isEmpty }

    /// The lowest range.
    var first: Range<Int64>? { ranges.first }

    /// Adds `range`, merging it with any range it overlaps or touches.
    mutating func insert(_ range: Range<Int64>) {
        guard !range.isEmpty else { return }
        var lower = range.lowerBound, upper = range.upperBound
        var kept: [Range<Int64>] = []
        kept.reserveCapacity(ranges.count + 1)
        var placed = false
        for existing in ranges {
            if existing.upperBound < lower {
                kept.append(existing)
            } else if existing.lowerBound > upper {
                if !placed { kept.append(lower..<upper); placed = true }
                kept.append(existing)
            } else {
                lower = min(lower, existing.lowerBound)
                upper = max(upper, existing.upperBound)
            }
        }
        if !placed { kept.append(lower..<upper) }
        ranges = kept
    }

    /// Drops every offset below `offset`.
    mutating func removeBelow(_ offset: Int64) {
        ranges = ranges.compactMap { range in
            if range.upperBound <= offset { return nil }
            return max(range.lowerBound, offset)..<range.upperBound
        }
    }

    /// The offsets of `0..<size` this set does not cover.
    func complement(upTo size: Int64) -> [Range<Int64>] {
        var gaps: [Range<Int64>] = []
        var cursor: Int64 = 0
        for range in ranges where range.lowerBound < size {
            if range.lowerBound > cursor { gaps.append(cursor..<range.lowerBound) }
            cursor = max(cursor, range.upperBound)
        }
        if cursor < size { gaps.append(cursor..<size) }
        return gaps
    }
}
