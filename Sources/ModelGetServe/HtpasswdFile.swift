import Foundation
import HummingbirdBcrypt
import ModelGet
import Synchronization

/// Users and bcrypt hashes from an htpasswd file (`user:$2y$…` lines, as
/// `htpasswd -B` writes them), checking HTTP Basic credentials. A checked
/// user/password pair is remembered (by its SHA-256) so that the bcrypt
/// cost is paid once per client, not once per request.
final class HtpasswdFile: Sendable {
    private let hashes: [String: String]
    private let accepted = Mutex<Set<String>>([])

    /// Reads `path`; throws a usage error for a file with no bcrypt entry.
    init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ModelGetError.fileSystem(path: path, reason: "cannot read the htpasswd file")
        }
        var hashes: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let colon = trimmed.firstIndex(of: ":") else { continue }
            let hash = String(trimmed[trimmed.index(after: colon)...])
            guard ["$2y$", "$2b$", "$2a$"].contains(where: hash.hasPrefix) else {
                throw ModelGetError.usage("\(path): user \"\(trimmed[..<colon])\" has no bcrypt hash; create entries with htpasswd -B")
            }
            // $2y$ is $2b$ under another name (PHP's); the C code knows only a and b.
            hashes[String(trimmed[..<colon])] = hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
        }
        guard !hashes.isEmpty else { throw ModelGetError.usage("\(path): no users in the htpasswd file") }
        self.hashes = hashes
    }

    /// True when `authorization` is `Basic <base64 user:password>` for a
    /// user of the file with that password.
    func accepts(authorization: String?) async -> Bool {
        guard let authorization, authorization.count < 4096,
              authorization.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return false }
        let user = String(pair[..<colon]), password = String(pair[pair.index(after: colon)...])
        guard let hash = hashes[user] else { return false }
        let key = SHA256Hasher.hex(of: Data((user + "\u{0}" + password + "\u{0}" + hash).utf8))
        if accepted.withLock({ $0.contains(key) }) { return true }
        let ok = (try? await BlockingWork.run { Bcrypt.verify(password, hash: hash) }) ?? false
        if ok { accepted.withLock { _ = $0.insert(key) } }
        return ok
    }
}
