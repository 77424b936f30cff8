import Foundation

extension ModelStore {
    /// Where modelget keeps its own working state, beside Ollama's
    /// `blobs/` and `manifests/` (Ollama ignores it).
    public var stateDirectory: String { root.path + "/.modelget" }

    /// The file that remembers the newest URL of an unfinished chunked
    /// upload of `digest` to `host`/`repository`, so a re-run continues it:
    /// `.modelget/uploads/<host>/<repository>/sha256-<hex>`.
    public func uploadSessionPath(host: String, repository: String, digest: Digest) -> String {
        stateDirectory + "/uploads/" + host + "/" + repository + "/" + digest.fileName
    }

    /// A fresh directory for blobs that pass through on their way to
    /// another registry (`modelget copy` without `--keep`).
    func makeScratchDirectory() throws -> URL {
        let url = URL(fileURLWithPath: stateDirectory + "/copy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileIO.makeDirectories(url.path)
        return url
    }
}
