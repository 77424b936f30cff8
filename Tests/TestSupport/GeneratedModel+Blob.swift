import Foundation

extension GeneratedModel {
    /// One blob of a generated model: its descriptor fields and the file
    /// holding its bytes.
    public struct Blob: Sendable {
        /// `sha256:<hex>` of the bytes.
        public let digest: String
        /// Length of the bytes.
        public let size: Int64
        /// The media type the manifest gives this blob.
        public let mediaType: String
        /// The file holding the bytes.
        public let path: URL
        /// The layer's `name` field (ollama's tensor and json layers), if any.
        public var name: String? = nil

        /// The 64 hex characters after `sha256:`.
        var hex: String { String(digest.dropFirst("sha256:".count)) }

        /// The manifest descriptor of this blob.
        var descriptor: [String: Any] {
            var fields: [String: Any] = ["mediaType": mediaType, "size": size, "digest": digest]
            if let name { fields["name"] = name }
            return fields
        }
    }
}
