import Foundation

/// Every manifest under `manifests/`: the models, and the files that are
/// not readable manifests.
public struct StoreCatalog: Sendable {
    public var models: [StoredModel] = []
    public var unreadable: [UnreadableManifest] = []

    /// The first file or folder that could not be read at all, when there
    /// is one: while it is, no blob may be deleted.
    public var unknownNeeds: UnreadableManifest? { unreadable.first(where: \.blocksDeletion) }

    /// Every blob a manifest of the store names (including those an
    /// unreadable manifest mentions).
    public var referencedDigests: Set<Digest> {
        var digests = Set<Digest>()
        for model in models { digests.formUnion(model.manifest.blobs.map(\.digest)) }
        for file in unreadable { digests.formUnion(file.mentionedDigests) }
        return digests
    }
}
