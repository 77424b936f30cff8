import Foundation
import HummingbirdBcrypt
import ModelGet
import Synchronization

/// Users and bcrypt hashes from an htpasswd file (`user:$2y$…` lines, as
/// `htpasswd -B` writes them), checking HTTP Basic credentials.
///
/// The file is read again when it changes (checked by `stat` on every
/// use, as docker-registry does), so a removed user or a new password
/// takes effect at once; `fingerprint` changes with it, which ends the
/// signed links handed out before. A name the file does not hold costs a
/// bcrypt check too, so the answer's timing does not tell which users
/// exist. A checked user/password pair is remembered (by its SHA-256,
/// until the file changes) so that the bcrypt cost is paid once per
/// client, not once per request.
final class HtpasswdFile: Sendable {
    /// One reading of the file.
    private struct Contents: Sendable {
        var hashes: [String: String]
        /// SHA-256 of the file's bytes.
        var fingerprint: String
        /// What `stat` said when it was read (inode, size, times), to notice a change.
        var identity: [Int64]
    }

    let path: String
    private let contents: Mutex<Contents>
    private let accepted = Mutex<Set<String>>([])

    /// Reads `path`; throws a usage error for a file with no bcrypt entry.
    init(path: String) throws {
        self.path = path
        contents = Mutex(try Self.read(path))
    }

    /// Changes whenever the file does: a signed link carries it.
    var fingerprint: String { current().fingerprint }

    /// True when `authorization` is `Basic <base64 user:password>` for a
    /// user of the file with that password.
    func accepts(authorization: String?) async -> Bool {
        guard let authorization, authorization.count < 4096,
              authorization.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return false }
        let user = String(pair[..<colon]), password = String(pair[pair.index(after: colon)...])
        let file = current()
        guard let hash = file.hashes[user] else {
            // The same work as a wrong password, against a real entry's cost.
            if let any = file.hashes.values.min() { _ = try? await BlockingWork.run { Bcrypt.verify(password, hash: any) } }
            return false
        }
        let key = SHA256Hasher.hex(of: Data((user + "\u{0}" + password + "\u{0}" + hash).utf8))
        if accepted.withLock({ $0.contains(key) }) { return true }
        let ok = (try? await BlockingWork.run { Bcrypt.verify(password, hash: hash) }) ?? false
        if ok { accepted.withLock { _ = $0.insert(key) } }
        return ok
    }

    /// The file as it is now: read again when `stat` says it changed. A
    /// file that became unreadable or invalid admits nobody until fixed.
    private func current() -> Contents {
        let identity = Self.identity(path)
        return contents.withLock { contents in
            guard identity != contents.identity else { return contents }
            contents = (try? Self.read(path)) ?? Contents(hashes: [:], fingerprint: "unreadable-\(identity)", identity: identity)
            accepted.withLock { $0.removeAll() }
            return contents
        }
    }

    private static func read(_ path: String) throws -> Contents {
        let identity = identity(path)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
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
        return Contents(hashes: hashes, fingerprint: SHA256Hasher.hex(of: data), identity: identity)
    }

    /// Device, inode, size, and modification and change times in nanoseconds; empty when `stat` fails.
    private static func identity(_ path: String) -> [Int64] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int64(bitPattern: UInt64(info.st_dev)), Int64(bitPattern: UInt64(info.st_ino)), Int64(info.st_size),
                Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)]
    }
}
