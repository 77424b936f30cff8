import Dispatch

/// Runs blocking file-system calls (fsync, rename) on Dispatch's global
/// queue, which adds threads while calls block, instead of on Swift's
/// cooperative pool, which has one thread per core and stalls every other
/// task while one waits for the disk.
enum BlockingIO {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
