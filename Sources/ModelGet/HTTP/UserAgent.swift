import Foundation

/// The `User-Agent` every request carries: `modelget/<version> (<os>
/// <arch>)`, or `MODELGET_USER_AGENT` when set. Some CDNs refuse requests
/// without one, and registry.ollama.ai decides from it which tags a client
/// may pull (a 412 otherwise).
package enum UserAgent {
    /// modelget's version, as sent in the `User-Agent`.
    package static let version = "0.1.0"

    /// The value sent, read once per process.
    package static let current: String = value(environment: ProcessInfo.processInfo.environment)

    /// `MODELGET_USER_AGENT` when set and not blank (control characters
    /// removed, so it cannot split a header), else the default.
    package static func value(environment: [String: String]) -> String {
        if let given = environment["MODELGET_USER_AGENT"] {
            let clean = String(given.unicodeScalars.filter { $0.properties.generalCategory != .control }.map(Character.init))
                .trimmingCharacters(in: .whitespaces)
            if !clean.isEmpty { return clean }
        }
        return "modelget/\(version) (\(operatingSystem) \(architecture))"
    }

    private static var operatingSystem: String {
        #if os(Linux)
        return "linux"
        #elseif os(macOS)
        return "darwin"
        #else
        return "unknown"
        #endif
    }

    private static var architecture: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }
}
