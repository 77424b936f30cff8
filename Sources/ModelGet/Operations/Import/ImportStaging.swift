import Foundation

/// The members of an archive being imported, each copied into a private
/// directory of the store (`.modelget/import-<random>/`) and hashed on the
/// way, so that nothing reaches `blobs/` before it is checked. Symbolic and
/// hard links between members are kept as aliases; a member name or link
/// that would leave the archive is refused. A name given twice (`tar -r`
/// appends) means its last member, as `tar -x` leaves it. Once every
/// member is in, `archive` is what the archive's sources read.
final class ImportStaging {
    let directory: String
    /// The members staged so far.
    private(set) var archive: StagedArchive
    private let store: ModelStore
    /// Counts the bytes staged against the import's `ExpansionLimit`.
    private let budget: ExpansionLimit.Budget?
    /// Files staged so far, which names the next one.
    private var stagedFiles = 0

    /// Removes what interrupted imports left (their process gone) first.
    init(store: ModelStore, archiveName: String, budget: ExpansionLimit.Budget? = nil) throws {
        self.store = store
        archive = StagedArchive(archiveName: archiveName, store: store)
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
        let key = try archive.key(member.name)
        forget(key)
        switch member.kind {
        case .directory, .other:
            return
        case let .symlink(target):
            guard !target.hasPrefix("/") else { throw archive.escape(member.name, "symbolic link to an absolute path") }
            var resolved = Array(key.split(separator: "/").dropLast().map(String.init))
            for part in target.split(separator: "/") where part != "." {
                if part == ".." {
                    guard !resolved.isEmpty else { throw archive.escape(member.name, "symbolic link that leaves the archive") }
                    resolved.removeLast()
                } else {
                    resolved.append(String(part))
                }
            }
            archive.aliases[key] = resolved.joined(separator: "/")
        case let .hardlink(target):
            archive.aliases[key] = try archive.key(target)
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
                    throw ModelGetError.invalidArchive(archive: archive.archiveName,
                                                       reason: "\(key): digest mismatch, its bytes hash to sha256:\(digest.hex)")
                }
            }
            archive.files[key] = StagedArchive.Staged(hashed: hashed)
            archive.byDigest[digest] = archive.files[key]
        }
    }

    /// Drops what an earlier member of the same name staged.
    private func forget(_ key: String) {
        archive.aliases[key] = nil
        guard let old = archive.files.removeValue(forKey: key) else { return }
        unlink(old.file)
        if archive.byDigest[old.digest]?.file == old.file {
            archive.byDigest[old.digest] = archive.files.values.first { $0.digest == old.digest }
        }
    }
}
