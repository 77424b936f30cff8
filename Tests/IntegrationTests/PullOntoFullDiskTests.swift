import Foundation
import ModelGet
import TestSupport
import XCTest

/// A pull onto a real full filesystem (an 8 MiB tmpfs; needs root, as CI
/// has): a clear error naming the models directory, the space needed and
/// free in human units and the command that frees space, nothing
/// stored under a wrong name, and once there is room the pull completes;
/// `copy --keep` checks the space as a pull does.
final class PullOntoFullDiskTests: XCTestCase {
    /// An 8 MiB tmpfs as the models directory, a registry holding a model
    /// of `layerSizes` as `library/fat` (both gone when the test ends), and
    /// a client of it.
    private struct FullDisk {
        let models: URL, store: ModelStore, model: GeneratedModel, ref: Reference, client: RegistryClient
    }

    private func fullDisk(layerSizes: [Int64], seed: UInt64) throws -> FullDisk {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("full-disk-\(UUID().uuidString)")
        let models = work.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: work) }
        guard Tmpfs.mount(at: models.path, options: "size=8m") else {
            throw XCTSkip("cannot mount a tmpfs here (not root?)")
        }
        addTeardownBlock { Tmpfs.unmount(models.path) }
        let registry = try RegistryProcess()
        addTeardownBlock { registry.stop() }
        let model = try ModelSeeder.ollamaModel(layerSizes: layerSizes, seed: seed, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/fat", tag: "latest")
        let client = try RegistryClient(host: registry.host, scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: ["DOCKER_CONFIG": work.path]))
        return FullDisk(models: models, store: ModelStore(root: models), model: model,
                        ref: try Reference(parsing: "\(registry.host)/library/fat"), client: client)
    }

    func testFullDiskFailsClearlyAndThePullCompletesOnceThereIsRoom() async throws {
        let disk = try fullDisk(layerSizes: [12_000_000, 3_000_000, 500], seed: 9)
        let (models, store, model, ref, client) = (disk.models, disk.store, disk.model, disk.ref, disk.client)
        // Before the first byte: what is missing against the free space, in one line.
        do {
            _ = try await ModelPuller(store: store).pull(ref, client: client)
            XCTFail("a 15 MB model fit on an 8 MiB filesystem")
        } catch let ModelGetError.notEnoughSpace(path, needed, free, _) {
            XCTAssertEqual(path, models.path)
            XCTAssertEqual(needed, model.totalSize, "every blob is missing")
            XCTAssertLessThanOrEqual(free, 8 << 20)
            let line = "\(ModelGetError.notEnoughSpace(path: path, needed: needed, free: free, prunable: 0))"
            XCTAssertTrue(line.hasPrefix("needs 14.3 MiB, ") && line.contains(" free on \(models.path)"), line)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.partialsDirectory), [], "not a byte fetched")

        // Without the check (--no-space-check), the full disk shows at the first blob it cannot hold.
        var unchecked = PullOptions()
        unchecked.transfer.checksFreeSpace = false
        do {
            _ = try await ModelPuller(store: store, options: unchecked).pull(ref, client: client)
            XCTFail("a 15 MB model fit on an 8 MiB filesystem")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.contains("no space left on device in \(models.path): "), "names the models directory: \(message)")
            XCTAssertFalse(message.contains(".modelget"), "not an internal partial path: \(message)")
            XCTAssertNotNil(message.range(of: #"[0-9.]+ (KiB|MiB) more needed for sha256:[0-9a-f]{12}…, [0-9.]+ (B|KiB|MiB) free"#,
                                          options: .regularExpression), message)
            XCTAssertTrue(message.contains("modelget prune frees"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(ref)), "no manifest without its blobs")
        for name in try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory) where !name.contains("partial") {
            let data = try Data(contentsOf: URL(fileURLWithPath: store.blobsDirectory + "/" + name))
            XCTAssertEqual("sha256-" + SHA256Hasher.hex(of: data), name, "a final name always matches its bytes")
        }

        XCTAssertTrue(Tmpfs.mount(at: models.path, options: "remount,size=64m"))
        let result = try await ModelPuller(store: store).pull(ref, client: client)
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)
        for blob in [model.config] + model.layers {
            let data = try Data(contentsOf: URL(fileURLWithPath: store.blobsDirectory + "/sha256-" + blob.digest.dropFirst(7)))
            XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: data), blob.digest)
        }
    }

    /// `copy --keep` pulls into the store as `pull` does: the space for
    /// every blob the store lacks is checked before the first byte (not one
    /// blob at a time), and nothing reaches the destination.
    func testCopyWithKeepChecksTheSpaceForEveryBlobBeforeTheFirstByte() async throws {
        let disk = try fullDisk(layerSizes: [6_000_000, 3_000_000, 500], seed: 10)
        let (models, store, model, source, client) = (disk.models, disk.store, disk.model, disk.ref, disk.client)
        let destination = try Reference(parsing: "\(disk.ref.host)/team/fat")
        do {
            _ = try await ModelCopier(store: store, keep: true).copy(source, from: client, to: destination, client)
            XCTFail("a 9 MB model fit on an 8 MiB filesystem")
        } catch let ModelGetError.notEnoughSpace(path, needed, _, _) {
            XCTAssertEqual(path, models.path)
            XCTAssertEqual(needed, model.totalSize, "every blob is missing, and each one alone would fit")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.partialsDirectory), [], "not a byte fetched")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory), [])
        do {
            _ = try await client.fetchManifest(repository: destination.repository, reference: "latest")
            XCTFail("the destination was given the model")
        } catch {}
    }
}
