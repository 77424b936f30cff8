import CArchive
import Foundation

/// Applies one image layer (a tar stream) to a root filesystem with
/// libarchive: entries are written in order, whiteouts (`.wh.NAME`) remove
/// what lower layers left, an opaque whiteout (`.wh..wh..opq`) empties its
/// directory of everything but this layer's own entries. A whiteout under a
/// path that is not a directory does nothing, and neither does one under a
/// link or file this layer put there (umoci writes `d/.wh.child` after
/// turning `d` into a link: it hides the old directory's child, not one
/// where the link leads). An entry replaces whatever
/// lower layers left at its path unless both are directories (Debian's
/// `/var/run` directory becoming a link to `/run`), as `umoci unpack` does.
/// Every name and hard-link target is resolved inside the root first
/// (`RootFilesystem`); one that would leave it stops the layer. Directory
/// modes and times are finished by `DirectoryFixups` after the last layer.
final class LayerUnpacker {
    private let root: RootFilesystem
    private let name: String
    private let maximumEntries: Int
    private let asRoot: Bool
    private let fixups: DirectoryFixups
    /// Root-relative paths this layer wrote (and their parents), which an
    /// opaque whiteout in the same layer keeps.
    private var written = Set<[String]>()
    /// Root-relative paths where this layer wrote something other than a directory.
    private var writtenNonDirectories = Set<[String]>()
    /// Device nodes left out because this process is not root.
    private(set) var skippedDevices = 0

    init(root: RootFilesystem, name: String, maximumEntries: Int, fixups: DirectoryFixups,
         asRoot: Bool = geteuid() == 0) {
        self.root = root
        self.name = name
        self.maximumEntries = maximumEntries
        self.fixups = fixups
        self.asRoot = asRoot
    }

    /// Reads the whole tar from `stream` and writes its entries under the root.
    func apply(_ stream: LayerStream) throws {
        let reader = archive_read_new()
        let disk = archive_write_disk_new()
        defer {
            archive_read_free(reader)
            archive_write_free(disk)
        }
        archive_read_support_format_tar(reader)
        var flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if asRoot { flags |= ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR }
        archive_write_disk_set_options(disk, flags)
        let source = TarSource(stream)
        let context = Unmanaged.passUnretained(source).toOpaque()
        guard archive_read_open(reader, context, nil, { archive, context, out in
            Unmanaged<TarSource>.fromOpaque(context!).takeUnretainedValue().next(archive, out!)
        }, nil) == ARCHIVE_OK else { throw source.failure ?? invalid(reader) }
        var count = 0
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            guard status >= ARCHIVE_WARN, let entry else { throw source.failure ?? invalid(reader) }
            count += 1
            guard count <= maximumEntries else {
                throw ModelGetError.invalidArchive(
                    archive: name, reason: "more than \(maximumEntries) entries (a tar bomb?); --max-entries raises the limit")
            }
            try write(entry, from: reader, to: disk, source: source)
        }
        guard archive_write_close(disk) >= ARCHIVE_WARN else { throw invalid(disk) }
    }

    private func write(_ entry: OpaquePointer, from reader: OpaquePointer?, to disk: OpaquePointer?, source: TarSource) throws {
        let entryName = Self.string(archive_entry_pathname(entry)) ?? Self.string(archive_entry_pathname_utf8(entry)) ?? ""
        let components = try refuseUnsafe(entryName) { try RootFilesystem.components(of: entryName) }
        if let last = components.last, last.hasPrefix(".wh.") {
            guard try !refuseUnsafe(entryName, { try passesThroughNonDirectory(components.dropLast()) }) else { return }
            let directory = try refuseUnsafe(entryName) { try root.resolveParent(components).dropLast() }
            if last == ".wh..wh..opq" {
                try emptyOpaque(Array(directory))
            } else {
                let hidden = String(last.dropFirst(".wh.".count))
                guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
                    throw ModelGetError.unsafeArchiveEntry(archive: name, entry: entryName, reason: "whiteout names nothing")
                }
                try remove(Array(directory) + [hidden])
            }
            return
        }
        let resolved = try refuseUnsafe(entryName) { try root.resolveParent(components) }
        if let target = archive_entry_hardlink(entry).flatMap({ Self.string($0) }) {
            let targetComponents = try refuseUnsafe(entryName, hardLink: true) {
                try root.resolveParent(try RootFilesystem.components(of: target))
            }
            guard !targetComponents.isEmpty, Self.exists(root.path(targetComponents)) else {
                throw ModelGetError.unsafeArchiveEntry(archive: name, entry: entryName, reason: "hard link to \"\(target)\", which does not exist")
            }
            archive_entry_copy_hardlink(entry, root.path(targetComponents))
        }
        let type = archive_entry_filetype(entry)
        if (type == Self.characterDevice || type == Self.blockDevice) && !asRoot {
            skippedDevices += 1
            return
        }
        try clearWay(for: resolved, directory: type == Self.directory, entry: entryName)
        if type == Self.directory {
            fixups.record(resolved, entry: entry)
        } else {
            writtenNonDirectories.insert(resolved)
        }
        for length in 1...max(resolved.count, 1) where !resolved.isEmpty { written.insert(Array(resolved.prefix(length))) }
        archive_entry_copy_pathname(entry, root.path(resolved))
        guard archive_write_header(disk, entry) >= ARCHIVE_WARN else { throw source.failure ?? invalid(disk, entry: entryName) }
        if archive_entry_size(entry) > 0 {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            while true {
                let status = archive_read_data_block(reader, &block, &size, &offset)
                if status == ARCHIVE_EOF { break }
                guard status >= ARCHIVE_WARN else { throw source.failure ?? invalid(reader) }
                guard archive_write_data_block(disk, block, size, offset) >= ARCHIVE_WARN else { throw invalid(disk, entry: entryName) }
            }
        }
        guard archive_write_finish_entry(disk) >= ARCHIVE_WARN else { throw invalid(disk, entry: entryName) }
    }

    /// True when a prefix of `parent` (a whiteout's directory, as named) is
    /// where this layer wrote a link or a file.
    private func passesThroughNonDirectory(_ parent: ArraySlice<String>) throws(RootFilesystem.Refusal) -> Bool {
        guard !writtenNonDirectories.isEmpty, !parent.isEmpty else { return false }
        for length in 1...parent.count {
            if writtenNonDirectories.contains(try root.resolveParent(Array(parent.prefix(length)))) { return true }
        }
        return false
    }

    /// Removes what is at `path` when the entry cannot take its place as it
    /// is: anything but a directory where a directory goes (a symbolic link
    /// is replaced, never written through), a directory where anything
    /// else goes. libarchive replaces the remaining cases itself.
    private func clearWay(for path: [String], directory: Bool, entry: String) throws {
        var info = stat()
        guard lstat(root.path(path), &info) == 0 else { return }
        let existingIsDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        guard existingIsDirectory != directory else { return }
        guard !path.isEmpty else {
            throw ModelGetError.unsafeArchiveEntry(archive: name, entry: entry, reason: "turns the root directory into a non-directory")
        }
        try remove(path)
    }

    /// Removes a root-relative path and everything under it, and what was
    /// recorded for a directory there.
    private func remove(_ path: [String]) throws {
        let directory = RootFilesystem.isDirectory(root.path(path))
        try RootFilesystem.removeTree(root.path(path))
        if directory { fixups.forget(path) }
    }

    /// Removes from `directory` everything lower layers put there, keeping
    /// (recursively) what this layer wrote.
    private func emptyOpaque(_ directory: [String]) throws {
        let path = root.path(directory)
        guard RootFilesystem.isDirectory(path) else { return }
        for child in try RootFilesystem.children(of: path) {
            let components = directory + [child]
            if written.contains(components) {
                try emptyOpaque(components)
            } else {
                try remove(components)
            }
        }
    }

    private func refuseUnsafe<T>(_ entry: String, hardLink: Bool = false,
                                 _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RootFilesystem.Refusal {
            let reason = hardLink ? "hard link target: " + error.reason : error.reason
            throw ModelGetError.unsafeArchiveEntry(archive: name, entry: entry, reason: reason)
        }
    }

    private func invalid(_ archive: OpaquePointer?, entry: String? = nil) -> ModelGetError {
        let message = LayerStream.message(archive)
        return .invalidArchive(archive: name, reason: entry.map { "\($0): \(message)" } ?? message)
    }

    /// libarchive's AE_IFCHR, AE_IFBLK and AE_IFDIR.
    private static let characterDevice: UInt32 = 0o020000
    private static let blockDevice: UInt32 = 0o060000
    private static let directory: UInt32 = 0o040000

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// True when something (even a dangling link) is at `path`.
    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

/// Feeds the tar reader from a `LayerStream`, keeping the first error for
/// the caller (libarchive only sees -1).
private final class TarSource {
    let stream: LayerStream
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    var failure: Error?

    init(_ stream: LayerStream) { self.stream = stream }
    deinit { buffer.deallocate() }

    func next(_ archive: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        do {
            let count = try stream.read(into: buffer)
            out.pointee = UnsafeRawPointer(buffer.baseAddress)
            return count
        } catch {
            failure = failure ?? error
            mg_archive_set_error(archive, EIO, "\(error)")
            return -1
        }
    }
}
