import Foundation

/// Where a blob is downloaded on its way to a file or stream of the
/// user's when the models directory is not to keep it (`blob` export): a
/// store of its own, laid out like any other (so the fetch engine and the
/// `BlobWriter` work the same), either `<dir>/.modelget-partial/` beside
/// the output file (left while unfinished, so a second run resumes) or a
/// private `mkdtemp` directory for a stream (always removed).
struct StagingArea: Sendable {
    /// The staging store; blobs are downloaded into it.
    let store: ModelStore
    private let removeAlways: Bool

    /// The hidden directory beside `file` where its download collects.
    static func directory(beside file: String) -> String {
        FilePlacement.directory(of: file) + "/.modelget-partial"
    }

    /// The staging area beside `file` (see `directory(beside:)`), made ready.
    static func beside(_ file: String) throws -> StagingArea {
        let area = StagingArea(store: ModelStore(root: URL(fileURLWithPath: directory(beside: file))), removeAlways: false)
        try area.store.prepare()
        return area
    }

    /// A new directory only this user can enter, under the temporary directory.
    static func temporary() throws -> StagingArea {
        var template = Array((NSTemporaryDirectory() + "/modelget-stream-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileIO.error(NSTemporaryDirectory())
        }
        let area = StagingArea(store: ModelStore(root: URL(fileURLWithPath: String(cString: made))), removeAlways: true)
        do {
            try area.store.prepare()
        } catch {
            area.remove()
            throw error
        }
        return area
    }

    /// Moves the downloaded, verified blob to `file` (atomically, durably)
    /// and removes the staging folders that are left empty.
    func deliver(_ descriptor: Descriptor, to file: String) throws {
        try FilePlacement.commit(store.blobPath(descriptor.digest), to: file)
        store.removeEmptyLayout()
    }

    /// After a failed download beside a file: the blob's partial file goes
    /// when the next run would keep none of its bytes (emptied after a
    /// digest mismatch, or failed before its first byte was recorded), and
    /// then the folders left empty; a partial download worth resuming stays.
    func abandon(_ blob: Descriptor) {
        store.removePartialWithNothingToKeep(blob)
        remove()
    }

    /// Removes the staging area when it is a temporary one; one beside a
    /// file only loses its folders that are empty (a partial download stays).
    func remove() {
        if removeAlways {
            try? FileManager.default.removeItem(at: store.root)
        } else {
            store.removeEmptyLayout()
        }
    }
}

extension ModelStore {
    /// Puts a verified copy of the stored blob at `file` (see `FilePlacement.place`).
    func placeBlob(_ descriptor: Descriptor, at file: String, allowHardLink: Bool) throws -> PlacementMethod {
        try FilePlacement.place(blobPath(descriptor.digest), digest: descriptor.digest, at: file, allowHardLink: allowHardLink)
    }

    /// Writes the stored blob to `fd`, verified before and while it is sent
    /// (see `FilePlacement.send`); a blob that is a symbolic link is read
    /// through only when `followingLinks`.
    func sendBlob(_ descriptor: Descriptor, to fd: Int32, followingLinks: Bool = true) throws {
        try FilePlacement.send(blobPath(descriptor.digest), digest: descriptor.digest, to: fd, followingLinks: followingLinks)
    }
}
