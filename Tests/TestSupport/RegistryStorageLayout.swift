import Foundation

/// Paths in distribution's filesystem storage driver (the registry's
/// `rootdirectory`), as docker-registry 2.8 reads them.
struct RegistryStorageLayout {
    /// `<rootdirectory>/docker/registry/v2`.
    let base: URL

    init(storageRoot: URL) {
        base = storageRoot.appendingPathComponent("docker/registry/v2", isDirectory: true)
    }

    /// `blobs/sha256/<hex[0..2]>/<hex>/data`: the bytes of any blob,
    /// manifests included.
    func blobData(hex: String) -> URL {
        base.appendingPathComponent("blobs/sha256/\(hex.prefix(2))/\(hex)/data")
    }

    /// `_layers/sha256/<hex>/link`: makes a blob (layer or config) visible
    /// in `repository`.
    func layerLink(repository: String, hex: String) -> URL {
        repositoryBase(repository).appendingPathComponent("_layers/sha256/\(hex)/link")
    }

    /// `_manifests/revisions/sha256/<hex>/link`: a manifest by digest.
    func revisionLink(repository: String, hex: String) -> URL {
        repositoryBase(repository).appendingPathComponent("_manifests/revisions/sha256/\(hex)/link")
    }

    /// `_manifests/tags/<tag>/current/link`: what the tag points at now.
    func tagCurrentLink(repository: String, tag: String) -> URL {
        repositoryBase(repository).appendingPathComponent("_manifests/tags/\(tag)/current/link")
    }

    /// `_manifests/tags/<tag>/index/sha256/<hex>/link`: every manifest the
    /// tag has pointed at.
    func tagIndexLink(repository: String, tag: String, hex: String) -> URL {
        repositoryBase(repository).appendingPathComponent("_manifests/tags/\(tag)/index/sha256/\(hex)/link")
    }

    private func repositoryBase(_ repository: String) -> URL {
        base.appendingPathComponent("repositories/\(repository)", isDirectory: true)
    }
}
