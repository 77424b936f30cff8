import Foundation

/// Why a test fixture (registry, server, seeder, token service) could not
/// do its job. The description is one line meant for a test failure.
public enum TestSupportError: Error, CustomStringConvertible {
    /// A POSIX call failed; `call` names it, `errno` is the error number.
    case system(call: String, errno: Int32)
    /// A helper program exited unsuccessfully.
    case commandFailed(command: String, status: Int32, output: String)
    /// The registry did not answer `GET /v2/` in time.
    case registryNotReady(log: String)
    /// libcrypto refused an operation.
    case crypto(String)
    /// Arguments that cannot describe a model or request.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .system(call, code):
            return "\(call) failed: \(String(cString: strerror(code)))"
        case let .commandFailed(command, status, output):
            return "\(command) exited with status \(status): \(output)"
        case let .registryNotReady(log):
            return "docker-registry did not become ready; log tail:\n\(log)"
        case let .crypto(what):
            return "libcrypto: \(what)"
        case let .invalidArgument(what):
            return "invalid argument: \(what)"
        }
    }
}
