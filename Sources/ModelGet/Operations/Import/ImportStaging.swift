import Foundation

/// The members of an archive being imported, each copied into a private
/// directory of the store (`.modelget/import-<random>/`) and hashed on the
/// way, so that nothing reaches `blobs/` before it is checked. Symbolic and
/// hard links between members are kept as aliases; a member name or link
/// that would leave the archive is refused. A name given twice (`tar -r`
/// appends) means its last member, as `tar -x` leaves it.
final class ImportStaging {
    /// A member's bytes in the staging directory, hashed as they were written.
    struct Staged {
        var hashed: HashedFile
        var file: String { hashed.path }
        var size: Int64 { hashed.size }
        var digest: Digest { hashed.digest }
    }

    let directory: String
    private let store: ModelStore
    private let archiveName: String
    /// Counts the bytes staged against the import's `ExpansionLimit`.
    private let budget: ExpansionLimit.Budget?
    private var files: [String: Staged] = [:]
    private var aliases: [String: String] = [:]
    private var byDigest: [Digest: Staged] = [:]
    /// Files staged so far, which names the next one.
    private var stagedFiles = 0

    /// Removes what interrupted imports left (their process gone) first.
    init(store: ModelStore, archiveName: String, budget: ExpansionLimit.Budget? = nil) throws {
        self.store = store
        self.archiveName = archiveName
        self.budget = budget
        _ = store.removeStaleScratchDirectories(dryRun: false)
        directory = store.stateDirectory + "/import-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.makeDirectories(directory)
    }

    /// Removes the staging directory and whatever is left in it.
    func remove() {
        try? RootFilesystem.removeTree(directory)
    }

    /// Takes one member: a file's bytes come through `readData`.
    func add(_ member: ArchiveMember, readData: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let key = try self.key(member.name)
        forget(key)
        switch member.kind {
        case .directory, .other:
            return
        case let .symlink(target):
            guard !target.hasPrefix("/") else { throw escape(member.name, "symbolic link to an absolute path") }
            var resolved = Array(key.split(separator: "/").dropLast().map(String.init))
            for part in target.split(separator: "/") where part != "." {
                if part == ".." {
                    guard !resolved.isEmpty else { throw escape(member.name, "symbolic link that leaves the archive") }
                    resolved.removeLast()
                } else {
                    resolved.append(String(part))
                }
            }
            aliases[key] = resolved.joined(separator: "/")
        case let .hardlink(target):
            aliases[key] = try self.key(target)
        case .file:
            let file = directory + "/member-\(stagedFiles)"
            stagedFiles += 1
            let writer = try HashingFileWriter(creating: file, in: store)
            defer { writer.close() }
            try readData { bytes in
                try budget?.consume(bytes.count)
                try writer.append(bytes)
            }
            let hashed = try writer.finish()
            let digest = hashed.digest
            // A blob's name is its digest: the bytes must agree before anything else is read.
            if key.hasPrefix("blobs/sha256/") {
                let named = String(key.dropFirst("blobs/sha256/".count))
                guard named == digest.hex else {
                    throw ModelGetError.invalidArchive(archive: archiveName,
                                                       reason: "\(key): digest mismatch, its bytes hash to sha256:\(digest.hex)")
                }
            }
            files[key] = Staged(hashed: hashed)
            byDigest[digest] = files[key]
        }
    }

    /// Drops what an earlier member of the same name staged.
    private func forget(_ key: String) {
        aliases[key] = nil
        guard let old = files.removeValue(forKey: key) else { return }
        unlink(old.file)
        if byDigest[old.digest]?.file == old.file {
            byDigest[old.digest] = files.values.first { $0.digest == old.digest }
        }
    }

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

    /// The normalised archive path of a member name.
    private func key(_ name: String) throws -> String {
        do {
            return try RootFilesystem.components(of: name).joined(separator: "/")
        } catch {
            throw escape(name, error.reason)
        }
    }

    private func escape(_ name: String, _ reason: String) -> ModelGetError {
        .unsafeArchiveEntry(archive: archiveName, entry: name, reason: reason)
    }
}
