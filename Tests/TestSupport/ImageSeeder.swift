import Foundation

/// How a test layer's tar is compressed.
public enum LayerCompression: Sendable {
    case none, gzip, zstd

    /// The OCI layer media type for this compression.
    public var mediaType: String {
        switch self {
        case .none: return "application/vnd.oci.image.layer.v1.tar"
        case .gzip: return "application/vnd.oci.image.layer.v1.tar+gzip"
        case .zstd: return "application/vnd.oci.image.layer.v1.tar+zstd"
        }
    }
}

/// One layer blob of a test image: its bytes, media type and the
/// `diff_id` the config gives it.
public struct ImageLayerBlob: Sendable {
    public var data: Data
    public var mediaType: String
    public var diffID: String

    public init(data: Data, mediaType: String, diffID: String) {
        self.data = data
        self.mediaType = mediaType
        self.diffID = diffID
    }

    /// A layer from a tar file, compressed with the real `gzip` / `zstd`
    /// programs; its diff_id is the tar's SHA-256.
    public static func compressing(_ tar: URL, with compression: LayerCompression) throws -> ImageLayerBlob {
        let plain = try Data(contentsOf: tar)
        let diffID = "sha256:" + (try SHA256Hasher.hex(of: plain))
        let data: Data
        switch compression {
        case .none: data = plain
        case .gzip: data = try Command.runBinary("gzip", ["-n", "-c", tar.path])
        case .zstd: data = try Command.runBinary("zstd", ["-q", "-c", tar.path])
        }
        return ImageLayerBlob(data: data, mediaType: compression.mediaType, diffID: diffID)
    }
}

/// Builds OCI container images from layer blobs, for `ModelSeeder.write`.
public enum ImageSeeder {
    /// An OCI image manifest and config (`os`/`architecture` as given,
    /// `rootfs.diff_ids` from the layers, `config` merged in).
    public static func image(_ layers: [ImageLayerBlob], os: String = "linux", architecture: String = "amd64",
                             config: [String: Any] = [:], in directory: URL) throws -> GeneratedModel {
        let blobs = try layers.map { layer in
            let (hex, path) = try BlobFile.data(layer.data, in: directory)
            return GeneratedModel.Blob(digest: "sha256:" + hex, size: Int64(layer.data.count), mediaType: layer.mediaType, path: path)
        }
        var object: [String: Any] = ["os": os, "architecture": architecture,
                                     "rootfs": ["type": "layers", "diff_ids": layers.map(\.diffID)]]
        if !config.isEmpty { object["config"] = config }
        let configData = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let (configHex, configPath) = try BlobFile.data(configData, in: directory)
        let configBlob = GeneratedModel.Blob(digest: "sha256:" + configHex, size: Int64(configData.count),
                                             mediaType: "application/vnd.oci.image.config.v1+json", path: configPath)
        let manifest = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": configBlob.descriptor,
            "layers": blobs.map(\.descriptor),
        ] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes])
        return GeneratedModel(manifest: manifest, manifestDigest: "sha256:" + (try SHA256Hasher.hex(of: manifest)),
                              mediaType: "application/vnd.oci.image.manifest.v1+json", config: configBlob, layers: blobs)
    }
}

extension Command {
    /// Runs `name arguments…` to completion and returns its standard output as bytes.
    static func runBinary(_ name: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = try locate(name)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw TestSupportError.commandFailed(command: name, status: process.terminationStatus, output: "")
        }
        return data
    }
}
