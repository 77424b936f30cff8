import NIOPosix

/// Runs blocking work (file reads, bcrypt) on NIO's thread pool, off the
/// event loops.
enum BlockingWork {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
