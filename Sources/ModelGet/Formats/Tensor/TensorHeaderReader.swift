import Foundation

/// Reads the safetensors header at the start of a tensor layer, without
/// the tensor data: from a store blob file here, or from a registry with
/// small ranged reads (`TensorHeaderReader+Registry`, used by `show --remote`).
enum TensorHeaderReader {
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
}
