import CArchive
import Foundation

/// Reads a tar (plain, gzip or zstd) member by member with libarchive.
final class TarReader {
    private let archive: OpaquePointer?
    private let name: String

    init(fd: Int32, name: String) throws {
        self.name = name
        archive = archive_read_new()
        archive_read_support_format_tar(archive)
        archive_read_support_format_gnutar(archive)
        archive_read_support_filter_gzip(archive)
        archive_read_support_filter_zstd(archive)
        guard archive_read_open_fd(archive, fd, 1 << 20) == ARCHIVE_OK else {
            throw ModelGetError.invalidArchive(archive: name, reason: "not a tar archive: " + LayerStream.message(archive))
        }
    }

    deinit { archive_read_free(archive) }

    /// The next member's header, or nil at the end of the archive.
    func next() throws -> ArchiveMember? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status >= ARCHIVE_WARN, let entry else { throw failure() }
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let kind: ArchiveMember.Kind
        if let target = archive_entry_hardlink(entry) {
            kind = .hardlink(String(cString: target))
        } else {
            switch archive_entry_filetype(entry) {
            case 0o100000: kind = .file
            case 0o040000: kind = .directory
            case 0o120000: kind = .symlink(archive_entry_symlink(entry).map { String(cString: $0) } ?? "")
            default: kind = .other
            }
        }
        return ArchiveMember(name: path, kind: kind, size: archive_entry_size(entry))
    }

    /// Streams the current member's bytes through `body`.
    func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(archive, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status >= ARCHIVE_WARN else { throw failure() }
            if size > 0 { try body(UnsafeRawBufferPointer(start: block, count: size)) }
        }
    }

    private func failure() -> ModelGetError {
        .invalidArchive(archive: name, reason: LayerStream.message(archive))
    }
}
