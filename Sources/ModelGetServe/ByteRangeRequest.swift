/// A `Range: bytes=…` header read against a blob's size (RFC 9110 §14).
/// One range is served; a header that is not one well-formed byte range
/// (several ranges, another unit, garbage) is ignored, as the RFC allows,
/// and the whole blob is sent.
enum ByteRangeRequest: Equatable, Sendable {
    /// No usable Range header: 200 with the whole blob.
    case whole
    /// 206 with these bytes.
    case partial(ClosedRange<Int64>)
    /// 416: the range starts at or past the end.
    case unsatisfiable

    init(header: String?, size: Int64) {
        guard let header, header.hasPrefix("bytes=") else { self = .whole; return }
        let spec = header.dropFirst("bytes=".count).trimmingSpaces
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash].trimmingSpaces, last = spec[spec.index(after: dash)...].trimmingSpaces
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit), !(first.isEmpty && last.isEmpty) else {
            self = .whole
            return
        }
        if first.isEmpty {
            // Suffix range: the last N bytes (an N too big to parse means all).
            let count = Int64(last) ?? Int64.max
            guard count > 0, size > 0 else { self = .unsatisfiable; return }
            self = .partial(max(0, size - count)...(size - 1))
            return
        }
        // A first byte too big to parse is past any end.
        guard let start = Int64(first), start < size else { self = .unsatisfiable; return }
        let end = last.isEmpty ? size - 1 : min(Int64(last) ?? Int64.max, size - 1)
        guard end >= start else { self = .whole; return }
        self = .partial(start...end)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
