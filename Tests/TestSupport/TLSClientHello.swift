/// What the first bytes a client sends say about its TLS handshake: a
/// ClientHello, and whether it offers to resume an earlier session (a
/// TLS 1.2 session ticket or a TLS 1.3 pre-shared key). Lets a relay count
/// handshakes and resumption offers without decrypting anything.
struct TLSClientHello: Equatable {
    /// The client offered a ticket or pre-shared key from an earlier session.
    let offersResumption: Bool

    /// Reads a ClientHello at the start of `bytes`; nil when they are not one
    /// (plain HTTP) or it is cut short.
    init?(_ bytes: [UInt8]) {
        var reader = Reader(bytes: bytes)
        // Record: handshake (22), version, length; then ClientHello (1), length.
        guard reader.byte() == 22, reader.skip(4), reader.byte() == 1, reader.skip(3),
              reader.skip(2 + 32),  // client version, random
              let session = reader.byte(), reader.skip(Int(session)),
              let suites = reader.uint16(), reader.skip(Int(suites)),
              let compressions = reader.byte(), reader.skip(Int(compressions)),
              let extensionsLength = reader.uint16() else { return nil }
        let end = reader.offset + Int(extensionsLength)
        var resumes = false
        while reader.offset + 4 <= min(end, bytes.count) {
            guard let type = reader.uint16(), let length = reader.uint16() else { return nil }
            // session_ticket (35) with a ticket in it, or pre_shared_key (41).
            if (type == 35 && length > 0) || type == 41 { resumes = true }
            guard reader.skip(Int(length)) else { break }
        }
        offersResumption = resumes
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func uint16() -> UInt16? {
            guard let high = byte(), let low = byte() else { return nil }
            return UInt16(high) << 8 | UInt16(low)
        }

        mutating func skip(_ count: Int) -> Bool {
            guard offset + count <= bytes.count else { return false }
            offset += count
            return true
        }
    }
}
