extension RegistrySource {
    /// The fetch step of several copies into `lease`'s store, before any
    /// of them runs (`sync`): each blob of `wanted` from the source beside it (the
    /// first copy that needs it), all on `engine` (the one the sources
    /// share: one request budget, part-connection pool and rate), as a
    /// pull's blobs go (`FetchEngine.download(_:under:eachOnItsOwn:)`: biggest
    /// first, one free-space check, small blobs in one `CommitBatch`).
    /// Unlike `fetchAhead(_:under:)`, a blob that fails does not stop the
    /// others: the answer is why each failed one failed, which the copies
    /// are then given (`GraphCopy.failedAhead`) so that none fetches it again.
    static func fetchAhead(_ wanted: [(blob: Descriptor, source: RegistrySource)], under lease: StoreLease,
                           engine: FetchEngine) async throws -> [Digest: any Error] {
        try await engine.download(wanted.map { (blob: $0.blob, sources: $0.source.sources) }, under: lease, eachOnItsOwn: true)
    }
}
