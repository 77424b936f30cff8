import Foundation
import Synchronization

/// Bearer tokens by realm, service and scope set, kept until shortly
/// before they expire.
final class TokenCache: Sendable {
    private struct Entry {
        var token: String
        var expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])

    static func key(realm: String, service: String?, scopes: [String]) -> String {
        realm + "|" + (service ?? "") + "|" + scopes.sorted().joined(separator: " ")
    }

    func token(for key: String, now: Date = Date()) -> String? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.token
        }
    }

    func store(_ token: String, for key: String, expiresIn: TimeInterval, now: Date = Date()) {
        // Renew a little early so a token does not expire mid-request.
        let lifetime = max(expiresIn - min(30, expiresIn / 4), 1)
        entries.withLock { $0[key] = Entry(token: token, expires: now.addingTimeInterval(lifetime)) }
    }

    func remove(_ key: String) {
        entries.withLock { $0[key] = nil }
    }
}
