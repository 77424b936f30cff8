import Foundation

extension ModelStore {
    /// Walks `manifests/` and sees what ollama reads and more: every file
    /// at any depth counts (dot files too, symbolic links followed, each
    /// folder once; below a linked folder only down to ollama's depth, so
    /// a link to `/` does not walk the whole disk). A file at `<host>/<namespace>/<model>/<tag>` whose
    /// parts ollama accepts and whose bytes are an image manifest is a
    /// model; any other file is unreadable, and the digests its bytes
    /// mention are kept. A file or folder that cannot be read at all makes
    /// the catalog incomplete (`blocksDeletion`).
    public func catalog() throws -> StoreCatalog {
        var catalog = StoreCatalog()
        var visited = Set<FileIdentity>()
        func walk(_ directory: String, _ prefix: [String], linked: Bool) {
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                catalog.unreadable.append(UnreadableManifest(path: directory, reason: "folder cannot be read", blocksDeletion: true))
                return
            }
            for entry in entries.sorted() {
                let path = directory + "/" + entry
                var info = stat()
                guard stat(path, &info) == 0 else {
                    let code = errno
                    var link = stat()
                    // A dangling symbolic link names nothing.
                    if code == ENOENT, lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK { continue }
                    catalog.unreadable.append(UnreadableManifest(path: path, reason: String(cString: strerror(code)), blocksDeletion: true))
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    var link = stat()
                    let isLink = lstat(path, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK
                    guard !(linked || isLink) || prefix.count < 3 else { continue }
                    if visited.insert(FileIdentity(info)).inserted { walk(path, prefix + [entry], linked: linked || isLink) }
                case S_IFREG:
                    switch readManifestFile(path, components: prefix + [entry]) {
                    case let .success(model): catalog.models.append(model)
                    case let .failure(file): catalog.unreadable.append(file)
                    }
                default:
                    continue
                }
            }
        }
        var root = stat()
        if stat(manifestsDirectory, &root) == 0 {
            visited.insert(FileIdentity(root))
            walk(manifestsDirectory, [], linked: false)
        }
        catalog.models.sort { $0.displayName < $1.displayName }
        return catalog
    }

    /// Reads one file found under `manifests/`.
    private func readManifestFile(_ path: String, components: [String]) -> Result<StoredModel, UnreadableManifest> {
        guard components.count == 4 else {
            return .failure(unreadable(path, "not at host/namespace/model/tag, where ollama looks (its blobs are kept)"))
        }
        guard let reference = Reference(storePath: components) else {
            return .failure(unreadable(path, "its path is not a name ollama accepts (its blobs are kept)"))
        }
        return readModel(reference, at: path)
    }

    /// The stored model `reference` names: its manifest found with each
    /// part matched case-insensitively, as ollama matches it. A reference
    /// pinned by tag and digest (`name:tag@sha256:…`) matches only when the
    /// stored manifest has that digest.
    public func model(_ reference: Reference) throws -> StoredModel {
        guard let path = existingManifestPath(reference),
              let stored = Reference(storePath: path.dropFirst(manifestsDirectory.count + 1).split(separator: "/").map(String.init)) else {
            throw ModelGetError.modelNotFound(reference: reference.displayName)
        }
        switch readModel(stored, at: path) {
        case let .success(model):
            if let pinned = reference.digest, reference.tag != nil, pinned != model.manifestDigest {
                throw ModelGetError.modelNotFound(reference: reference.displayName + "@" + pinned.description)
            }
            return model
        case let .failure(file):
            throw ModelGetError.invalidManifest(reason: "\(file.path): \(file.reason)")
        }
    }

    /// The stored model for `reference` if there is a readable one; nil
    /// too for `name:tag@sha256:X` whose stored manifest is not X (see
    /// `model`), which commands that download what the store lacks
    /// (`blob`) then fetch from the registry by that digest.
    public func modelIfPresent(_ reference: Reference) -> StoredModel? {
        try? model(reference)
    }

    /// The manifest file of `reference` (found as `model` finds it), for
    /// code that needs its bytes even when it is not an image manifest.
    package func resolvedManifestPath(_ reference: Reference) throws -> String {
        guard let path = existingManifestPath(reference) else { throw ModelGetError.modelNotFound(reference: reference.displayName) }
        if let pinned = reference.digest, reference.tag != nil {
            guard let data = FileManager.default.contents(atPath: path), SHA256Hasher.hex(of: data) == pinned.hex else {
                throw ModelGetError.modelNotFound(reference: reference.displayName + "@" + pinned.description)
            }
        }
        return path
    }

    /// The path of the stored manifest whose host, namespace, model and tag
    /// equal `reference`'s ignoring case (an exact match wins), or nil.
    package func existingManifestPath(_ reference: Reference) -> String? {
        guard reference.isStorable else { return nil }
        var path = manifestsDirectory
        for (index, part) in [reference.host, reference.namespace, reference.name, reference.storeTag].enumerated() {
            var info = stat()
            if stat(path + "/" + part, &info) == 0 {
                path += "/" + part
            } else if let entries = try? FileManager.default.contentsOfDirectory(atPath: path),
                      let match = entries.sorted().first(where: { $0.caseInsensitiveCompare(part) == .orderedSame }) {
                path += "/" + match
            } else {
                return nil
            }
            if index == 3 { guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil } }
        }
        return path
    }

    private func unreadable(_ path: String, _ reason: String) -> UnreadableManifest {
        guard let size = FileIO.size(path), size <= Self.maximumScannedSize, let data = FileManager.default.contents(atPath: path) else {
            return UnreadableManifest(path: path, reason: reason + "; cannot be read", blocksDeletion: true)
        }
        return UnreadableManifest(path: path, reason: reason, mentionedDigests: Self.digests(mentionedIn: data))
    }

    private func readModel(_ reference: Reference, at path: String) -> Result<StoredModel, UnreadableManifest> {
        guard let size = FileIO.size(path), size <= ManifestDocument.maximumSize else {
            return .failure(unreadable(path, "larger than \(ManifestDocument.maximumSize) bytes"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(UnreadableManifest(path: path, reason: "cannot be read", blocksDeletion: true))
        }
        do {
            guard case let .image(manifest) = try ManifestDocument.decode(data, contentType: nil).0 else {
                return .failure(UnreadableManifest(path: path, reason: "an image index, not an image manifest",
                                                   mentionedDigests: Self.digests(mentionedIn: data)))
            }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
            return .success(StoredModel(
                reference: reference, manifestPath: path, manifestDigest: try Digest(hex: SHA256Hasher.hex(of: data)),
                manifest: manifest, modified: modified))
        } catch {
            return .failure(UnreadableManifest(path: path, reason: "\(error)", mentionedDigests: Self.digests(mentionedIn: data)))
        }
    }

    /// The largest file under `manifests/` read for the digests it mentions.
    static let maximumScannedSize: Int64 = 64 << 20

    /// Every `sha256:<64 lowercase hex>` (or `sha256-<hex>`, as a blob
    /// file is named) in `data`.
    static func digests(mentionedIn data: Data) -> Set<Digest> {
        let bytes = [UInt8](data)
        let prefix = Array("sha256".utf8)
        var found = Set<Digest>()
        var index = 0
        while index + prefix.count + 65 <= bytes.count {
            if bytes[index] == prefix[0], Array(bytes[index..<(index + 6)]) == prefix,
               bytes[index + 6] == UInt8(ascii: ":") || bytes[index + 6] == UInt8(ascii: "-"),
               let hex = String(bytes: bytes[(index + 7)..<(index + 71)], encoding: .ascii),
               let digest = try? Digest(hex: hex) {
                found.insert(digest)
                index += 71
            } else {
                index += 1
            }
        }
        return found
    }
}

/// A file's device and inode: a folder reached twice (through a symbolic
/// link) is walked once.
private struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
