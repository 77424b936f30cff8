import Foundation

/// Reads the safetensors header at the start of a tensor layer, without
/// the tensor data: from a store blob file, or from a registry with small
/// ranged reads.
enum TensorHeaderReader {
    /// Bytes asked for first when reading remotely; a single-tensor header
    /// is a few hundred bytes, so one request nearly always suffices.
    static let firstRead: Int64 = 4 << 10
    /// The largest header read remotely.
    static let remoteLimit: Int64 = 16 << 20

    /// The header of the blob file at `path`.
    static func read(path: String, source: String) throws -> SafetensorsHeader {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.error(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIO.error(path) }
        let size = Int64(info.st_size)
        var lengthBytes = Data(count: 8)
        if size >= 8 {
            try lengthBytes.withUnsafeMutableBytes { try FileIO.readFully(fd, into: $0, at: 0, path: path) }
        }
        let length = try SafetensorsHeader.jsonLength(lengthBytes: lengthBytes, fileSize: size, source: source)
        var bytes = Data(count: Int(8 + length))
        try bytes.withUnsafeMutableBytes { try FileIO.readFully(fd, into: $0, at: 0, path: path) }
        return try SafetensorsHeader.parse(bytes, fileSize: size, source: source)
    }

    /// The header of a registry blob, read with ranged GETs. The bytes are
    /// not verified against the digest (only the data would tell); they
    /// are used for display only.
    static func read(_ layer: Descriptor, repository: String, client: RegistryClient) async throws -> SafetensorsHeader {
        let source = "blob \(layer.digest)"
        guard layer.size >= 8 else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "shorter than its 8-byte header length")
        }
        var bytes = try await fetch(layer, repository: repository, client: client, count: min(layer.size, firstRead))
        let length = try SafetensorsHeader.jsonLength(lengthBytes: bytes.prefix(8), fileSize: layer.size, source: source)
        guard length <= remoteLimit else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "header length \(length) is over the \(remoteLimit)-byte limit for remote reads")
        }
        if Int64(bytes.count) < 8 + length {
            bytes = try await fetch(layer, repository: repository, client: client, count: 8 + length)
        }
        return try SafetensorsHeader.parse(bytes, fileSize: layer.size, source: source)
    }

    private static func fetch(_ layer: Descriptor, repository: String, client: RegistryClient, count: Int64) async throws -> Data {
        let data = try await client.fetchBlobPrefix(repository: repository, digest: layer.digest, count: count)
        guard data.count >= count else {
            throw ModelGetError.sizeMismatch(digest: layer.digest.description, expected: count, actual: Int64(data.count))
        }
        return data
    }
}
