import Foundation

/// Outages of a running registry, played at process level for the
/// "never hang" tests: the registry killed (as a crash or a reboot would),
/// started again on the same port with the same storage, or frozen with
/// SIGSTOP (the kernel still accepts connections; nothing answers).
extension RegistryProcess {
    /// Kills the registry with SIGKILL, as a crash would, and waits until it is gone: its
    /// port refuses connections from then on.
    public func crash() {
        guard let running = process.withLock({ $0.take() }) else { return }
        Foundation.kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
    }

    /// Starts the registry again on the same port with the same
    /// configuration and storage; returns once it answers.
    public func restart() throws {
        crash()
        let process = try Self.run(directory.appendingPathComponent("config.yml"), log: logFile)
        guard Self.waitUntilReady(process, port: port) else {
            Self.end(process)
            throw TestSupportError.registryNotReady(log: logTail())
        }
        self.process.withLock { $0 = process }
    }

    /// Freezes the registry (SIGSTOP): connections are still accepted by
    /// the kernel, but nothing is read or answered.
    public func freeze() {
        process.withLock { if let running = $0 { Foundation.kill(running.processIdentifier, SIGSTOP) } }
    }

    /// Lets a frozen registry run again (SIGCONT).
    public func thaw() {
        process.withLock { if let running = $0 { Foundation.kill(running.processIdentifier, SIGCONT) } }
    }
}
