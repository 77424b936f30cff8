import Foundation

/// One image of `docker save` (and skopeo's `docker-archive:`):
/// an element of the archive's `manifest.json`.
struct DockerArchiveImage: Decodable {
    /// The config member's path.
    var Config: String
    /// `name:tag` names, may be absent.
    var RepoTags: [String]?
    /// The layer members' paths, uncompressed tars, first to last.
    var Layers: [String]
}
