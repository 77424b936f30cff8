/// What happened to one blob.
enum BlobOutcome: Sendable {
    case skipped, mounted, sent
}
