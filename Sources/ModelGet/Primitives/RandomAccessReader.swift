/// Bytes read at any offset from something already open, so a reader
/// needs no path: a blob of the store (`StoredBlob`) is one, and an
/// upload body may read from one (`HTTPRequest.Body.reader`).
public protocol RandomAccessReader: Sendable {
    /// The bytes there are to read.
    var size: Int64 { get }
    /// Fills `buffer` from byte `offset`; fewer bytes there is an error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws
}
