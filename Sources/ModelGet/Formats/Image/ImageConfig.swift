import Foundation

/// The parts of an OCI / Docker image config modelget reads: the layer
/// hashes `extract` checks, and what `show` prints to run the image.
public struct ImageConfig: Codable, Sendable {
    /// What the image runs with (the spec's `config` object).
    public struct Execution: Codable, Sendable {
        public var user: String?
        public var exposedPorts: [String: EmptyObject]?
        public var environment: [String]?
        public var entrypoint: [String]?
        public var command: [String]?
        public var workingDirectory: String?
        public var labels: [String: String]?

        enum CodingKeys: String, CodingKey {
            case user = "User", exposedPorts = "ExposedPorts", environment = "Env", entrypoint = "Entrypoint"
            case command = "Cmd", workingDirectory = "WorkingDir", labels = "Labels"
        }
    }

    /// `{}`: the value type of the spec's set-like objects (`ExposedPorts`).
    public struct EmptyObject: Codable, Sendable {}

    /// "The layer content hashes (DiffIDs), in order from first to last."
    public struct RootFS: Codable, Sendable {
        public var type: String
        public var diffIDs: [Digest]

        enum CodingKeys: String, CodingKey {
            case type, diffIDs = "diff_ids"
        }
    }

    public var architecture: String?
    public var os: String?
    public var variant: String?
    public var config: Execution?
    public var rootfs: RootFS?

    /// The largest config modelget reads.
    public static let maximumSize = 4 << 20

    /// Decodes a config; `name` says which blob failed.
    public static func decode(_ data: Data, name: String) throws -> ImageConfig {
        guard data.count <= maximumSize else { throw ModelGetError.invalidArchive(archive: name, reason: "config larger than \(maximumSize) bytes") }
        do {
            return try JSONDecoder().decode(ImageConfig.self, from: data)
        } catch {
            throw ModelGetError.invalidManifest(reason: "config \(name) is not an image config: \(error)")
        }
    }
}
