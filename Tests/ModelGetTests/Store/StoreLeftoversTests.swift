import Foundation
import XCTest
@testable import ModelGet

/// modelget's own leftovers (`.modelget/`), the store lock, the pinned
/// digest and the models directory choice, on hand-made stores.
final class StoreLeftoversTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore { ModelStore(root: root) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("leftovers-\(UUID().uuidString)")
        try store.prepare()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func write(_ text: String, _ path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    private func blob(_ text: String) throws -> Descriptor {
        let digest = try Digest(hex: SHA256Hasher.hex(of: Data(text.utf8)))
        try write(text, store.blobPath(digest))
        return Descriptor(mediaType: MediaType.ollamaModel, digest: digest, size: Int64(text.utf8.count))
    }

    private func manifestJSON(_ blobs: [Descriptor]) -> String {
        let items = blobs.map { "{\"mediaType\":\"\($0.mediaType)\",\"digest\":\"\($0.digest)\",\"size\":\($0.size)}" }
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":\(items[0]),\"layers\":[\(items.dropFirst().joined(separator: ","))]}"
    }

    func testAPartialWhoseLockIsHeldIsNeverTouched() throws {
        let digest = try Digest(hex: String(repeating: "c", count: 64))
        try write("bytes", store.partialPath(digest))
        try write("{}", store.partialStatePath(digest))
        try write("{}", store.partialsDirectory + "/.\(digest.fileName).json.tmp-1-2")
        let held = try XCTUnwrap(FileLock.exclusiveIfFree(store.partialPath(digest), create: false))
        let kept = try store.prune(partialAge: 0)
        XCTAssertEqual(kept.stalePartials.map(\.name), [], "a live download's files stay, whatever --partial-age")
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.partialStatePath(digest)))
        held.release()
        let removed = try store.prune(partialAge: 0)
        XCTAssertEqual(Set(removed.stalePartials.map(\.name)),
                       [".modelget/partial/\(digest.fileName)", ".modelget/partial/\(digest.fileName).json",
                        ".modelget/partial/.\(digest.fileName).json.tmp-1-2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(digest)))
    }

    func testAnOldPartialTakesItsNewerPartStateAlong() throws {
        let digest = try Digest(hex: String(repeating: "e", count: 64))
        try write("bytes", store.partialPath(digest))
        let old = Date().addingTimeInterval(-7200)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: store.partialPath(digest))
        try write("{}", store.partialStatePath(digest))
        let listed = try store.prune(partialAge: 3600, dryRun: true)
        XCTAssertEqual(listed.stalePartials.map(\.name),
                       [".modelget/partial/\(digest.fileName).json", ".modelget/partial/\(digest.fileName)"],
                       "the part state goes first and is listed once")
        _ = try store.prune(partialAge: 3600)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialStatePath(digest)),
                       "a part state must not outlive its partial file: it would describe the next one")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(digest)))
    }

    func testTemporaryManifestsOfALiveWriterStay() throws {
        try write("{}", store.temporaryDirectory + "/.latest.tmp-\(getpid())-1")
        try write("{}", store.temporaryDirectory + "/.latest.tmp-999999999-1")
        let result = try store.prune(partialAge: 0)
        XCTAssertEqual(result.stalePartials.map(\.name), [".modelget/tmp/.latest.tmp-999999999-1"])
    }

    func testStaleCopyScratchIsRemovedAndALiveOneKept() throws {
        try write(String(repeating: "x", count: 1000), store.stateDirectory + "/copy-1-2/blobs/sha256-" + String(repeating: "d", count: 64))
        try write("", store.stateDirectory + "/copy-1-2/.lock")
        let live = try store.makeScratchDirectory()
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.stateDirectory + "/copy-1-2"), "the next copy removes a killed one's scratch")
        try write("", store.stateDirectory + "/copy-3-4/.lock")
        let result = try store.prune(partialAge: 3600)
        XCTAssertEqual(result.stalePartials.map(\.name), [".modelget/copy-3-4"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.url.path), "a running copy's scratch stays")
        live.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: live.url.path))
    }

    func testPruneAndRemoveKeepBlobsWhileAPullHoldsTheStoreLock() async throws {
        let config = try blob("{}"), own = try blob("own"), fetched = try blob("fetched by a running pull")
        try write(manifestJSON([config, own]), store.manifestsDirectory + "/registry.ollama.ai/library/a/latest")
        try await store.whileWriting { _ in
            // Another process would hold it; in this process a second open file conflicts the same way.
            let pruned = try store.prune()
            XCTAssertTrue(pruned.keptForRunningPull)
            XCTAssertEqual(pruned.unreferencedBlobs.count, 0)
            let removed = try store.remove(Reference(parsing: "a"))
            XCTAssertTrue(removed.keptForRunningPull)
            XCTAssertEqual(removed.removedBlobs.count, 0)
        }
        XCTAssertTrue(store.hasBlob(fetched) && store.hasBlob(own))
        let pruned = try store.prune()
        XCTAssertEqual(Set(pruned.unreferencedBlobs.map(\.digest)), [config.digest, own.digest, fetched.digest])
    }

    /// A lease opens only its own store's doors, and only while its
    /// `whileWriting` runs: a manifest or a blob never lands in a store
    /// whose lock the writer does not hold.
    func testALeaseOfAnotherStoreOrOfAReleasedLockOpensNoDoor() async throws {
        let other = ModelStore(root: root.appendingPathComponent("other"))
        try other.prepare()
        let reference = try Reference(parsing: "a")
        let writer = try HashingFileWriter(creating: other.temporaryDirectory + "/b", in: other)
        try Data("b".utf8).withUnsafeBytes { try writer.append($0) }
        let written = try writer.finish()
        writer.close()
        let blob = Descriptor(mediaType: "application/octet-stream", digest: written.digest, size: 1)
        let store = self.store
        try await store.whileWriting { lease in
            XCTAssertThrowsError(try other.writeManifest(Data("{}".utf8), for: reference, under: lease)) { error in
                XCTAssertTrue("\(error)".contains("under the store lock of \(store.root.path)"), "\(error)")
            }
            XCTAssertThrowsError(try other.adoptBlob(written, as: blob, under: lease))
            do {
                _ = try await other.openBlobWriter(for: blob, under: lease)
                XCTFail("a writer opened under another store's lease")
            } catch {
                XCTAssertTrue("\(error)".contains("a modelget bug"), "\(error)")
            }
        }
        let released = try await other.whileWriting { $0 }
        XCTAssertThrowsError(try other.writeManifest(Data("{}".utf8), for: reference, under: released)) { error in
            XCTAssertTrue("\(error)".contains("after the store lock was released"), "\(error)")
        }
        XCTAssertThrowsError(try other.adoptBlob(written, as: blob, under: released))
        XCTAssertNil(other.existingManifestPath(reference))
        XCTAssertFalse(other.hasBlob(blob))
        XCTAssertTrue(FileIO.isRegularFile(written.path), "the file was not moved")
    }

    /// `cp` looks for the source's blobs and names them under the store
    /// lock: a blob an `rm` removed while `cp` waited for the lock makes the
    /// copy fail in one line instead of naming a missing blob.
    func testCopyingANameNeverNamesABlobRemovedWhileItWaited() async throws {
        let config = try blob("{}"), weights = try blob("weights")
        try write(manifestJSON([config, weights]), store.manifestsDirectory + "/registry.ollama.ai/library/a/latest")
        let store = self.store
        let source = try Reference(parsing: "a"), target = try Reference(parsing: "b")
        // What `rm` and `prune` hold while they delete.
        let deleting = try XCTUnwrap(store.lockForDeleting())
        let copying = Task { try await store.tag(source, as: target) }
        // Time for `cp` to read the source and reach the lock.
        try await Task.sleep(nanoseconds: 500_000_000)
        try FileManager.default.removeItem(atPath: store.blobPath(weights.digest))
        deleting.release()
        do {
            _ = try await copying.value
            XCTFail("copied a model whose blob was removed")
        } catch {
            XCTAssertTrue("\(error)".contains("lacks 1 of its blobs"), "\(error)")
        }
        XCTAssertNil(store.modelIfPresent(target))
    }

    func testRemoveCountsOnlyBlobsThatWerePresent() throws {
        let config = try blob("{}"), present = try blob("present")
        let absent = Descriptor(mediaType: MediaType.ollamaLicense, digest: try Digest(hex: String(repeating: "e", count: 64)), size: 1 << 30)
        try write(manifestJSON([config, present, absent]), store.manifestsDirectory + "/registry.ollama.ai/library/a/latest")
        let removed = try store.remove(Reference(parsing: "a"))
        XCTAssertEqual(removed.freedBytes, config.size + present.size)
        XCTAssertEqual(removed.removedBlobs.map(\.digest), [config.digest, present.digest])
    }

    func testPinnedDigestMustBeTheStoredManifests() throws {
        let config = try blob("{}"), weights = try blob("w")
        let text = manifestJSON([config, weights])
        try write(text, store.manifestsDirectory + "/registry.ollama.ai/library/a/latest")
        let actual = SHA256Hasher.hex(of: Data(text.utf8))
        XCTAssertEqual(try store.model(Reference(parsing: "a:latest@sha256:\(actual)")).manifestDigest.hex, actual)
        let wrong = String(repeating: "f", count: 64)
        XCTAssertThrowsError(try store.remove(Reference(parsing: "a:latest@sha256:\(wrong)"))) { error in
            XCTAssertTrue("\(error)".contains("no such model"), "\(error)")
        }
        XCTAssertThrowsError(try store.resolvedManifestPath(Reference(parsing: "a:latest@sha256:\(wrong)")))
        XCTAssertNotNil(store.modelIfPresent(try Reference(parsing: "a")), "the model is still there")
    }

    func testNamesResolveCaseInsensitivelyAndKeepTheirCase() async throws {
        let config = try blob("{}"), weights = try blob("w")
        let text = manifestJSON([config, weights])
        let typed = try Reference(parsing: "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")
        let store = self.store
        try await store.whileWriting { lease in try store.writeManifest(Data(text.utf8), for: typed, under: lease) }
        XCTAssertTrue(FileIO.isRegularFile(store.manifestsDirectory + "/hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF/Q4_K_M"))
        let lower = try Reference(parsing: "HF.CO/Bartowski/llama-3.2-1b-instruct-gguf:q4_k_m")
        XCTAssertEqual(try store.model(lower).displayName, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")
        try await store.whileWriting { lease in try store.writeManifest(Data(text.utf8), for: lower, under: lease) }
        XCTAssertEqual(try store.catalog().models.count, 1, "a re-pull in other case rewrites the same file, as ollama does")
    }

    func testAnUnreadableManifestStopsDeletion() throws {
        let catalog = StoreCatalog(models: [], unreadable: [UnreadableManifest(path: "/x", reason: "Permission denied", blocksDeletion: true)])
        XCTAssertEqual(catalog.unknownNeeds?.path, "/x")
    }

    func testOllamaModelsIsTrimmedAsOllamaTrimsIt() {
        XCTAssertEqual(ModelsDirectory.trimmed("  \"/srv/models\" \n"), "/srv/models")
        XCTAssertEqual(ModelsDirectory.trimmed("'\"/srv/models'\""), "/srv/models")
        XCTAssertEqual(ModelsDirectory.choose(explicit: nil, environment: ["OLLAMA_MODELS": " '/srv/m' ", "HOME": "/h"]).root.path, "/srv/m")
        XCTAssertEqual(ModelsDirectory.choose(explicit: nil, environment: ["OLLAMA_MODELS": "  ", "HOME": "/h"], serviceStore: "/nonexistent").root.path,
                       "/h/.ollama/models")
        XCTAssertEqual(ModelsDirectory.choose(explicit: "/x", environment: ["OLLAMA_MODELS": "/y"]).root.path, "/x")
    }

    func testTheServiceStoreIsUsedWhenOnlyItExists() throws {
        let home = root.appendingPathComponent("home").path
        let service = root.appendingPathComponent("service").path
        try FileManager.default.createDirectory(atPath: service, withIntermediateDirectories: true)
        let chosen = ModelsDirectory.choose(explicit: nil, environment: ["HOME": home], serviceStore: service)
        XCTAssertEqual(chosen.root.path, service)
        XCTAssertTrue(chosen.note?.contains(service) == true)
        try FileManager.default.createDirectory(atPath: home + "/.ollama/models", withIntermediateDirectories: true)
        let own = ModelsDirectory.choose(explicit: nil, environment: ["HOME": home], serviceStore: service)
        XCTAssertEqual(own.root.path, home + "/.ollama/models")
        XCTAssertNil(own.note)
    }

    func testRootWritesIntoAnotherUsersStoreAsThatUser() async throws {
        try XCTSkipUnless(geteuid() == 0, "needs root")
        let models = root.appendingPathComponent("service-store")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        XCTAssertEqual(chown(models.path, 65534, 65534), 0)
        let service = ModelStore(root: models)
        try service.prepare()
        let reference = try Reference(parsing: "hf.co/User/Repo:Q4")
        try await service.whileWriting { lease in try service.writeManifest(Data("{}".utf8), for: reference, under: lease) }
        let digest = try Digest(hex: SHA256Hasher.hex(of: Data("b".utf8)))
        let writer = try HashingFileWriter(creating: service.temporaryDirectory + "/b", in: service)
        try Data("b".utf8).withUnsafeBytes { try writer.append($0) }
        let written = try writer.finish()
        writer.close()
        let blob = Descriptor(mediaType: "application/octet-stream", digest: digest, size: 1)
        let adopted = try await service.whileWriting { lease in try service.adoptBlob(written, as: blob, under: lease) }
        XCTAssertTrue(adopted)
        for path in ["blobs", "manifests/hf.co", "manifests/hf.co/User/Repo", "manifests/hf.co/User/Repo/Q4", ".modelget/tmp",
                     "blobs/" + digest.fileName] {
            var info = stat()
            XCTAssertEqual(stat(models.path + "/" + path, &info), 0, path)
            XCTAssertEqual(info.st_uid, 65534, "\(path) belongs to the store's owner")
        }
    }
}
