import Foundation

extension ModelStore {
    /// Walks `manifests/`: every regular file at
    /// `<host>/<namespace…>/<name>/<tag>` whose components make a valid
    /// reference. Hidden files (temporary writes) and symbolic links are
    /// skipped; nothing outside the directory is ever opened.
    public func catalog() throws -> StoreCatalog {
        var catalog = StoreCatalog()
        for components in try manifestFiles() {
            let path = manifestsDirectory + "/" + components.joined(separator: "/")
            guard let reference = Reference(storePath: components) else { continue }
            switch readModel(reference, at: path) {
            case let .success(model): catalog.models.append(model)
            case let .failure(file): catalog.unreadable.append(file)
            }
        }
        catalog.models.sort { $0.displayName < $1.displayName }
        return catalog
    }

    /// The stored model `reference` names (by its store tag).
    public func model(_ reference: Reference) throws -> StoredModel {
        let path = manifestPath(reference)
        guard FileIO.isRegularFile(path) else { throw ModelGetError.modelNotFound(reference: reference.displayName) }
        switch readModel(reference, at: path) {
        case let .success(model): return model
        case let .failure(file): throw ModelGetError.invalidManifest(reason: "\(file.path): \(file.reason)")
        }
    }

    /// The stored model for `reference` if there is a readable one.
    public func modelIfPresent(_ reference: Reference) -> StoredModel? {
        try? model(reference)
    }

    /// Relative path components of every regular, non-hidden file under
    /// `manifests/`, found without following symbolic links.
    private func manifestFiles() throws -> [[String]] {
        var found: [[String]] = []
        func walk(_ directory: String, _ prefix: [String]) {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
            for entry in entries.sorted() where !entry.hasPrefix(".") {
                let path = directory + "/" + entry
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR where prefix.count < 64: walk(path, prefix + [entry])
                case S_IFREG: found.append(prefix + [entry])
                default: continue
                }
            }
        }
        walk(manifestsDirectory, [])
        return found
    }

    private func readModel(_ reference: Reference, at path: String) -> Result<StoredModel, UnreadableManifest> {
        func unreadable(_ reason: String, _ data: Data = Data()) -> Result<StoredModel, UnreadableManifest> {
            .failure(UnreadableManifest(path: path, reason: reason, mentionedDigests: Self.digests(mentionedIn: data)))
        }
        guard let size = FileIO.size(path), size <= ManifestDocument.maximumSize,
              let data = FileManager.default.contents(atPath: path) else {
            return unreadable("not a readable manifest of at most \(ManifestDocument.maximumSize) bytes")
        }
        do {
            guard case let .image(manifest) = try ManifestDocument.decode(data, contentType: nil).0 else {
                return unreadable("an image index, not an image manifest", data)
            }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
            return .success(StoredModel(
                reference: reference, manifestPath: path, manifestDigest: try Digest(hex: SHA256Hasher.hex(of: data)),
                manifest: manifest, modified: modified))
        } catch {
            return unreadable("\(error)", data)
        }
    }

    /// Every `sha256:<64 lowercase hex>` in `data`.
    static func digests(mentionedIn data: Data) -> Set<Digest> {
        let text = String(decoding: data, as: UTF8.self)
        var found = Set<Digest>()
        var search = text.startIndex
        while let range = text.range(of: "sha256:", range: search..<text.endIndex) {
            let end = text.utf8.index(range.upperBound, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
            if let digest = try? Digest(String(text[range.lowerBound..<end])) { found.insert(digest) }
            search = range.upperBound
        }
        return found
    }
}
