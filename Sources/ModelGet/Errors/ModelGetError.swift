import Foundation

/// Every failure modelget reports. Each description is the one-line
/// message a user sees: it names what failed and why, and never carries a
/// credential or token. Whatever a case holds, the description is one line
/// of bounded length with control characters escaped and every URL in it
/// redacted (`DisplayText.line`, `URLRedaction`).
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
    /// Found before the first byte: the blobs still missing need more than the file system has free.
    case notEnoughSpace(path: String, needed: Int64, free: Int64, prunable: Int64)
    case cancelled
    /// Ctrl-C or SIGTERM stopped a command; what it kept is for the next run.
    case interrupted
    case usage(String)
    case modelNotFound(reference: String)
    case noSuchLayer(model: String, wanted: String, available: [String])
    case invalidSyncFile(path: String, line: Int?, field: String?, reason: String)
    case mirrorUnavailable
    case nestedRepository(reference: String)
    case storeUnreadable(path: String, reason: String)
    case unusableKey(path: String, reason: String)
    case keyNotRegistered(registry: String, publicKey: String, whereToAdd: String)
    case invalidSafetensors(source: String, reason: String)
    case tensorModelNeedsFolder(model: String, tensorLayers: Int)
    case invalidTensorModel(model: String, reason: String)
    /// An archive member (a layer entry, an import member) modelget will not write.
    case unsafeArchiveEntry(archive: String, entry: String, reason: String)
    /// An archive (a layer, an image archive) that cannot be read or fails its checks.
    case invalidArchive(archive: String, reason: String)
    /// `extract` into a directory that already holds files, without `--force`.
    case destinationNotEmpty(path: String)
    /// An archive (an image's layers, an import) that unpacks to more than `limit` bytes (`ExpansionLimit`).
    case expansionLimitExceeded(what: String, limit: Int64, basis: String)
    case listenFailed(address: String, reason: String)
    case responseTooLarge(what: String, url: String, limit: Int)
    /// A request that cannot be sent as written: a header that is not one
    /// clean line, or a URL with a control character or a space in it.
    case malformedRequest(url: String, what: String)
    /// A header a server sent, needed for the next request, that holds a control character.
    case malformedServerHeader(url: String, header: String)
    /// A blob that took `fetched` bytes over the network without completing (a server that restarts or cuts it every time).
    case fetchBudgetExceeded(digest: String, fetched: Int64, size: Int64)
    /// A connection that cannot be made as configured, which retrying does
    /// not change: an untrusted certificate, a missing client certificate,
    /// a proxy that refuses its credentials.
    case connectionSetup(url: String, reason: String)
    /// A name registries.conf blocks (`blocked = true`).
    case registryBlocked(reference: String, by: String)
    /// A configuration file (registries.conf and its drop-ins) that cannot be used.
    case invalidConfiguration(path: String, reason: String)
    /// The other side failed for the whole retry window, or never answered.
    case unreachable(Outage)

    public var description: String {
        DisplayText.line(URLRedaction.redactURLs(in: message))
    }

    /// The message before it is made safe to print.
    private var message: String {
        switch self {
        case let .invalidReference(ref, reason):
            return "invalid reference \"\(ref)\": \(reason)"
        case let .invalidDigest(digest):
            return "invalid digest \"\(digest.prefix(80))\": want sha256: followed by 64 lowercase hex digits"
        case let .insecureRegistry(host):
            return "\(host) is plain HTTP; pass --insecure to allow it"
        case let .network(url, reason):
            return "\(URLRedaction.redact(url)): \(reason)"
        case let .http(status, url, code, message):
            var line = "\(URLRedaction.redact(url)): HTTP \(status)"
            if let code { line += " \(code)" }
            if let message, !message.isEmpty { line += ": \(message)" }
            if status == 412 {
                line += " (412: the registry refuses this model to this client, usually because it needs a newer ollama"
                    + " or another OS; it decides from the User-Agent, which MODELGET_USER_AGENT sets)"
            }
            return line
        case let .authenticationFailed(host, reason):
            return "authentication to \(host) failed: \(reason)"
        case let .insecureCredentialExchange(realm, reason):
            return "refusing token exchange with \(URLRedaction.redact(realm)): \(reason)"
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
            return DiskSpace.fullMessage(path: path, needed: needed)
        case let .notEnoughSpace(path, needed, free, prunable):
            return "needs \(ProgressFormat.binaryBytes(needed)), \(ProgressFormat.binaryBytes(free)) free on \(path)"
                + (prunable > 0 ? "; `modelget prune` would free \(ProgressFormat.binaryBytes(prunable))" : "")
                + " (--no-space-check to try anyway)"
        case .cancelled:
            return "cancelled"
        case .interrupted:
            return "interrupted; run the same command to resume"
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
        case let .nestedRepository(reference):
            return "\(reference): ollama's store keeps only host/namespace/model, so a nested repository would be "
                + "listed by nobody and its blobs pruned by ollama; store it under another name with --as HOST/NAMESPACE/MODEL[:TAG]"
        case let .storeUnreadable(path, reason):
            return "\(path): \(reason); no blob deleted, since it may need any of them (fix its permissions or run as the store's owner)"
        case let .unusableKey(path, reason):
            return "key \(path): \(reason)"
        case let .keyNotRegistered(registry, publicKey, whereToAdd):
            return "the key is not registered with \(registry): add \(publicKey) at \(whereToAdd)"
        case let .invalidSafetensors(source, reason):
            return "\(source): not a valid safetensors file: \(reason)"
        case let .tensorModelNeedsFolder(model, tensorLayers):
            return "\(model) is a tensor model (\(tensorLayers) safetensors layers), not one GGUF file; use -o DIR/ to write it as a diffusers folder"
        case let .invalidTensorModel(model, reason):
            return "\(model): \(reason)"
        case let .unsafeArchiveEntry(archive, entry, reason):
            return "\(archive): refusing entry \"\(DisplayText.line(String(entry), limit: 200))\": \(reason); nothing was written"
        case let .invalidArchive(archive, reason):
            return "\(archive): \(reason)"
        case let .destinationNotEmpty(path):
            return "\(path) exists and is not empty; pass --force to replace it"
        case let .expansionLimitExceeded(what, limit, basis):
            return "\(what) unpacks to more than \(ProgressFormat.bytes(limit)) (\(limit) bytes), the limit (\(basis)); "
                + "nothing was kept; --max-bytes raises it"
        case let .listenFailed(address, reason):
            return "cannot listen on \(address): \(reason)"
        case let .responseTooLarge(what, url, limit):
            return "\(URLRedaction.redact(url)): the \(what) is larger than \(limit) bytes; refusing it"
        case let .malformedRequest(url, what):
            return "refusing to send a request to \(URLRedaction.redact(url)): \(what) holds a line break or another control character"
        case let .malformedServerHeader(url, header):
            return "\(URLRedaction.redact(url)): refusing the \(header) header the server sent: it holds a line break or another control character"
        case let .fetchBudgetExceeded(digest, fetched, size):
            return "gave up on \(digest): fetched \(fetched) bytes for a \(size)-byte blob without completing it (the server keeps cutting or restarting it)"
        case let .connectionSetup(url, reason):
            return "\(URLRedaction.redact(url)): \(reason)"
        case let .registryBlocked(reference, files):
            return "\(reference) is blocked (blocked = true in \(files.isEmpty ? "registries.conf" : files))"
        case let .invalidConfiguration(path, reason):
            return "\(path): \(reason)"
        case let .unreachable(outage):
            return outage.message
        }
    }

    /// A host that failed (`reason`) from `since` for the whole retry
    /// `window`; with no window, one that never answered at all (a typo, a
    /// registry not running), `url` being what was asked.
    public struct Outage: Equatable, Sendable {
        public var host: String
        public var url: String
        public var since: Date
        public var reason: String
        public var window: TimeInterval?
        /// What arrived stays for the next run (false: it starts again, as `extract` does).
        public var partialKept = true

        public init(host: String, url: String, since: Date, reason: String, window: TimeInterval?) {
            self.host = host
            self.url = url
            self.since = since
            self.reason = reason
            self.window = window
        }

        var message: String {
            guard let window else {
                // A refused or timed-out connect already says what to check.
                let hint = reason.hasSuffix(")") ? "" : " (check the name, and that the registry is running)"
                return "\(URLRedaction.redact(url)): \(reason); nothing has answered at \(host)\(hint)"
            }
            return "\(host) unreachable since \(Self.clockTime(since)) (\(reason)); gave up after the \(ProgressFormat.duration(window)) "
                + "retry window (--retry-window); "
                + (partialKept ? "the partial transfer is kept: run the same command to resume" : "run the same command to start again")
        }

        /// `18:42:05`, local time.
        private static func clockTime(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "HH:mm:ss"
            return formatter.string(from: date)
        }
    }
}
