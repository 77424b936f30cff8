import Foundation
import TestSupport

/// Puts generated models into a models directory the way `modelget pull`
/// leaves them: `blobs/sha256-<hex>` and the manifest bytes at
/// `manifests/<host>/<namespace>/<model>/<tag>`.
enum StoreSeeding {
    static func put(_ model: GeneratedModel, in models: URL, host: String = "registry.ollama.ai",
                    namespace: String = "library", name: String, tag: String = "latest") throws {
        let fm = FileManager.default
        let blobs = models.appendingPathComponent("blobs")
        try fm.createDirectory(at: blobs, withIntermediateDirectories: true)
        for blob in [model.config] + model.layers {
            let target = blobs.appendingPathComponent(blob.digest.replacingOccurrences(of: "sha256:", with: "sha256-"))
            if !fm.fileExists(atPath: target.path) {
                do { try fm.linkItem(at: blob.path, to: target) } catch { try fm.copyItem(at: blob.path, to: target) }
            }
        }
        let directory = models.appendingPathComponent("manifests/\(host)/\(namespace)/\(name)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        try model.manifest.write(to: directory.appendingPathComponent(tag))
    }
}
