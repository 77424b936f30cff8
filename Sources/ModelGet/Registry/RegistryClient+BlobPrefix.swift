import Foundation

extension RegistryClient {
    /// The first `count` bytes of a blob (fewer if the blob is shorter), with
    /// one ranged GET; a registry that ignores the range is cut off once
    /// enough arrived. The bytes cannot be checked against the digest (only
    /// the whole blob would tell): callers use them for display only.
    func fetchBlobPrefix(repository: String, digest: Digest, count: Int64) async throws -> Data {
        let sink = PrefixSink(limit: Int(count))
        do {
            let response = try await fetchBlobRange(repository: repository, digest: digest, range: 0..<count, sink: sink)
            guard response.status == 200 || response.status == 206 else { throw RegistryErrorBody.error(for: response, url: response.url) }
        } catch is PrefixSink.Full {
            // A server that ignored the range: the first bytes are enough.
        }
        return sink.data
    }
}

/// Keeps the first `limit` bytes of a 200 or 206 body and stops the
/// transfer once it has them (a server may ignore `Range`).
private final class PrefixSink: ResponseBodySink, @unchecked Sendable {
    /// Thrown to stop a transfer that has sent enough.
    struct Full: Error {}

    let limit: Int
    private(set) var data = Data()

    init(limit: Int) { self.limit = limit }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        data = Data()
        return status == 200 || status == 206
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        data.append(contentsOf: bytes.prefix(limit - data.count))
        if data.count >= limit { throw Full() }
    }
}
