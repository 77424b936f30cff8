/// A blob's bytes as a source hands them to a destination: an open
/// `StoredBlob`, and what to do once the destination holds them (close
/// it; a blob that only passed through a scratch store is deleted).
struct SourcedBlob: Sendable {
    let bytes: StoredBlob
    let release: @Sendable () -> Void
}
