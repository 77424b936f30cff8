import Foundation
import Synchronization

extension ModelStore {
    /// What verifying found.
    public struct VerifyReport: Sendable {
        /// Models whose blobs were checked.
        public var models: [StoredModel] = []
        /// Distinct blobs checked.
        public var blobsChecked = 0
        /// Bytes re-hashed.
        public var bytesHashed: Int64 = 0
        /// Every blob that is missing or wrong.
        public var problems: [BlobProblem] = []
        /// Manifests that could not be read.
        public var unreadable: [UnreadableManifest] = []

        public var isClean: Bool { problems.isEmpty && unreadable.isEmpty }
    }

    /// Re-hashes every blob `models` name (each distinct blob once,
    /// `concurrency` at a time) and reports each one that is missing, has
    /// the wrong size, or the wrong hash.
    public func verify(_ models: [StoredModel], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) async throws -> VerifyReport {
        var owners: [Digest: (Descriptor, [String])] = [:]
        var order: [Digest] = []
        for model in models {
            for blob in model.manifest.blobs {
                if owners[blob.digest] == nil { order.append(blob.digest); owners[blob.digest] = (blob, []) }
                owners[blob.digest]!.1.append(model.displayName)
            }
        }
        let found = ProblemList()
        let descriptors = order.map { owners[$0]!.0 }
        try await forEachConcurrently(descriptors, limit: concurrency) { blob in
            found.append(blob, kind: try self.check(blob))
        }
        var report = VerifyReport(models: models, blobsChecked: order.count)
        report.bytesHashed = found.hashed
        report.problems = found.problems
            .map { BlobProblem(descriptor: $0.0, kind: $0.1, models: owners[$0.0.digest]!.1) }
            .sorted { order.firstIndex(of: $0.descriptor.digest)! < order.firstIndex(of: $1.descriptor.digest)! }
        return report
    }

    /// nil when the blob is in place and hashes to its digest.
    func check(_ blob: Descriptor) throws -> BlobProblem.Kind? {
        let path = blobPath(blob.digest)
        guard let size = FileIO.size(path) else { return .missing }
        guard size == blob.size else { return .sizeMismatch(actual: size) }
        let hex = try FileIO.hashFile(path).hex
        return hex == blob.digest.hex ? nil : .digestMismatch(actual: hex)
    }
}

/// Problems collected from concurrent checks.
private final class ProblemList: Sendable {
    private let state = Mutex<(problems: [(Descriptor, BlobProblem.Kind)], hashed: Int64)>(([], 0))

    func append(_ blob: Descriptor, kind: BlobProblem.Kind?) {
        state.withLock {
            if let kind { $0.problems.append((blob, kind)) }
            if kind == nil || kind.map({ if case .digestMismatch = $0 { true } else { false } }) == true { $0.hashed += blob.size }
        }
    }

    var problems: [(Descriptor, BlobProblem.Kind)] { state.withLock { $0.problems } }
    var hashed: Int64 { state.withLock { $0.hashed } }
}
