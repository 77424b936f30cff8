import Foundation

/// A `docker-credential-<name>` program (docker's credential helper
/// protocol, as `credsStore` and `credHelpers` name it): `get` reads a
/// server URL on stdin and prints `{"ServerURL","Username","Secret"}`;
/// `store` reads that object; `erase` reads the server URL. Helpers
/// answer a missing entry with an error ("credentials not found in native
/// keychain") or, in older versions, with empty fields.
struct CredentialHelper: Sendable {
    /// The helper's name: `pass` runs `docker-credential-pass`.
    let name: String
    /// `PATH` to find it on.
    let searchPath: String

    /// How long a helper may take (one asking for a passphrase on a
    /// terminal nobody watches must not hang a pull).
    static let timeout: TimeInterval = 30

    /// The server URL docker hands helpers for `host`: Docker Hub's
    /// historical `https://index.docker.io/v1/`, else the host as is.
    static func serverURL(for host: String) -> String {
        Reference.canonicalHost(host) == Reference.dockerHub ? "https://index.docker.io/v1/" : host
    }

    /// The program's path, if it is installed.
    var executable: String? {
        let program = "docker-credential-" + name
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return searchPath.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The credentials the helper holds for `host`, or nil when it has none.
    func get(_ host: String) throws -> Credentials? {
        let (status, output, errors) = try run("get", input: Self.serverURL(for: host))
        guard status == 0 else {
            if errors.lowercased().contains("not found") || output.lowercased().contains("not found") { return nil }
            throw failure("get", status: status, errors: errors)
        }
        struct Answer: Decodable { var Username: String?; var Secret: String? }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(output.utf8)) else {
            throw ModelGetError.authenticationFailed(host: host, reason: "docker-credential-\(name) get answered something that is not JSON")
        }
        guard let secret = answer.Secret, !secret.isEmpty else { return nil }
        return Credentials(username: answer.Username ?? "", password: secret)
    }

    /// Saves `credentials` for `host` in the helper.
    func store(_ credentials: Credentials, for host: String) throws {
        let object = ["ServerURL": Self.serverURL(for: host), "Username": credentials.username, "Secret": credentials.password]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let (status, _, errors) = try run("store", input: String(decoding: data, as: UTF8.self))
        guard status == 0 else { throw failure("store", status: status, errors: errors) }
    }

    /// Removes `host`'s entry; true when there was one.
    @discardableResult
    func erase(_ host: String) throws -> Bool {
        let (status, output, errors) = try run("erase", input: Self.serverURL(for: host))
        guard status == 0 else {
            if (errors + output).lowercased().contains("not found") { return false }
            throw failure("erase", status: status, errors: errors)
        }
        return true
    }

    private func failure(_ action: String, status: Int32, errors: String) -> ModelGetError {
        let detail = DisplayText.line(errors.trimmingCharacters(in: .whitespacesAndNewlines), limit: 200)
        return .authenticationFailed(host: name, reason: "docker-credential-\(name) \(action) failed (exit \(status))" + (detail.isEmpty ? "" : ": \(detail)"))
    }

    /// Runs the helper with `action`, `input` on stdin; its exit status, stdout and stderr.
    private func run(_ action: String, input: String) throws -> (Int32, String, String) {
        guard let executable else {
            throw ModelGetError.authenticationFailed(
                host: name, reason: "the docker config names the credential helper \"\(name)\", but docker-credential-\(name) is not on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [action]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let finished = DispatchSemaphore(value: 0)
        let output = LockedData(), errors = LockedData()
        DispatchQueue.global().async { output.set(stdout.fileHandleForReading.readDataToEndOfFile()); finished.signal() }
        DispatchQueue.global().async { errors.set(stderr.fileHandleForReading.readDataToEndOfFile()); finished.signal() }
        let deadline = DispatchTime.now() + Self.timeout
        guard finished.wait(timeout: deadline) == .success, finished.wait(timeout: deadline) == .success else {
            process.terminate()
            throw ModelGetError.authenticationFailed(host: name, reason: "docker-credential-\(name) \(action) did not answer within \(Int(Self.timeout)) s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output.get(), as: UTF8.self), String(decoding: errors.get(), as: UTF8.self))
    }

    /// Bytes one reader thread fills and the caller takes.
    private final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ new: Data) { lock.withLock { data = new } }
        func get() -> Data { lock.withLock { data } }
    }
}
