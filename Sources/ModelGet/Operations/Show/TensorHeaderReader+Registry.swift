import Foundation

extension TensorHeaderReader {
    /// Bytes asked for first when reading remotely; a single-tensor header
    /// is a few hundred bytes, so one request nearly always suffices.
    static let firstRead: Int64 = 4 << 10
    /// The largest header read remotely.
    static let remoteLimit: Int64 = 16 << 20

    /// The header of a registry blob, read with ranged GETs, its length
    /// taken from `budget` first. The bytes are not verified against the
    /// digest (only the data would tell); they are used for display only.
    static func read(_ layer: Descriptor, repository: String, client: RegistryClient, budget: Budget? = nil) async throws -> SafetensorsHeader {
        let source = "blob \(layer.digest)"
        guard layer.size >= 8 else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "shorter than its 8-byte header length")
        }
        var bytes = try await fetch(layer, repository: repository, client: client, count: min(layer.size, firstRead))
        let length = try SafetensorsHeader.jsonLength(lengthBytes: bytes.prefix(8), fileSize: layer.size, source: source)
        guard length <= remoteLimit else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "header length \(length) is over the \(remoteLimit)-byte limit for remote reads")
        }
        try budget?.reserve(length, source: source)
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
