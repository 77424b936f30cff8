import CArchive
import Foundation

/// Writes a tar (POSIX pax, restricted to ustar where it can) with
/// libarchive into a file that appears under its name only when complete:
/// written beside it, fsynced, renamed by `finish`.
final class TarWriter {
    private let archive: OpaquePointer?
    private let fd: Int32
    private let temporary: String
    private let destination: String
    private var finished = false

    init(path destination: String) throws {
        self.destination = destination
        temporary = FilePlacement.temporaryPath(beside: destination)
        fd = try FileIO.createNew(temporary)
        archive = archive_write_new()
        archive_write_set_format_pax_restricted(archive)
        archive_write_set_bytes_in_last_block(archive, 1)
        guard archive_write_open_fd(archive, fd) == ARCHIVE_OK else {
            let error = ModelGetError.fileSystem(path: destination, reason: LayerStream.message(archive))
            archive_write_free(archive)
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    deinit {
        if !finished {
            archive_write_free(archive)
            close(fd)
            unlink(temporary)
        }
    }

    /// Adds a directory member.
    func addDirectory(_ name: String) throws {
        try writeHeader(name, type: 0o040000, mode: 0o755, size: 0)
    }

    /// Adds a regular file member holding `data`.
    func addFile(_ name: String, data: Data) throws {
        try writeHeader(name, type: 0o100000, mode: 0o644, size: Int64(data.count))
        try data.withUnsafeBytes { try write($0) }
    }

    /// Adds a regular file member of `size` bytes that `produce` writes
    /// through the function it is given.
    func addFile(_ name: String, size: Int64, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try writeHeader(name, type: 0o100000, mode: 0o644, size: size)
        var written: Int64 = 0
        try produce { bytes in
            written += Int64(bytes.count)
            try self.write(bytes)
        }
        guard written == size else {
            throw ModelGetError.fileSystem(path: name, reason: "\(written) bytes written for a member of \(size)")
        }
    }

    /// Ends the archive, makes it durable and renames it into place.
    func finish() throws {
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw ModelGetError.fileSystem(path: destination, reason: LayerStream.message(archive))
        }
        archive_write_free(archive)
        finished = true
        defer { close(fd) }
        do {
            try FileIO.fsync(fd, path: temporary)
            try FilePlacement.commit(temporary, to: destination)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private func writeHeader(_ name: String, type: UInt32, mode: UInt32, size: Int64) throws {
        let entry = archive_entry_new()
        defer { archive_entry_free(entry) }
        archive_entry_copy_pathname(entry, name)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode)
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, 0, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw ModelGetError.fileSystem(path: destination, reason: LayerStream.message(archive))
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let count = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            guard count > 0 else { throw ModelGetError.fileSystem(path: destination, reason: LayerStream.message(archive)) }
            offset += count
        }
    }
}
