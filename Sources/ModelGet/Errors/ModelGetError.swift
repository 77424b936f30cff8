/// Every failure modelget reports. Each description is the one-line
/// message a user sees: it names what failed and why, and never carries a
/// credential or token.
public enum ModelGetError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidReference(String, reason: String)
    case invalidDigest(String)
    case insecureRegistry(host: String)
    case network(url: String, reason: String)
    case http(status: Int, url: String, code: String?, message: String?)
    case authenticationFailed(host: String, reason: String)
    case insecureCredentialExchange(realm: String, reason: String)
    case manifestTooLarge(limit: Int)
    case invalidManifest(reason: String)
    case manifestUnknown(reference: String)
    case noMatchingPlatform(wanted: String, available: [String])
    case digestMismatch(digest: String, actual: String)
    case sizeMismatch(digest: String, expected: Int64, actual: Int64)
    case fileSystem(path: String, reason: String)
    case diskFull(path: String, needed: Int64)
    case cancelled
    case usage(String)
    case modelNotFound(reference: String)
    case noSuchLayer(model: String, wanted: String, available: [String])
    case invalidSyncFile(path: String, line: Int?, field: String?, reason: String)
    case mirrorUnavailable
    /// A blob that took `fetched` bytes over the network without completing (a server that restarts or cuts it every time).
    case fetchBudgetExceeded(digest: String, fetched: Int64, size: Int64)

    public var description: String {
        switch self {
        case let .invalidReference(ref, reason):
            return "invalid reference \"\(ref)\": \(reason)"
        case let .invalidDigest(digest):
            return "invalid digest \"\(digest.prefix(80))\": want sha256: followed by 64 lowercase hex digits"
        case let .insecureRegistry(host):
            return "\(host) is plain HTTP; pass --insecure to allow it"
        case let .network(url, reason):
            return "\(url): \(reason)"
        case let .http(status, url, code, message):
            var line = "\(url): HTTP \(status)"
            if let code { line += " \(code)" }
            if let message, !message.isEmpty { line += ": \(message)" }
            return line
        case let .authenticationFailed(host, reason):
            return "authentication to \(host) failed: \(reason)"
        case let .insecureCredentialExchange(realm, reason):
            return "refusing token exchange with \(realm): \(reason)"
        case let .manifestTooLarge(limit):
            return "manifest is larger than \(limit) bytes; refusing to parse it"
        case let .invalidManifest(reason):
            return "invalid manifest: \(reason)"
        case let .manifestUnknown(reference):
            return "\(reference): manifest not found (no such model or tag)"
        case let .noMatchingPlatform(wanted, available):
            return "no manifest for platform \(wanted); available: \(available.joined(separator: ", "))"
        case let .digestMismatch(digest, actual):
            let expected = digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest
            return "digest mismatch for \(digest): expected sha256 \(expected), the bytes received hash to \(actual)"
        case let .sizeMismatch(digest, expected, actual):
            return "size mismatch for \(digest): expected \(expected) bytes, got \(actual)"
        case let .fileSystem(path, reason):
            return "\(path): \(reason)"
        case let .diskFull(path, needed):
            return "\(path): no space left on device (\(needed) more bytes needed)"
        case .cancelled:
            return "cancelled"
        case let .usage(message):
            return message
        case let .modelNotFound(reference):
            return "\(reference): no such model in the models directory"
        case let .noSuchLayer(model, wanted, available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "\(model) has no layer \(wanted); its layers: \(list)"
        case let .invalidSyncFile(path, line, field, reason):
            var location = path
            if let line { location += ":\(line)" }
            if let field { location += ": \(field)" }
            return "\(location): \(reason)"
        case .mirrorUnavailable:
            return "the sync file names a mirror, but no mirror pusher was given to the syncer"
        case let .fetchBudgetExceeded(digest, fetched, size):
            return "gave up on \(digest): fetched \(fetched) bytes for a \(size)-byte blob without completing it (the server keeps cutting or restarting it)"
        }
    }
}
