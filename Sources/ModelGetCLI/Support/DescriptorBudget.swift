import Foundation

/// Fits `--concurrency` to the open-file limit. Each transfer holds a
/// socket (two while a connection races IPv4 and IPv6, and libcurl's
/// threaded resolver holds a socket pair while it resolves) and its blob's
/// partial file, and a small blob waiting in the pull's `CommitBatch` (as
/// many as `--concurrency`) holds its file until the batch is made durable;
/// the rest of the process needs a few more. When the soft limit is too
/// low it is raised towards the hard one; when even that is too low the
/// concurrency is lowered, with a note, instead of failing mid-way with
/// "Too many open files".
enum DescriptorBudget {
    /// Descriptors one transfer may hold at once.
    static let perTransfer = 5
    /// Descriptors kept for everything else (stdio, curl's own, the store).
    static let reserved = 64

    /// The concurrency that fits; prints a note on stderr when it is lower
    /// than `wanted`.
    static func fit(_ wanted: Int) -> Int {
        let needed = rlim_t(wanted * perTransfer + reserved)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return wanted }
        if limit.rlim_cur != unlimited, limit.rlim_cur < needed {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == unlimited ? needed : min(limit.rlim_max, needed)
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur != unlimited, limit.rlim_cur < needed else { return wanted }
        let fits = max(1, (Int(limit.rlim_cur) - reserved) / perTransfer)
        Terminal.printError("modelget: note: --concurrency \(wanted) needs about \(needed) open files but the limit is "
            + "\(limit.rlim_cur) (ulimit -n); using \(fits)")
        return fits
    }

    /// `RLIM_INFINITY` (all bits set; Swift cannot import the C macro's `-1`).
    private static let unlimited = rlim_t.max

    #if os(Linux)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
