import Foundation

/// The models directory as a graph copy's source (`push`): the manifest
/// stored under the name (found as ollama finds names, each part ignoring
/// case), an index's images where the store holds them by digest, and
/// each blob opened where it lies.
struct StoreSource: GraphSource {
    let store: ModelStore
    let reference: Reference

    /// The stored manifest; an image whose blobs the store lacks is
    /// refused before anything is sent.
    func root() async throws -> FetchedManifest {
        let manifest = try stored(reference)
        if case let .image(image) = manifest.document {
            for blob in image.blobs where !store.hasBlob(blob) {
                throw store.missingBlob(blob.digest, reason: "blob missing from the models directory; pull \(reference) again")
            }
        }
        return manifest
    }

    func manifest(_ entry: Descriptor) async throws -> FetchedManifest {
        var child = reference
        child.tag = nil
        child.digest = entry.digest
        guard let manifest = try? stored(child) else {
            throw ModelGetError.invalidManifest(reason: "\(reference) is an image index; name one of its image manifests")
        }
        guard manifest.digest == entry.digest else {
            throw ModelGetError.digestMismatch(digest: entry.digest.description, actual: manifest.digest.hex)
        }
        return manifest
    }

    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        let bytes = try store.openBlob(blob.digest)
        return SourcedBlob(bytes: bytes) { bytes.close() }
    }

    private func stored(_ name: Reference) throws -> FetchedManifest {
        // A pinned digest must be the stored one.
        let path = try store.resolvedManifestPath(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelGetError.manifestUnknown(reference: name.description + " (not in the models directory)")
        }
        let (document, mediaType) = try ManifestDocument.decode(data, contentType: nil)
        return FetchedManifest(data: data, mediaType: mediaType, digest: try Digest(hex: SHA256Hasher.hex(of: data)), document: document)
    }
}
