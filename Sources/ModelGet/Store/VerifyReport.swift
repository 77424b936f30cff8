import Foundation

/// What verifying found.
public struct VerifyReport: Sendable {
    /// Models whose blobs were checked.
    public var models: [StoredModel] = []
    /// Distinct blobs checked.
    public var blobsChecked = 0
    /// Bytes re-hashed.
    public var bytesHashed: Int64 = 0
    /// Every blob that is missing or wrong.
    public var problems: [BlobProblem] = []
    /// Manifests that could not be read.
    public var unreadable: [UnreadableManifest] = []

    public var isClean: Bool { problems.isEmpty && unreadable.isEmpty }
}
