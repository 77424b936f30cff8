// `@testable` needs a debug build: a release build (the bench, `make demo`)
// builds every product and gets the stub in SeededDriver.swift instead.
#if DEBUG
import Foundation
@testable import ModelGet

/// One parser of untrusted input, fed arbitrary bytes. Besides "never
/// crash, never hang", each checks a property of what it accepts; a broken
/// property is a `FuzzFinding` (libFuzzer reports it as a crash).
struct FuzzTarget: Sendable {
    /// The name on the command line and of its corpus folder.
    let name: String
    /// Runs one input.
    let run: @Sendable (Data) throws -> Void

    /// Every target, in the order `make fuzz` runs them.
    static let all: [FuzzTarget] = [reference, manifest, authChallenge, syncFile, contentRange, uploadLocation]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// `[scheme://][host/][namespace/]name[:tag][@digest]`: what parses
    /// prints as a reference that parses back to the same thing (but for
    /// the scheme, which `description` leaves out).
    static let reference = FuzzTarget(name: "reference") { data in
        guard let text = String(data: data, encoding: .utf8), var parsed = try? Reference(parsing: text) else { return }
        parsed.scheme = nil
        let again = try Reference(parsing: parsed.description)
        try expect(again == parsed, "\(parsed.description) parses back as \(again.description)")
        try expect(parsed.displayName.count <= text.count + 64, "display name longer than the input")
    }

    /// Manifests and indexes: what decodes has sizes a total can hold.
    static let manifest = FuzzTarget(name: "manifest") { data in
        for contentType in [nil, MediaType.ociIndex] {
            guard let (document, _) = try? ManifestDocument.decode(data, contentType: contentType) else { continue }
            switch document {
            case let .image(manifest):
                let all = [manifest.config] + manifest.layers
                try expect(all.allSatisfy { (0...Descriptor.maximumSize).contains($0.size) }, "a size out of range was accepted")
                try expect(all.totalSize <= Descriptor.maximumSize, "blobs add up past the limit")
                _ = ModelInfo(name: "x", manifestDigest: manifest.config.digest, layers: manifest.layers, config: manifest.config).totalSize
            case let .index(index):
                try expect(index.manifests.allSatisfy { (0...Descriptor.maximumSize).contains($0.size) }, "a size out of range was accepted")
            }
        }
    }

    /// `WWW-Authenticate`: any header parses, to schemes that are tokens.
    static let authChallenge = FuzzTarget(name: "auth-challenge") { data in
        let header = String(decoding: data, as: UTF8.self)
        for challenge in AuthChallenge.parse([header, header + ", " + header]) {
            try expect(!challenge.scheme.isEmpty && !challenge.scheme.contains(" "), "scheme \"\(challenge.scheme)\"")
            try expect(challenge.scheme == challenge.scheme.lowercased(), "scheme not lowercased")
        }
    }

    /// Sync files: refused with an error naming the file, or accepted.
    static let syncFile = FuzzTarget(name: "sync-file") { data in
        do {
            let file = try SyncFile.parse(data, path: "/fuzz/models.json")
            try expect(file.concurrency.map { (1...1024).contains($0) } ?? true, "concurrency \(file.concurrency ?? 0) accepted")
        } catch let error as ModelGetError {
            try expect(error.description.hasPrefix("/fuzz/models.json"), "error does not name the file: \(error)")
            try expect(!error.description.contains("\n"), "error spans lines")
        }
    }

    /// `Content-Range` of a 206 and the `Range` an upload session reports.
    static let contentRange = FuzzTarget(name: "content-range") { data in
        let text = String(decoding: data, as: UTF8.self)
        if let range = ContentRange(text) {
            try expect(range.start >= 0 && range.start <= range.end, "range \(range.start)-\(range.end)")
            try expect(range.total.map { $0 > range.end } ?? true, "end \(range.end) not below total \(range.total ?? 0)")
        }
        if let uploaded = RegistryClient.uploadedBytes(range: text) {
            try expect(uploaded >= 0, "uploaded \(uploaded)")
        }
    }

    /// Upload `Location`: resolved to an http(s) URL with a host, or refused.
    static let uploadLocation = FuzzTarget(name: "upload-location") { data in
        let text = String(decoding: data, as: UTF8.self)
        let base = URL(string: "https://registry.example:5000/v2/team/model/blobs/uploads/?_state=abc")!
        guard let url = UploadLocation.resolve(text, against: base) else { return }
        try expect(["http", "https"].contains(url.scheme?.lowercased() ?? ""), "scheme of \(url)")
        try expect(url.host?.isEmpty == false, "no host in \(url)")
        try expect(url.fragment == nil, "fragment kept in \(url)")
        let digest = try Digest("sha256:" + String(repeating: "a", count: 64))
        let committed = UploadLocation.appendingDigest(digest, to: url)
        try expect(committed.absoluteString.contains("digest=" + digest.description), "digest not appended to \(url)")
        try expect(!URLRedaction.redact(url.absoluteString).contains("?"), "query survives redaction")
    }

    private static func expect(_ condition: Bool, _ what: @autoclosure () -> String) throws {
        if !condition { throw FuzzFinding(description: what()) }
    }
}

/// A property a target checks did not hold.
struct FuzzFinding: Error, CustomStringConvertible {
    var description: String
}
#endif
