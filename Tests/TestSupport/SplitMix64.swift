/// A tiny, fast, seeded pseudo-random generator (Steele, Lea and Flood's
/// SplitMix64).
///
/// The same seed always gives the same sequence, on every platform, so
/// generated blobs and their digests are reproducible between runs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence at `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 pseudo-random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fills `buffer` with pseudo-random bytes, eight at a time.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        let words = buffer.count / 8
        for index in 0..<words {
            base.storeBytes(of: next(), toByteOffset: index * 8, as: UInt64.self)
        }
        let tail = buffer.count - words * 8
        if tail > 0 {
            var last = next()
            withUnsafeBytes(of: &last) { bytes in
                for offset in 0..<tail { buffer[words * 8 + offset] = bytes[offset] }
            }
        }
    }
}
