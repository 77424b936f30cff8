import Foundation

/// A manifest body as served, decoded by its own media type.
public enum ManifestDocument: Sendable {
    case image(ImageManifest)
    case index(ImageIndex)

    /// The largest manifest body modelget parses.
    public static let maximumSize = 4 << 20

    /// Decodes a manifest body. The media type comes from the body's
    /// `mediaType` field, else from `contentType`, else from its shape.
    public static func decode(_ data: Data, contentType: String?) throws -> (ManifestDocument, mediaType: String) {
        guard data.count <= maximumSize else { throw ModelGetError.manifestTooLarge(limit: maximumSize) }
        do {
            _ = try JSONPositions(scanning: data, recordingOffsets: false)
        } catch let error as JSONPositions.SyntaxError {
            throw ModelGetError.invalidManifest(reason: "\(error.reason) (at byte \(error.offset))")
        }
        struct Probe: Decodable {
            var schemaVersion: Int?
            var mediaType: String?
            var artifactType: String?
            var manifests: [AnyDecodable]?
            var layers: [AnyDecodable]?
        }
        struct AnyDecodable: Decodable {}
        let probe: Probe
        do {
            probe = try JSONDecoder().decode(Probe.self, from: data)
        } catch {
            throw ModelGetError.invalidManifest(reason: "not a JSON object")
        }
        guard probe.schemaVersion == 2 else {
            throw ModelGetError.invalidManifest(reason: "schemaVersion is \(probe.schemaVersion.map(String.init) ?? "missing"), want 2")
        }
        // The body's own types may be sent back to a registry (a push or
        // copy's manifest `Content-Type`): only well-formed ones go further.
        try validateType(probe.mediaType, of: "the manifest's mediaType")
        try validateType(probe.artifactType, of: "the manifest's artifactType")
        let headerType = contentType.map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) }
        let isIndex: Bool
        let mediaType: String
        if let declared = probe.mediaType {
            mediaType = declared
            isIndex = MediaType.isIndex(declared)
        } else if let headerType, MediaType.manifestTypes.contains(headerType) {
            mediaType = headerType
            isIndex = MediaType.isIndex(headerType)
        } else {
            isIndex = probe.manifests != nil && probe.layers == nil
            mediaType = isIndex ? MediaType.ociIndex : MediaType.ociManifest
        }
        do {
            if isIndex {
                let index = try JSONDecoder().decode(ImageIndex.self, from: data)
                try index.manifests.forEach(validate)
                return (.index(index), mediaType)
            }
            let manifest = try JSONDecoder().decode(ImageManifest.self, from: data)
            try validate(manifest.config)
            try manifest.layers.forEach(validate)
            try validateTotal(manifest)
            return (.image(manifest), mediaType)
        } catch let error as ModelGetError {
            if case .invalidDigest = error { throw ModelGetError.invalidManifest(reason: error.description) }
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw ModelGetError.invalidManifest(reason: describe(context))
        } catch let DecodingError.keyNotFound(key, context) {
            throw ModelGetError.invalidManifest(reason: "missing \"\(key.stringValue)\" at \(path(context))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ModelGetError.invalidManifest(reason: "wrong type at \(path(context))")
        } catch {
            throw ModelGetError.invalidManifest(reason: "\(error)")
        }
    }

    private static func validate(_ descriptor: Descriptor) throws {
        guard descriptor.size >= 0 else {
            throw ModelGetError.invalidManifest(reason: "negative size for \(descriptor.digest)")
        }
        guard descriptor.size <= Descriptor.maximumSize else {
            throw ModelGetError.invalidManifest(
                reason: "size \(descriptor.size) of \(descriptor.digest) is over the limit of \(Descriptor.maximumSize) bytes")
        }
        try validateType(descriptor.mediaType, of: "the mediaType of \(descriptor.digest)")
        try validateType(descriptor.artifactType, of: "the artifactType of \(descriptor.digest)")
    }

    /// Refuses a media type that is not `type/subtype[+suffix][;params]`
    /// (`MediaType.isWellFormed`); nil passes.
    private static func validateType(_ type: String?, of what: String) throws {
        guard let type, !MediaType.isWellFormed(type) else { return }
        throw ModelGetError.invalidManifest(
            reason: "\(what) \"\(type.prefix(80))\" is not a media type (RFC 6838 type/subtype, at most \(MediaType.maximumLength) bytes)")
    }

    /// The blobs of one manifest must add up to at most `Descriptor.maximumSize`,
    /// so no total of one model can overflow.
    private static func validateTotal(_ manifest: ImageManifest) throws {
        var total: Int64 = 0
        for descriptor in [manifest.config] + manifest.layers {
            let (sum, overflow) = total.addingReportingOverflow(descriptor.size)
            guard !overflow, sum <= Descriptor.maximumSize else {
                throw ModelGetError.invalidManifest(reason: "the sizes of its blobs add up to more than \(Descriptor.maximumSize) bytes")
            }
            total = sum
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "top level" : p
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError as? ModelGetError { return underlying.description + " at " + path(context) }
        return context.debugDescription + " at " + path(context)
    }
}
