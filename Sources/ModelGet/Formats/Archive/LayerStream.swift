import CArchive
import Foundation

/// One layer as it arrives on a file descriptor (a store blob, or a pipe
/// the download writes into), decompressed by libarchive (gzip, zstd or
/// none, recognised by the bytes) and handed on as the uncompressed tar
/// stream. Both streams are hashed as they pass: the compressed one must
/// match the manifest's digest and size, the uncompressed one the
/// config's `diff_id`.
final class LayerStream {
    private let fd: Int32
    private let name: String
    private let expectedSize: Int64
    private let budget: ExpansionLimit.Budget?
    private let compressedHasher = SHA256Hasher()
    private let uncompressedHasher = SHA256Hasher()
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private var archive: OpaquePointer?
    private(set) var compressedBytes: Int64 = 0
    private(set) var uncompressedBytes: Int64 = 0
    /// The first failure met inside a libarchive callback.
    private(set) var failure: Error?

    /// `name` is what errors call the layer; `expectedSize` its size in
    /// the manifest; `budget` counts the uncompressed bytes of every layer.
    init(fd: Int32, name: String, expectedSize: Int64, budget: ExpansionLimit.Budget? = nil) {
        self.fd = fd
        self.name = name
        self.expectedSize = expectedSize
        self.budget = budget
    }

    deinit {
        if let archive { archive_read_free(archive) }
        buffer.deallocate()
    }

    /// Starts decompressing: opens libarchive's `raw` format over the
    /// descriptor with only the gzip and zstd filters (no external programs).
    func open() throws {
        guard mg_archive_has_builtin_filter(ARCHIVE_FILTER_ZSTD) == 1, mg_archive_has_builtin_filter(ARCHIVE_FILTER_GZIP) == 1 else {
            throw ModelGetError.invalidArchive(archive: name, reason: "this libarchive cannot decode gzip and zstd itself")
        }
        let archive = archive_read_new()
        self.archive = archive
        archive_read_support_filter_gzip(archive)
        archive_read_support_filter_zstd(archive)
        archive_read_support_format_raw(archive)
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard archive_read_open(archive, context, nil, { _, context, out in
            Unmanaged<LayerStream>.fromOpaque(context!).takeUnretainedValue().readCompressed(out!)
        }, nil) == ARCHIVE_OK else {
            throw failure ?? ModelGetError.invalidArchive(archive: name, reason: Self.message(archive))
        }
        var entry: OpaquePointer?
        guard archive_read_next_header(archive, &entry) == ARCHIVE_OK else {
            throw failure ?? ModelGetError.invalidArchive(archive: name, reason: Self.message(archive))
        }
    }

    /// Reads uncompressed bytes into `into`; 0 at the end of the stream.
    func read(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = archive_read_data(archive, target.baseAddress, target.count)
        guard count >= 0 else {
            throw failure ?? ModelGetError.invalidArchive(archive: name, reason: "cannot decompress: " + Self.message(archive))
        }
        try budget?.consume(count)
        uncompressedHasher.update(UnsafeRawBufferPointer(rebasing: target[0..<count]))
        uncompressedBytes += Int64(count)
        return count
    }

    /// Reads what is left (a tar's end padding, a compressed stream's
    /// trailer) and returns the uncompressed stream's SHA-256 after checking
    /// the compressed bytes against `digest` and the expected size.
    func finish(digest: Digest) throws -> String {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
        // Bytes after the compressed stream's end are still part of the blob.
        while try readRemaining() > 0 {}
        guard compressedBytes == expectedSize else {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: expectedSize, actual: compressedBytes)
        }
        try digest.verify(actualHex: compressedHasher.finalizeHex())
        return uncompressedHasher.finalizeHex()
    }

    /// libarchive's read callback: the next piece of the compressed blob.
    private func readCompressed(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        do {
            let count = try readRemaining()
            out.pointee = UnsafeRawPointer(buffer.baseAddress)
            return count
        } catch {
            failure = failure ?? error
            mg_archive_set_error(archive, EIO, "\(error)")
            return -1
        }
    }

    /// Reads and hashes the next piece of the compressed blob into `buffer`.
    private func readRemaining() throws -> Int {
        while true {
            let count = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw FileIO.error(name) }
            compressedBytes += Int64(count)
            guard compressedBytes <= expectedSize else {
                throw ModelGetError.invalidArchive(archive: name, reason: "longer than the \(expectedSize) bytes its manifest gives")
            }
            compressedHasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            return count
        }
    }

    static func message(_ archive: OpaquePointer?) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unreadable archive"
    }
}
