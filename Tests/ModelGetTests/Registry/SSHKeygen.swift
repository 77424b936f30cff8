import Foundation

/// Makes OpenSSH keys with the real `ssh-keygen` in a scratch directory.
enum SSHKeygen {
    /// Runs `ssh-keygen -t TYPE -N PASSPHRASE -f DIR/NAME` and returns the
    /// private key's path (the public key is PATH.pub).
    static func make(type: String = "ed25519", passphrase: String = "", name: String = "id_key", in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", "tester@modelget", "-f", path])
        return path
    }

    /// Runs a program; throws when it fails. Returns its standard output.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "SSHKeygen", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(program) \(arguments.joined(separator: " ")) failed"])
        }
        return data
    }

    /// A fresh scratch directory.
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
