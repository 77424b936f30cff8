import Foundation

/// What a GGUF file's header says (ggml `docs/gguf.md`, versions 2 and 3):
/// read from the first bytes of the file only (the key/value metadata and
/// the tensor descriptions), never the tensor data.
public struct GGUFHeader: Sendable, Equatable {
    /// The four bytes every GGUF file starts with.
    public static let magic = Data("GGUF".utf8)

    public var version: UInt32
    /// `general.architecture`, e.g. `llama`.
    public var architecture: String?
    /// The sum over all tensors of their element counts.
    public var parameterCount: Int64
    /// `general.file_type` by llama.cpp's name, e.g. `Q4_K_M`.
    public var quantization: String?
    /// `<architecture>.context_length`.
    public var contextLength: Int64?
    public var tensorCount: Int64

    /// Why a header could not be read.
    enum Problem: Error, Equatable {
        /// The header goes on past the bytes given; read more.
        case needMore
        case invalid(String)
    }

    /// Parses the header at the start of `data`; throws `.needMore` when
    /// `data` ends inside it.
    static func parse(_ data: Data) throws(Problem) -> GGUFHeader {
        var reader = Reader(data: data)
        guard try reader.bytes(4) == magic else { throw .invalid("not a GGUF file") }
        let version = try reader.u32()
        guard version == 2 || version == 3 else { throw .invalid("GGUF version \(version) is not supported") }
        let tensorCount = try reader.u64(), kvCount = try reader.u64()
        guard tensorCount < 1 << 24, kvCount < 1 << 24 else { throw .invalid("implausible tensor or key count") }
        var strings: [String: String] = [:]
        var integers: [String: Int64] = [:]
        for _ in 0..<kvCount {
            let key = try reader.string()
            let type = try reader.u32()
            switch type {
            case 8: strings[key] = try reader.string()
            case 9:
                let elementType = try reader.u32(), count = try reader.u64()
                for _ in 0..<count { try reader.skipValue(elementType) }
            default:
                if let value = try reader.integer(type) { integers[key] = value } else { try reader.skipValue(type) }
            }
        }
        var parameters: Int64 = 0
        for _ in 0..<tensorCount {
            _ = try reader.string()
            let dimensions = try reader.u32()
            guard dimensions <= 8 else { throw .invalid("tensor with \(dimensions) dimensions") }
            var elements: Int64 = 1
            for _ in 0..<dimensions {
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int64(clamping: try reader.u64()))
                guard !overflow else { throw .invalid("tensor too large") }
                elements = product
            }
            _ = try reader.u32()
            _ = try reader.u64()
            parameters = parameters.addingReportingOverflow(elements).overflow ? .max : parameters + elements
        }
        let architecture = strings["general.architecture"]
        return GGUFHeader(
            version: version, architecture: architecture, parameterCount: parameters,
            quantization: integers["general.file_type"].map(fileTypeName),
            contextLength: architecture.flatMap { integers[$0 + ".context_length"] }, tensorCount: Int64(tensorCount))
    }

    /// Reads the header through `prefix(n)`, which returns the first `n`
    /// bytes of the file (fewer at its end): 1 MiB first, doubling up to
    /// `limit`. Nil when the file is not GGUF or its header is unreadable.
    static func read(size: Int64, limit: Int64 = 64 << 20, prefix: (Int64) async throws -> Data) async throws -> GGUFHeader? {
        var length = min(size, 1 << 20)
        while true {
            do {
                return try parse(try await prefix(length))
            } catch let problem as Problem {
                guard problem == .needMore, length < min(size, limit) else { return nil }
                length = min(length * 2, size, limit)
            }
        }
    }

    /// llama.cpp's `llama_ftype` names.
    static func fileTypeName(_ value: Int64) -> String {
        let names: [Int64: String] = [
            0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
            12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
            19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
            26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
            36: "TQ1_0", 37: "TQ2_0",
        ]
        return names[value] ?? "file type \(value)"
    }

    /// Little-endian reads over the bytes given, failing with `.needMore` past their end.
    private struct Reader {
        let data: Data
        var offset = 0

        mutating func bytes(_ count: Int) throws(Problem) -> Data {
            guard count >= 0, count <= data.count - offset else { throw .needMore }
            defer { offset += count }
            return data.subdata(in: data.startIndex + offset..<data.startIndex + offset + count)
        }

        mutating func skip(_ count: UInt64) throws(Problem) {
            guard count <= UInt64(data.count - offset) else { throw .needMore }
            offset += Int(count)
        }

        mutating func u32() throws(Problem) -> UInt32 {
            let raw = try bytes(4)
            return raw.reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func u64() throws(Problem) -> UInt64 {
            let raw = try bytes(8)
            return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func string() throws(Problem) -> String {
            let length = try u64()
            guard length < 1 << 20 else { throw .invalid("string of \(length) bytes") }
            return String(decoding: try bytes(Int(length)), as: UTF8.self)
        }

        /// Reads an integer-typed value (GGUF types 0–5, 10, 11, and bool 7); nil for other types, nothing read.
        mutating func integer(_ type: UInt32) throws(Problem) -> Int64? {
            switch type {
            case 0, 7: return Int64(try bytes(1)[0])
            case 1: return Int64(Int8(bitPattern: try bytes(1)[0]))
            case 2: return Int64(try bytes(2).reversed().reduce(0) { $0 << 8 | UInt16($1) })
            case 3: return Int64(Int16(bitPattern: try bytes(2).reversed().reduce(0) { $0 << 8 | UInt16($1) }))
            case 4: return Int64(try u32())
            case 5: return Int64(Int32(bitPattern: try u32()))
            case 10: return Int64(clamping: try u64())
            case 11: return Int64(bitPattern: try u64())
            default: return nil
            }
        }

        mutating func skipValue(_ type: UInt32) throws(Problem) {
            switch type {
            case 0, 1, 7: try skip(1)
            case 2, 3: try skip(2)
            case 4, 5, 6: try skip(4)
            case 10, 11, 12: try skip(8)
            case 8: try skip(try u64())
            default: throw .invalid("metadata value of unknown type \(type)")
            }
        }
    }
}
