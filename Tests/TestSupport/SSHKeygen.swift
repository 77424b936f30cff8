import Foundation

/// OpenSSH keys made by the real `ssh-keygen` (Debian's openssh-client),
/// as ollama users make theirs.
public enum SSHKeygen {
    /// Writes an ed25519 key pair to `path` and `path.pub`; a non-empty
    /// `passphrase` encrypts the private key.
    public static func ed25519(at path: String, passphrase: String = "") throws {
        _ = try Command.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "tester", "-f", path])
    }
}
