import Foundation
import Synchronization

/// How many bytes an archive may unpack to, in total (`extract` and
/// `import`, `--max-bytes`): a few MiB of gzip or zstd can stand for
/// gigabytes of zeros, which would fill the disk before any digest could
/// tell. By default the smaller of the space free where the bytes go and
/// `defaultRatio` times the compressed size the image declares, plus
/// `defaultAllowance` (real layers expand 2 to 10 times).
package struct ExpansionLimit: Sendable, Equatable {
    package var bytes: Int64
    /// What set the limit, in words for the error message.
    package var basis: String

    package init(bytes: Int64, basis: String) {
        self.bytes = bytes
        self.basis = basis
    }

    /// Compressed bytes may stand for this many times as many by default.
    package static let defaultRatio: Int64 = 100
    /// Added to the ratio's bound, so that a small image holding a file of zeros still unpacks.
    package static let defaultAllowance: Int64 = 256 << 20

    /// `--max-bytes N`.
    package static func given(_ bytes: Int64) -> ExpansionLimit {
        ExpansionLimit(bytes: bytes, basis: "--max-bytes")
    }

    /// The default for `compressedBytes` (nil: the input is not
    /// compressed, only the free space bounds it) unpacked under `directory`.
    package static func byDefault(compressedBytes: Int64?, into directory: String) -> ExpansionLimit {
        var limit = ExpansionLimit(bytes: .max, basis: "none")
        if let compressedBytes {
            let (product, overflow) = compressedBytes.multipliedReportingOverflow(by: defaultRatio)
            if !overflow, product < .max - defaultAllowance {
                limit = ExpansionLimit(bytes: product + defaultAllowance,
                                       basis: "\(defaultRatio)× the \(ProgressFormat.bytes(compressedBytes)) compressed, "
                                           + "+ \(ProgressFormat.bytes(defaultAllowance))")
            }
        }
        if let free = freeSpace(directory), free < limit.bytes {
            limit = ExpansionLimit(bytes: free, basis: "the space free on \(directory)")
        }
        return limit
    }

    /// Bytes an unprivileged process may still write on the file system holding `path`.
    static func freeSpace(_ path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = Int64(clamping: info.f_bavail).multipliedReportingOverflow(by: Int64(clamping: info.f_frsize))
        return overflow ? nil : bytes
    }

    /// The bytes an archive (`what`: an image's layers, an archive file)
    /// has unpacked so far, refused past the limit. Shared by the threads
    /// that unpack one layer after another.
    package final class Budget: Sendable {
        package let limit: ExpansionLimit
        private let what: String
        private let used = Mutex<Int64>(0)

        package init(_ limit: ExpansionLimit, for what: String) {
            self.limit = limit
            self.what = what
        }

        /// Counts `count` more bytes; throws once the total passes the limit.
        package func consume(_ count: Int) throws {
            let total = used.withLock { total in
                total += Int64(count)
                return total
            }
            guard total <= limit.bytes else {
                throw ModelGetError.expansionLimitExceeded(what: what, limit: limit.bytes, basis: limit.basis)
            }
        }
    }
}
