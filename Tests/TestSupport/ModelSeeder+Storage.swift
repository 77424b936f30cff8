import Foundation

extension ModelSeeder {
    /// Puts `model` into the filesystem storage under `storageRoot` as
    /// `repository:tag`, so a registry serving that root answers for it at
    /// once. Blob data is hard-linked from the model's files where the file
    /// system allows it, copied otherwise.
    public static func write(_ model: GeneratedModel, to storageRoot: URL, repository: String, tag: String) throws {
        try validate(repository: repository, tag: tag)
        let layout = RegistryStorageLayout(storageRoot: storageRoot)
        for blob in [model.config] + model.layers {
            try place(blob.path, at: layout.blobData(hex: blob.hex))
            try writeLink(blob.digest, at: layout.layerLink(repository: repository, hex: blob.hex))
        }
        let hex = String(model.manifestDigest.dropFirst("sha256:".count))
        let manifestData = layout.blobData(hex: hex)
        if !FileManager.default.fileExists(atPath: manifestData.path) {
            try createParent(of: manifestData)
            try model.manifest.write(to: manifestData, options: .atomic)
        }
        try writeLink(model.manifestDigest, at: layout.revisionLink(repository: repository, hex: hex))
        try writeLink(model.manifestDigest, at: layout.tagIndexLink(repository: repository, tag: tag, hex: hex))
        try writeLink(model.manifestDigest, at: layout.tagCurrentLink(repository: repository, tag: tag))
    }

    /// Makes the registry serving `storageRoot` answer every GET of
    /// `digest` (`sha256:<hex>`) with `bytes` instead, which do not hash to
    /// it. A new file: the seeded model's own file, hard-linked there, keeps its bytes.
    public static func overwriteBlob(_ digest: String, in storageRoot: URL, with bytes: Data) throws {
        let data = RegistryStorageLayout(storageRoot: storageRoot).blobData(hex: String(digest.dropFirst("sha256:".count)))
        try FileManager.default.removeItem(at: data)
        try bytes.write(to: data)
    }

    /// Refuses names that distribution would not accept or that would
    /// escape the storage directory.
    private static func validate(repository: String, tag: String) throws {
        let component = #"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"#
        let repositoryPattern = try Regex("^\(component)(?:/\(component))*$")
        guard repository.wholeMatch(of: repositoryPattern) != nil else {
            throw TestSupportError.invalidArgument("repository name \(repository)")
        }
        guard tag.wholeMatch(of: #/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/#) != nil else {
            throw TestSupportError.invalidArgument("tag \(tag)")
        }
    }

    /// Hard-links (or copies) `source` to `destination` unless a blob is
    /// already there; blobs are content-addressed, so an existing one is the
    /// same.
    private static func place(_ source: URL, at destination: URL) throws {
        guard !FileManager.default.fileExists(atPath: destination.path) else { return }
        try createParent(of: destination)
        if link(source.path, destination.path) != 0 {
            try FileManager.default.copyItem(at: source, to: destination)
        }
    }

    /// Writes a link file: the digest, no trailing newline.
    private static func writeLink(_ digest: String, at url: URL) throws {
        try createParent(of: url)
        try Data(digest.utf8).write(to: url, options: .atomic)
    }

    private static func createParent(of url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    }
}
