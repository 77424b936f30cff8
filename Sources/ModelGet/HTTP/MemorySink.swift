import Foundation

/// Collects a small response body in memory, refusing more than `limit` bytes.
final class MemorySink: ResponseBodySink {
    let limit: Int64
    private(set) var data = Data()

    init(limit: Int64) { self.limit = limit }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        data = Data()
        return status == 200
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(data.count + bytes.count) <= limit else {
            throw ModelGetError.sizeMismatch(digest: "blob", expected: limit, actual: Int64(data.count + bytes.count))
        }
        data.append(contentsOf: bytes)
    }
}
