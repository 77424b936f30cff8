import ArgumentParser

/// Flags of every command that moves blobs: how many transfers run at
/// once and when a silent transfer is cut and resumed.
struct TransferOptions: ParsableArguments {
    @Option(name: .long, help: "Transfers at once.")
    var concurrency = 64

    @Option(name: .long, help: "Cut and resume a transfer that moves nothing for this many seconds.")
    var stallTimeout: Double = 30

    func validate() throws {
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 1024") }
        guard stallTimeout > 0 else { throw ValidationError("--stall-timeout must be positive") }
    }
}
