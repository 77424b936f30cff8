import Foundation

/// An archive's members once staged (`ImportStaging`): each file's bytes
/// in the staging directory, hashed as they were written, links kept as
/// aliases. The archive's source endpoints (`ImageLayoutSource`,
/// `DockerArchiveSource`) read it; a blob leaves it only by
/// `ModelStore.adoptBlob`, under the digest its bytes hashed to.
struct StagedArchive: Sendable {
    /// A member's bytes in the staging directory, hashed as they were written.
    struct Staged: Sendable {
        var hashed: HashedFile
        var file: String { hashed.path }
        var size: Int64 { hashed.size }
        var digest: Digest { hashed.digest }
    }

    /// The archive's file name, for errors.
    let archiveName: String
    /// The store the staging directory belongs to, where blobs are adopted.
    let store: ModelStore
    var files: [String: Staged] = [:]
    var aliases: [String: String] = [:]
    var byDigest: [Digest: Staged] = [:]

    /// The staged member at archive path `name`, following links.
    func member(_ name: String) throws -> Staged? {
        var key = try self.key(name)
        for _ in 0..<16 {
            if let staged = files[key] { return staged }
            guard let next = aliases[key] else { return nil }
            key = next
        }
        return nil
    }

    /// The staged member whose bytes are the descriptor's blob (in an OCI
    /// layout `blobs/sha256/<hex>`; in `docker save` any member), checked
    /// against the descriptor's size.
    func blob(_ descriptor: Descriptor) throws -> Staged {
        guard let staged = byDigest[descriptor.digest] else {
            throw ModelGetError.invalidArchive(archive: archiveName, reason: "missing blob \(descriptor.digest)")
        }
        try check(staged, against: descriptor)
        return staged
    }

    /// Refuses a staged member whose digest or size is not the descriptor's.
    func check(_ staged: Staged, against descriptor: Descriptor) throws {
        guard staged.digest == descriptor.digest else {
            throw ModelGetError.invalidArchive(archive: archiveName, reason: "\(descriptor.digest): digest mismatch")
        }
        guard staged.size == descriptor.size else {
            throw ModelGetError.invalidArchive(
                archive: archiveName, reason: "\(descriptor.digest): \(staged.size) bytes, the manifest says \(descriptor.size)")
        }
    }

    /// A member's bytes, for the small JSON members (`limit` bytes at most).
    func contents(_ name: String, limit: Int = ManifestDocument.maximumSize) throws -> Data? {
        guard let staged = try member(name) else { return nil }
        guard staged.size <= Int64(limit) else {
            throw ModelGetError.invalidArchive(archive: archiveName, reason: "\(name) is larger than \(limit) bytes")
        }
        return try Data(contentsOf: URL(fileURLWithPath: staged.file))
    }

    /// The manifest blob `descriptor` names, byte for byte; an image's
    /// blobs must all be staged and match their descriptors, so a copy
    /// from the archive refuses it before any blob reaches the store.
    func manifest(_ descriptor: Descriptor) throws -> FetchedManifest {
        guard descriptor.size <= Int64(ManifestDocument.maximumSize) else { throw ModelGetError.manifestTooLarge(limit: ManifestDocument.maximumSize) }
        let data = try Data(contentsOf: URL(fileURLWithPath: try blob(descriptor).file))
        return try checked(data, contentType: descriptor.mediaType)
    }

    /// `data` as a manifest whose blobs, when it is an image, are all staged.
    func checked(_ data: Data, contentType: String?) throws -> FetchedManifest {
        let (document, mediaType) = try ManifestDocument.decode(data, contentType: contentType)
        if case let .image(image) = document {
            for descriptor in image.blobs { _ = try blob(descriptor) }
        }
        return FetchedManifest(data: data, mediaType: mediaType, digest: try Digest(hex: SHA256Hasher.hex(of: data)), document: document)
    }

    /// Moves each blob's staged bytes into the lease's store (`adoptBlob`;
    /// kept when the store holds it already), when that is the store the
    /// staging belongs to; returns their digests (a graph copy's `fetchAhead`).
    func adopt(_ descriptors: [Descriptor], under lease: StoreLease) throws -> Set<Digest> {
        guard lease.store.root == store.root else { return [] }
        for descriptor in descriptors { _ = try store.adoptBlob(try blob(descriptor).hashed, as: descriptor, under: lease) }
        return Set(descriptors.map(\.digest))
    }

    /// The blob's staged bytes moved into the store (under the store's
    /// lock) and opened there, for a destination that did not take them
    /// ahead (`adopt`).
    func sourced(_ descriptor: Descriptor) async throws -> SourcedBlob {
        let bytes = try await store.whileWriting { lease in
            _ = try store.adoptBlob(try blob(descriptor).hashed, as: descriptor, under: lease)
            return try store.openBlob(descriptor.digest)
        }
        return SourcedBlob(bytes: bytes) { bytes.close() }
    }

    /// The normalised archive path of a member name.
    func key(_ name: String) throws -> String {
        do {
            return try RootFilesystem.components(of: name).joined(separator: "/")
        } catch {
            throw escape(name, error.reason)
        }
    }

    func escape(_ name: String, _ reason: String) -> ModelGetError {
        .unsafeArchiveEntry(archive: archiveName, entry: name, reason: reason)
    }
}
