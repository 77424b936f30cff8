import Foundation

/// The header of a safetensors file: 8 bytes of little-endian header
/// length, then a JSON object naming each tensor's dtype, shape and byte
/// range in the data that follows (plus optional `__metadata__` strings).
/// Headers come from registries and are untrusted: the length, every
/// offset and every size is checked before anything is read or written
/// with it.
package struct SafetensorsHeader: Sendable, Equatable {
    /// One tensor entry.
    package struct Tensor: Sendable, Equatable {
        package var name: String
        package var dtype: String
        package var shape: [Int64]
        /// Its bytes, relative to the start of the data section.
        package var range: Range<Int64>

        /// The number of elements (the product of the shape).
        package var elements: Int64 { shape.reduce(1) { $0 &* $1 } }
    }

    /// The tensors, in data order.
    package var tensors: [Tensor]
    /// `__metadata__`, string to string.
    package var metadata: [String: String]
    /// Length of the JSON text (the 8 length bytes not included).
    package var jsonLength: Int64
    private var names: Set<String>

    package init(tensors: [Tensor], metadata: [String: String], jsonLength: Int64) {
        self.tensors = tensors
        self.metadata = metadata
        self.jsonLength = jsonLength
        names = Set(tensors.map(\.name))
    }

    /// Where the data section starts in the file.
    package var dataOffset: Int64 { 8 + jsonLength }

    /// The largest header accepted (the safetensors library's own limit).
    package static let maximumJSONLength: Int64 = 100 << 20

    /// Bits per element of each dtype safetensors defines.
    package static let dtypeBits: [String: Int64] = [
        "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16,
        "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64, "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
    ]

    /// The JSON length the first 8 bytes give, checked against the limit
    /// and against `fileSize` (the whole file's length).
    package static func jsonLength(lengthBytes: Data, fileSize: Int64, source: String) throws -> Int64 {
        guard lengthBytes.count >= 8, fileSize >= 8 else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "shorter than its 8-byte header length")
        }
        var raw: UInt64 = 0
        for (index, byte) in lengthBytes.prefix(8).enumerated() { raw |= UInt64(byte) << (8 * UInt64(index)) }
        guard raw <= UInt64(maximumJSONLength) else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "header length \(raw) is over the \(maximumJSONLength)-byte limit")
        }
        guard Int64(raw) <= fileSize - 8 else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "header length \(raw) runs past the end of the \(fileSize)-byte file")
        }
        return Int64(raw)
    }

    /// Parses and checks a header. `bytes` starts at the file's first byte
    /// and holds at least the whole header; `fileSize` is the file's length.
    package static func parse(_ bytes: Data, fileSize: Int64, source: String) throws -> SafetensorsHeader {
        let length = try jsonLength(lengthBytes: bytes.prefix(8), fileSize: fileSize, source: source)
        guard Int64(bytes.count) >= 8 + length else {
            throw ModelGetError.invalidSafetensors(source: source, reason: "header cut short")
        }
        let json = bytes.dropFirst(8).prefix(Int(length))
        // JSONDecoder, not JSONSerialization: a header of a million tensors
        // takes a sixth of the memory and half the time.
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: json)
        } catch let error as ModelGetError {
            throw error
        } catch {
            throw ModelGetError.invalidSafetensors(source: source, reason: "header is not a JSON object")
        }
        let dataLength = fileSize - 8 - length
        var metadata: [String: String] = [:]
        var tensors: [Tensor] = []
        for (name, value) in raw.entries {
            switch value {
            case let .metadata(strings):
                guard let strings else {
                    throw ModelGetError.invalidSafetensors(source: source, reason: "__metadata__ is not a map of strings")
                }
                metadata = strings
            case let .tensor(entry):
                tensors.append(try tensor(name, entry, dataLength: dataLength, source: source))
            }
        }
        tensors.sort { $0.range.lowerBound < $1.range.lowerBound || ($0.range.lowerBound == $1.range.lowerBound && $0.range.upperBound < $1.range.upperBound) }
        for (previous, next) in zip(tensors, tensors.dropFirst()) where next.range.lowerBound < previous.range.upperBound {
            throw ModelGetError.invalidSafetensors(
                source: source, reason: "tensors \(quoted(previous.name)) and \(quoted(next.name)) overlap")
        }
        return SafetensorsHeader(tensors: tensors, metadata: metadata, jsonLength: length)
    }

    /// The header's JSON object as decoded, before any check: each key
    /// with a tensor entry or `__metadata__`. A field of the wrong type is
    /// kept as missing, for `tensor` to name.
    private struct RawHeader: Decodable {
        enum Value {
            /// Nil when it is not an object.
            case tensor(RawTensor?)
            /// Nil when it is not a map of strings.
            case metadata([String: String]?)
        }

        struct RawTensor: Decodable {
            var dtype: String?
            /// Nil when missing or not all integers (`given` tells which).
            var shape: [Int64]?
            var shapeGiven: Bool
            var offsets: [Int64]?
            var offsetsGiven: Bool

            private enum Field: String, CodingKey { case dtype, shape, offsets = "data_offsets" }

            init(from decoder: Decoder) throws {
                let fields = try decoder.container(keyedBy: Field.self)
                dtype = try? fields.decode(String.self, forKey: .dtype)
                shape = try? fields.decode([Int64].self, forKey: .shape)
                shapeGiven = fields.contains(.shape)
                offsets = try? fields.decode([Int64].self, forKey: .offsets)
                offsetsGiven = fields.contains(.offsets)
            }
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        var entries: [(String, Value)] = []

        init(from decoder: Decoder) throws {
            let object = try decoder.container(keyedBy: Key.self)
            for key in object.allKeys {
                if key.stringValue == "__metadata__" {
                    entries.append((key.stringValue, .metadata(try? object.decode([String: String].self, forKey: key))))
                } else {
                    entries.append((key.stringValue, .tensor(try? object.decode(RawTensor.self, forKey: key))))
                }
            }
        }
    }

    /// One entry, checked: a known dtype, a shape of non-negative sizes,
    /// offsets inside the data whose length matches dtype and shape.
    private static func tensor(_ name: String, _ entry: RawHeader.RawTensor?, dataLength: Int64, source: String) throws -> Tensor {
        func invalid(_ reason: String) -> ModelGetError {
            .invalidSafetensors(source: source, reason: "tensor \(quoted(name)): \(reason)")
        }
        guard let entry, let dtype = entry.dtype, entry.shapeGiven, entry.offsetsGiven, entry.offsets.map({ $0.count == 2 }) ?? true else {
            throw invalid("needs dtype, shape and two data_offsets")
        }
        guard let bits = dtypeBits[dtype] else { throw invalid("unknown dtype \(quoted(dtype))") }
        guard let shape = entry.shape, shape.allSatisfy({ $0 >= 0 }) else { throw invalid("shape sizes must be non-negative integers") }
        guard let offsets = entry.offsets, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw invalid("data_offsets must be two integers, begin <= end")
        }
        let begin = offsets[0], end = offsets[1]
        guard end <= dataLength else { throw invalid("data_offsets end \(end) is past the end of the data (\(dataLength) bytes)") }
        var elements: Int64 = 1
        for size in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, product / 8 <= dataLength else { throw invalid("shape \(shape) is larger than the file") }
            elements = product
        }
        let (totalBits, overflow) = elements.multipliedReportingOverflow(by: bits)
        guard !overflow, (totalBits + 7) / 8 == end - begin else {
            throw invalid("\(end - begin) bytes do not hold a \(dtype) tensor of shape \(shape)")
        }
        return Tensor(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// A name as it may appear in an error line: quoted, control characters
    /// escaped, cut at 120 characters.
    static func quoted(_ text: String) -> String {
        "\"" + DisplayText.line(text, limit: 120) + "\""
    }

    /// True when an entry of that name exists.
    package func contains(_ name: String) -> Bool { names.contains(name) }
}
