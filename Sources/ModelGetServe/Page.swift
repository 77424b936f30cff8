import Foundation
import Hummingbird
import HummingbirdCore

/// One page of a sorted list, as `_catalog` and `tags/list` paginate:
/// entries after `last`, at most `n`, and a `Link: <…>; rel="next"` header
/// when more follow.
struct Page {
    let items: [String]
    let link: String?

    /// Throws `PAGINATION_NUMBER_INVALID` for an `n` that is not a number from 0 up.
    init(_ all: [String], query: FlatDictionary<Substring, Substring>, path: String) throws {
        var rest = all[...]
        if let last = query["last"].map(String.init) { rest = rest.drop { $0 <= last } }
        guard let n = query["n"] else {
            items = Array(rest)
            link = nil
            return
        }
        guard let count = Int(n), count >= 0 else { throw DistributionError.paginationInvalid(String(n)) }
        items = Array(rest.prefix(count))
        if rest.count > count, let last = items.last {
            let encoded = last.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? last
            link = "<\(path)?last=\(encoded)&n=\(count)>; rel=\"next\""
        } else {
            link = nil
        }
    }
}
