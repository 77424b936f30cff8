import Foundation

/// A model the store holds: a manifest file under `manifests/` and what
/// it says.
public struct StoredModel: Sendable {
    /// The reference the manifest's path spells.
    public let reference: Reference
    /// The manifest file.
    public let manifestPath: String
    /// The manifest's SHA-256 (of the bytes as stored).
    public let manifestDigest: Digest
    /// The decoded manifest (unknown fields are ignored).
    public let manifest: ImageManifest
    /// The manifest file's modification time.
    public let modified: Date

    /// Config plus layer bytes, each distinct blob counted once.
    public var size: Int64 { manifest.blobs.reduce(0) { $0 + $1.size } }

    /// `name:tag` as `ollama list` shows it.
    public var displayName: String { reference.displayName }
}

/// A manifest file the store holds that modelget cannot read.
public struct UnreadableManifest: Error, Sendable, Equatable {
    /// The file.
    public let path: String
    /// Why it could not be read.
    public let reason: String
    /// Every well-formed `sha256:<hex>` its bytes mention: blobs the
    /// prune and remove steps keep, since the manifest may still need them.
    public let mentionedDigests: Set<Digest>
    /// True when its bytes (or a folder's entries) could not be read at
    /// all, so the blobs it needs are unknown: nothing may be deleted.
    public let blocksDeletion: Bool

    public init(path: String, reason: String, mentionedDigests: Set<Digest> = [], blocksDeletion: Bool = false) {
        self.path = path
        self.reason = reason
        self.mentionedDigests = mentionedDigests
        self.blocksDeletion = blocksDeletion
    }
}

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
